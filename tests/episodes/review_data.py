"""Rows for the review page's tests: a five-minute stream of two recordings with proposals, a highlight and a
transcript line. No media (the services and API only read rows); the browser tests add a real clip."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from episodes.models import Episode, Highlight
from streams.models import Stream, VideoClip
from transcription.models import Segment, Transcript

WORDS = [
    {"start": 1.0, "end": 1.4, "word": " we", "probability": 0.9},
    {"start": 1.4, "end": 1.9, "word": " beat", "probability": 0.9},
    {"start": 1.9, "end": 2.3, "word": " the", "probability": 0.9},
    {"start": 2.3, "end": 2.9, "word": " bos", "probability": 0.4},
]


def make_review_stream(owner, *, title: str = "Friday build") -> Stream:
    stream = Stream.objects.create(
        owner=owner, title=title, duration=300.0, recorded_at=timezone.now() - timedelta(days=1)
    )
    for order, (start, duration) in enumerate([(0.0, 200.0), (200.0, 100.0)]):
        VideoClip.objects.create(
            stream=stream,
            order=order,
            file=f"clips/{owner.username}-{stream.id}-{order}.mp4",
            original_name=f"part{order}.mp4",
            start_time=start,
            duration=duration,
            frame_rate=30.0,
            video_codec="h264",
            audio_tracks=[{"index": 1, "codec": "aac"}],
        )
    proposed = Episode.Status.PROPOSED
    Episode.objects.create(
        owner=owner, stream=stream, order=1, title="Intro", tracks=[{"start": 10.0, "end": 60.0}], status=proposed
    )
    Episode.objects.create(
        owner=owner,
        stream=stream,
        order=2,
        title="Foundations",
        tracks=[{"start": 100.0, "end": 150.0}],
        status=proposed,
    )
    Episode.objects.create(
        owner=owner,
        stream=stream,
        order=3,
        title="Roof",
        tracks=[{"start": 220.0, "end": 280.0}],
        status=Episode.Status.DRAFT,
    )
    Highlight.objects.create(stream=stream, start=30.0, end=60.0, peak=45.0, score=3.2, reason="chat ×4.2")
    clip = stream.clips.get(order=1)
    transcript = Transcript.objects.create(clip=clip, language="en", text="we beat the bos")
    Segment.objects.create(transcript=transcript, index=0, start=1.0, end=2.9, text="we beat the bos", words=WORDS)
    return stream


def episode(stream: Stream, title: str) -> Episode:
    return Episode.objects.get(stream=stream, title=title)


@pytest.fixture
def stream(db, user) -> Stream:
    return make_review_stream(user)


@pytest.fixture
def rival_stream(db, other_user) -> Stream:
    return make_review_stream(other_user, title="Rival's stream")
