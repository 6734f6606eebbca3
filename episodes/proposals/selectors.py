"""Reads for proposals: a stream's analysis, transcript, chat and summaries as the plain data the cores take."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.apps import apps

from chat.selectors import stream_chat_messages
from episodes.proposals.config import ProposalSettings, SettingsError, proposal_settings
from episodes.proposals.signals import SILENT_DB, ChatEvent, Moment, StreamData
from episodes.proposals.spans import ClipClock, ClipSilences, wall_to_stream
from streams.analysis.models import ClipAnalysis
from streams.models import Stream, VideoClip
from transcription.models import Segment


def stream_settings(stream: Stream) -> ProposalSettings:
    """The stream's series' settings over the defaults; ValueError naming the series and each bad key."""
    raw = stream.series.proposal_settings if stream.series_id else {}
    try:
        return proposal_settings(raw)
    except SettingsError as error:
        raise ValueError(f"series {stream.series.name!r} has unusable proposal settings: {error}") from None


def stream_clips(stream: Stream) -> list[VideoClip]:
    return list(stream.clips.order_by("order"))


def stream_clip_silences(clips: list[VideoClip]) -> list[ClipSilences]:
    """Each clip's silences on its own timeline. A clip without analysis counts as silent throughout:
    nothing is proposed over audio nobody has looked at."""
    silences = dict(ClipAnalysis.objects.filter(clip__in=clips).values_list("clip_id", "silences"))
    return [
        ClipSilences(
            clip.start_time, clip.duration, [tuple(pair) for pair in silences.get(clip.id, [[0.0, clip.duration]])]
        )
        for clip in clips
    ]


def clip_clocks(clips: list[VideoClip]) -> list[ClipClock]:
    return [
        ClipClock(clip.recorded_at.timestamp() if clip.recorded_at else None, clip.start_time, clip.duration)
        for clip in clips
    ]


def stream_words(stream: Stream) -> list[tuple[float, str]]:
    """``(start, word)`` of every transcribed word, on the stream timeline, in order."""
    rows = Segment.objects.filter(transcript__clip__stream=stream).values_list("transcript__clip__start_time", "words")
    words = [
        (offset + float(word["start"]), str(word.get("word", "")))
        for offset, items in rows
        for word in items or []
        if isinstance(word, dict) and isinstance(word.get("start"), int | float)
    ]
    return sorted(words)


def stream_loudness(stream: Stream, clips: list[VideoClip]) -> list[float]:
    """dBFS per second of the stream timeline, each clip's series placed at its start."""
    series = [SILENT_DB] * max(0, math.ceil(stream.duration))
    starts = {clip.id: clip.start_time for clip in clips}
    for clip_id, loudness in ClipAnalysis.objects.filter(clip__in=clips).values_list("clip_id", "loudness"):
        offset = starts[clip_id]
        for second, value in enumerate(loudness or []):
            index = int(offset + second)
            if 0 <= index < len(series) and isinstance(value, int | float):
                series[index] = float(value)
    return series


def stream_chat_events(stream: Stream, clips: list[VideoClip]) -> list[ChatEvent]:
    """The stream's chat on its timeline (wall-clock mapped through the recordings' own clocks)."""
    clocks = clip_clocks(clips)
    origin = stream.recorded_at.timestamp() if stream.recorded_at else None
    events = []
    rows = stream_chat_messages(stream).values_list("sent_at", "chatter_user_id", "chatter_login", "text")
    for sent_at, chatter_id, login, text in rows:
        at = wall_to_stream(sent_at.timestamp(), clocks, stream_start=origin)
        if at is not None:
            events.append(ChatEvent(at, chatter_id or login, text))
    return events


@dataclass(frozen=True)
class ClipSummaryView:
    """What proposals read from a clip's summary (issue 11), whichever summary engine wrote it."""

    clip_id: int
    title: str
    text: str
    moments: list[Moment]


def _seconds(value) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            parts = [float(p) for p in value.strip().split(":")]
        except ValueError:
            return None
        return sum(p * 60**i for i, p in enumerate(reversed(parts)))
    return None


def stream_summaries(clips: list[VideoClip]) -> dict[int, ClipSummaryView]:
    """Each clip's summary by clip id; empty where no summary engine is installed or none ran."""
    try:
        model = apps.get_model("transcription", "ClipSummary")
    except LookupError:
        return {}
    views = {}
    for summary in model.objects.filter(clip__in=clips):
        moments = []
        for item in getattr(summary, "highlights", None) or []:
            if not isinstance(item, dict):
                continue
            start, end = _seconds(item.get("timestamp_start")), _seconds(item.get("timestamp_end"))
            if start is not None:
                end = end if end is not None and end > start else start + 10.0
                moments.append(Moment(start, end, str(item.get("description") or "").strip()[:200]))
        views[summary.clip_id] = ClipSummaryView(
            clip_id=summary.clip_id,
            title=str(getattr(summary, "title", "") or "").strip(),
            text=str(getattr(summary, "summary_main_discussion", "") or "").strip(),
            moments=moments,
        )
    return views


def stream_data(stream: Stream, clips: list[VideoClip], summaries: dict[int, ClipSummaryView]) -> StreamData:
    return StreamData(
        duration=stream.duration,
        loudness=stream_loudness(stream, clips),
        words=stream_words(stream),
        chat=stream_chat_events(stream, clips),
        moments=[moment for view in summaries.values() for moment in view.moments],
    )
