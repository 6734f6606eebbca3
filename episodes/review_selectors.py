"""Reads for the review page and the home page: a stream's timeline lanes, transcript, chat and proposals,
shaped for the browser (stream seconds, compact arrays), and the streamer's streams with their state."""

from __future__ import annotations

import hashlib
import json

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery

from chat.selectors import stream_chat_activity, stream_chat_messages
from episodes.models import Episode, Highlight
from episodes.review_core import ClipPeaks, peaks_rate_for, stream_peaks
from pipeline.media_access import media_url
from pipeline.models import FINISHED, PipelineRun
from rendering.proxy import clip_proxy_exists, needs_proxy, proxy_key
from streams.analysis.models import ClipAnalysis
from streams.models import Stream
from transcription.models import Segment, Transcript

WAVEFORM_MAX_POINTS = 200_000  # 4 h at 10 peaks/s is 144,000: sent whole, the page builds its zoom levels
PROXY_QUEUED_SECONDS = 3600
PAYLOAD_CACHE_SECONDS = 24 * 3600


def cached_json(key: str, build) -> bytes:
    """``build()`` as JSON bytes, kept in the cache under ``key``. Keys carry the rows' version (latest update
    time and count), so an edit makes a new key and a stale payload is never served; a 4-hour stream's
    transcript is about 1.5 MB that takes seconds to read and encode, and a streamer reopens the page often.
    """
    payload = cache.get(key)
    if payload is None:
        payload = json.dumps(build(), separators=(",", ":"), ensure_ascii=False).encode()
        cache.set(key, payload, PAYLOAD_CACHE_SECONDS)
    return payload


def _version(queryset: QuerySet, field: str) -> str:
    found = queryset.aggregate(latest=Max(field), count=Count("pk"))
    latest = found["latest"].isoformat() if found["latest"] else "-"
    return f"{latest}:{found['count']}"


def waveform_json(stream: Stream) -> bytes:
    version = _version(ClipAnalysis.objects.filter(clip__stream=stream), "updated_at")
    return cached_json(f"review:waveform:{stream.id}:{stream.duration}:{version}", lambda: review_waveform(stream))


def transcript_json(stream: Stream) -> bytes:
    version = _version(Transcript.objects.filter(clip__stream=stream), "updated_at")
    starts = ",".join(str(v) for v in stream.clips.order_by("order").values_list("start_time", flat=True))
    layout = hashlib.sha1(starts.encode()).hexdigest()[:12]  # clips re-laid out: every segment moves
    return cached_json(
        f"review:transcript:{stream.id}:{version}:{layout}", lambda: {"segments": review_transcript(stream)}
    )


def chat_json(stream: Stream) -> bytes:
    version = _version(stream_chat_messages(stream), "received_at")
    return cached_json(
        f"review:chat:{stream.id}:{stream.recorded_at}:{stream.duration}:{version}",
        lambda: {"messages": review_chat(stream)},
    )


def home_streams(user) -> QuerySet[Stream]:
    """The user's streams, newest first, with their clip count, proposal counts and latest processing run."""
    latest = PipelineRun.objects.filter(stream=OuterRef("pk"), kind=PipelineRun.Kind.PROCESS).order_by("-created_at")
    return (
        Stream.objects.filter(owner=user)
        .annotate(
            clip_count=Count("clips", distinct=True),
            proposed_episodes=Count("episodes", filter=Q(episodes__status=Episode.Status.PROPOSED), distinct=True),
            accepted_episodes=Count(
                "episodes",
                filter=~Q(episodes__status__in=[Episode.Status.PROPOSED, Episode.Status.REJECTED]),
                distinct=True,
            ),
            proposed_highlights=Count(
                "highlights", filter=Q(highlights__status=Highlight.Status.PROPOSED), distinct=True
            ),
            run_status=Subquery(latest.values("status")[:1]),
            run_progress=Subquery(latest.values("progress")[:1]),
        )
        .order_by("-recorded_at", "-created_at")
    )


def review_stream(user, stream_id: int) -> Stream | None:
    return Stream.objects.filter(id=stream_id, owner=user).first()


def _clip_source(clip) -> dict:
    """Where the page plays the clip from: the recording, or its proxy when browsers cannot decode it."""
    entry = {
        "id": clip.id,
        "name": clip.original_name,
        "start": clip.start_time,
        "duration": clip.duration,
        "codec": clip.video_codec,
        "has_video": clip.has_video,
        "url": media_url(clip.file.name),
        "proxy": None,
    }
    if needs_proxy(clip.video_codec):
        if clip_proxy_exists(clip):
            entry.update(url=media_url(proxy_key(clip.id)), proxy="ready")
        else:
            entry.update(url=None, proxy="queued")
            _queue_proxy(clip.id)
    return entry


def _queue_proxy(clip_id: int) -> None:
    from rendering.tasks import make_proxy

    # Once an hour at most per clip: every page load asks, and the first one's task may still be running.
    if cache.add(f"review:proxy-queued:{clip_id}", 1, PROXY_QUEUED_SECONDS):
        make_proxy.apply_async((clip_id,))


