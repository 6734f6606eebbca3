"""Episode fixtures: an analysed, transcribed stream with chat, stored as the pipeline stores them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from chat.models import ChatMessage
from streams.analysis.models import ClipAnalysis
from streams.models import Series, Stream, VideoClip
from tests.episodes.review_data import rival_stream, stream  # noqa: F401  (the review page's rows)
from tests.widgets.conftest import channel_layer  # noqa: F401  (the browser tests' server needs it)
from tests.widgets.test_obs_page import page, server, server_kind  # noqa: F401  (real ASGI server, Chromium)
from transcription.models import Segment, Transcript

RECORDED_AT = datetime(2026, 5, 1, 19, 0, 0, tzinfo=UTC)
BROADCASTER_ID = "1971641"
# Two recordings back to back (0-400 s, 400-700 s). Silences: 100-180 s, and 380-450 s across the
# boundary: speech 0-100, 180-380, 450-700. A loud moment at 250 s with chat cheering 8 s later.
SPEECH = [(0.0, 100.0), (180.0, 380.0), (450.0, 700.0)]
LOUD_AT = 250


def _loudness(start: int, end: int) -> list[float]:
    rng = random.Random(start)
    values = []
    for second in range(start, end):
        talking = any(s <= second < e for s, e in SPEECH)
        value = -26.0 + rng.gauss(0, 1.0) if talking else -80.0
        if LOUD_AT <= second < LOUD_AT + 6:
            value = -14.0
        values.append(value)
    return values


def _words(start: int, end: int) -> list[dict]:
    words = []
    for second in range(start, end):
        if any(s <= second < e - 1 for s, e in SPEECH):
            for half in (0.0, 0.5):
                words.append({"start": second - start + half, "end": second - start + half + 0.4, "word": " talk"})
    return words


@pytest.fixture
def make_stream(db):
    """``make_stream(owner, title=..., series=...)``: the stream above, with its analysis, words and chat."""

    def make(owner, *, title: str = "Cave build", series: Series | None = None) -> Stream:
        made = Stream.objects.create(owner=owner, title=title, series=series, recorded_at=RECORDED_AT, duration=700.0)
        layout = [(0, 0.0, 400.0, [[100.0, 180.0], [380.0, 400.0]]), (1, 400.0, 300.0, [[0.0, 50.0]])]
        for order, start, duration, silences in layout:
            clip = VideoClip.objects.create(
                stream=made,
                order=order,
                file=f"clips/{owner.username}-{title}-{order}.mkv",
                original_name=f"{order}.mkv",
                recorded_at=RECORDED_AT + timedelta(seconds=start),
                start_time=start,
                duration=duration,
                frame_rate=30.0,
                audio_tracks=[{"index": 1, "codec": "aac", "channels": 2}],
            )
            ClipAnalysis.objects.create(
                clip=clip,
                threshold_db=-48.0,
                min_silence=1.0,
                duration=duration,
                silences=silences,
                speech=[],
                loudness=_loudness(int(start), int(start + duration)),
            )
            transcript = Transcript.objects.create(clip=clip, language="en", text="talk")
            Segment.objects.create(
                transcript=transcript,
                index=0,
                start=0.0,
                end=duration,
                text="talk",
                words=_words(int(start), int(start + duration)),
            )
        rng = random.Random(7)
        messages = [(s + rng.random(), "hi") for s in range(0, 700, 6)]
        messages += [(LOUD_AT + 8 + rng.uniform(0, 8), "PogChamp clip it") for _ in range(40)]
        ChatMessage.objects.bulk_create(
            ChatMessage(
                owner=owner,
                stream=made,
                twitch_message_id=f"{made.id}-{index}",
                broadcaster_user_id=BROADCASTER_ID,
                chatter_user_id=f"viewer-{index % 9}",
                chatter_login=f"viewer{index % 9}",
                text=text,
                sent_at=RECORDED_AT + timedelta(seconds=at),
                source="import",
            )
            for index, (at, text) in enumerate(messages)
        )
        return made

    return make


@pytest.fixture
def recorded(make_stream, user) -> Stream:
    return make_stream(user)
