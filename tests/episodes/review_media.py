"""A real short stream for the review page in a browser: the speech sample as a recording, ingested, analysed
(real peaks), with proposals, a highlight, a transcript with word timings and chat around it."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from chat.models import ChatMessage
from episodes.models import Episode, Highlight
from streams.analysis.services import clip_analyse
from streams.models import Stream
from streams.services import stream_ingest
from transcription.models import Segment, Transcript

LINES = [
    (1.0, 3.6, "hello and welcome to the stream"),
    (7.0, 10.5, "today we build a house from scratch"),
    (13.9, 16.9, "first we lay the foundations"),
    (20.3, 23.6, "then we put up the walls"),
]


def _words(start: float, end: float, text: str) -> list[dict]:
    tokens = text.split()
    step = (end - start) / len(tokens)
    return [
        {
            "start": round(start + i * step, 3),
            "end": round(start + (i + 1) * step, 3),
            "word": f" {t}",
            "probability": 0.9,
        }
        for i, t in enumerate(tokens)
    ]


def make_reviewable_stream(owner, video) -> Stream:
    stream = stream_ingest(owner=owner, paths=[video], title="House build", process=False).stream
    recorded_at = timezone.now() - timedelta(hours=2)
    Stream.objects.filter(id=stream.id).update(recorded_at=recorded_at)
    stream.refresh_from_db()
    clip = stream.clips.get()
    clip_analyse(clip_id=clip.id)
    Episode.objects.create(
        owner=owner,
        stream=stream,
        order=1,
        title="Welcome",
        tracks=[{"start": 0.5, "end": 11.0}],
        status=Episode.Status.PROPOSED,
    )
    Episode.objects.create(
        owner=owner,
        stream=stream,
        order=2,
        title="Foundations",
        tracks=[{"start": 13.0, "end": 24.0}],
        status=Episode.Status.PROPOSED,
    )
    Highlight.objects.create(
        stream=stream,
        start=6.0,
        end=12.0,
        peak=8.0,
        score=2.5,
        reason="chat ×4.2 over baseline 3 s after, loudness +2.1σ",
    )
    transcript = Transcript.objects.create(clip=clip, language="en", text=" ".join(t for _, _, t in LINES))
    Segment.objects.bulk_create(
        Segment(transcript=transcript, index=i, start=a, end=b, text=t, words=_words(a, b, t))
        for i, (a, b, t) in enumerate(LINES)
    )
    ChatMessage.objects.bulk_create(
        ChatMessage(
            owner=owner,
            stream=stream,
            twitch_message_id=f"m-{stream.id}-{i}",
            broadcaster_user_id="1",
            chatter_login=f"viewer{i % 3}",
            chatter_display_name=f"Viewer{i % 3}",
            text=text,
            sent_at=recorded_at + timedelta(seconds=at),
            source="import",
        )
        for i, (at, text) in enumerate(
            [(2.0, "hi!"), (8.5, "PogChamp"), (9.0, "clip it"), (9.2, "LUL"), (17.0, "nice foundations")]
        )
    )
    return stream