def review_items(stream: Stream) -> dict:
    """The stream's episodes (proposed and accepted) and highlights, in timeline order."""
    episodes = [
        {
            "id": e.id,
            "title": e.title,
            "status": e.status,
            "order": e.order,
            "tracks": e.tracks,
            "start": min((t["start"] for t in e.tracks), default=0.0),
            "end": max((t["end"] for t in e.tracks), default=0.0),
            "rendered_url": media_url(e.rendered_file.name) if e.rendered_file else None,
        }
        for e in Episode.objects.filter(stream=stream)
    ]
    episodes.sort(key=lambda e: (e["start"], e["id"]))
    highlights = [
        {
            "id": h.id,
            "title": h.title,
            "start": h.start,
            "end": h.end,
            "peak": h.peak,
            "score": h.score,
            "reason": h.reason,
            "source": h.source,
            "status": h.status,
        }
        for h in Highlight.objects.filter(stream=stream).order_by("start")
    ]
    return {"episodes": episodes, "highlights": highlights}


def review_runs(stream: Stream) -> list[dict]:
    """Unfinished runs of the stream and its episodes, so the page shows work already under way."""
    from pipeline.notify import run_payload

    runs = PipelineRun.objects.filter(Q(stream=stream) | Q(episode__stream=stream)).exclude(status__in=FINISHED)
    return [run_payload(run) for run in runs.order_by("created_at")]


def review_overview(stream: Stream) -> dict:
    """What the page needs first: clips to play, the lanes, proposals, runs under way."""
    clips = list(stream.clips.order_by("order"))
    speech, silences = [], []
    for analysis in ClipAnalysis.objects.filter(clip__stream=stream).select_related("clip"):
        offset = analysis.clip.start_time
        speech += [[round(a + offset, 3), round(b + offset, 3)] for a, b in analysis.speech]
        silences += [[round(a + offset, 3), round(b + offset, 3)] for a, b in analysis.silences]
    activity = stream_chat_activity(stream)
    return {
        "stream": {"id": stream.id, "title": stream.title, "duration": stream.duration},
        "clips": [_clip_source(clip) for clip in clips],
        "speech": sorted(speech),
        "silences": sorted(silences),
        "chat": {
            "window": activity[1].start - activity[0].start if len(activity) > 1 else 10.0,
            "messages": [window.messages for window in activity],
        },
        **review_items(stream),
        "runs": review_runs(stream),
    }


def review_waveform(stream: Stream, *, max_points: int = WAVEFORM_MAX_POINTS) -> dict:
    """The stream's loudness peaks (0..255) on its timeline, at the finest rate that fits ``max_points``."""
    clips, native = [], 10
    for analysis in ClipAnalysis.objects.filter(clip__stream=stream).select_related("clip"):
        if not analysis.waveform_peaks:
            continue
        with default_storage.open(analysis.waveform_peaks.name, "rb") as handle:
            stored = json.load(handle)
        native = max(native, int(stored.get("peaks_per_second") or analysis.peaks_per_second))
        clips.append(
            ClipPeaks(
                start=analysis.clip.start_time,
                duration=analysis.clip.duration,
                per_second=int(stored.get("peaks_per_second") or analysis.peaks_per_second),
                peaks=stored.get("peaks") or [],
            )
        )
    rate = peaks_rate_for(stream.duration, native=native, max_points=max_points)
    return {"per_second": rate, "peaks": stream_peaks(clips, duration=stream.duration, per_second=rate)}


def review_transcript(stream: Stream) -> list[dict]:
    """Every segment on the stream timeline, words as ``[start, end, word]`` (stream seconds)."""
    rows = (
        Segment.objects.filter(transcript__clip__stream=stream)
        .order_by("transcript__clip__order", "index")
        .values_list("id", "transcript__clip_id", "transcript__clip__start_time", "start", "end", "text", "words")
    )
    return [
        {
            "id": segment_id,
            "clip": clip_id,
            "start": round(offset + start, 3),
            "end": round(offset + end, 3),
            "text": text,
            "words": [
                [round(offset + float(w["start"]), 3), round(offset + float(w["end"]), 3), str(w["word"]).strip()]
                for w in words or []
            ],
        }
        for segment_id, clip_id, offset, start, end, text, words in rows
    ]


def review_chat(stream: Stream) -> list[list]:
    """The stream's chat as ``[seconds, name, text]`` in time order (only messages inside the stream)."""
    if stream.recorded_at is None:
        return []
    rows = (
        stream_chat_messages(stream)
        .order_by("sent_at")
        .values_list("sent_at", "chatter_display_name", "chatter_login", "text")
    )
    out = []
    for sent_at, display, login, text in rows:
        offset = (sent_at - stream.recorded_at).total_seconds()
        if 0 <= offset <= stream.duration:
            out.append([round(offset, 3), display or login, text])
    return out
