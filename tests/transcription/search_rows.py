"""Search rows for the search tests: two users' streams with transcript windows embedded by the real MiniLM.

Imported by the search test modules (``from tests.transcription.search_rows import searchable``), so the
embed step's own fixtures stay free to grow in conftest.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pytest
from django.utils import timezone

from streams.models import Series, Stream, VideoClip
from transcription.search.embedders import local_embedder
from transcription.search.models import SearchChunk

RUST_WINDOWS = [
    "Welcome back everyone, today we keep porting the parser to Rust.",
    "So the borrow checker complains here because we hold a mutable reference while reading the vector.",
    "The fix is to clone the key first, then the lifetime of the borrow ends before we push.",
    "Let me run cargo test again and see whether the tokenizer passes now.",
]
HOUSE_WINDOWS = [
    "Today we are going to build a small wooden house in the forest.",
    "First we collect some stone and a lot of wood from the birch trees.",
    "The roof needs stairs made of spruce planks, and a chimney of cobblestone.",
    "Thank you all for watching, and see you next time.",
]
RIVAL_WINDOWS = ["My own take on the borrow checker: a mutable reference while reading the vector."]
WINDOW_SECONDS = 30.0


@dataclass
class Searchable:
    rust: Stream
    house: Stream
    rival: Stream
    rust_series: Series


def add_rows(stream: Stream, clip: VideoClip, texts: list[str], *, start: float = 0.0, vectors=None, model=None):
    """One window row per text, 30 s apart from ``start``, embedded by MiniLM unless ``vectors`` are given."""
    embedder = local_embedder()
    vectors = embedder.embed(texts) if vectors is None else vectors
    return SearchChunk.objects.bulk_create(
        SearchChunk(
            owner_id=stream.owner_id,
            stream=stream,
            clip=clip,
            kind=SearchChunk.Kind.WINDOW,
            start=start + index * WINDOW_SECONDS,
            end=start + (index + 1) * WINDOW_SECONDS,
            text=text,
            model_name=model or embedder.model_name,
            dimensions=len(vector),
            embedding=np.asarray(vector, dtype=np.float32),
        )
        for index, (text, vector) in enumerate(zip(texts, vectors, strict=True))
    )


def make_stream(owner, title: str, *, series: Series | None = None, day: dt.date, clip_start: float = 0.0):
    recorded_at = timezone.make_aware(dt.datetime.combine(day, dt.time(20, 0)))
    stream = Stream.objects.create(owner=owner, title=title, series=series, recorded_at=recorded_at, duration=600)
    clip = VideoClip.objects.create(
        stream=stream,
        order=0,
        file=f"clips/{title.replace(' ', '-')}.mp4",
        original_name="a.mp4",
        start_time=clip_start,
        duration=600,
    )
    return stream, clip


@pytest.fixture
def searchable(db, user, other_user) -> Searchable:
    """The user's Rust stream (a series, January) and house stream (March, its clip 60 s into the stream);
    a rival's stream saying the same words about the borrow checker."""
    rust_series = Series.objects.create(owner=user, name="Rust rewrites")
    rust, rust_clip = make_stream(user, "Porting the parser", series=rust_series, day=dt.date(2026, 1, 10))
    house, house_clip = make_stream(user, "Forest cabin", day=dt.date(2026, 3, 5), clip_start=60.0)
    rival, rival_clip = make_stream(other_user, "Rival rust stream", day=dt.date(2026, 1, 10))
    add_rows(rust, rust_clip, RUST_WINDOWS)
    add_rows(house, house_clip, HOUSE_WINDOWS, start=60.0)
    add_rows(rival, rival_clip, RIVAL_WINDOWS)
    return Searchable(rust=rust, house=house, rival=rival, rust_series=rust_series)
