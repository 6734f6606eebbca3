"""Fixtures for analysis and transcription: the committed speech sample inside a small video, ingested."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from streams.models import Stream, VideoClip
from streams.services import stream_ingest
from tests.transcription.fake_openai import FakeEmbeddings
from transcription.models import Segment, Transcript

ROOT = Path(__file__).resolve().parents[2]
SPEECH = ROOT / "samples" / "speech.ogg"
SPEECH_TEXT = (ROOT / "samples" / "speech.txt").read_text()
# Where espeak-ng speaks in samples/speech.ogg (seconds), measured on the source WAV.
SPEECH_SPANS = [(1.001, 3.586), (7.063, 10.494), (13.896, 16.873), (20.276, 23.648)]


@pytest.fixture
def speech_video(make_video) -> Path:
    return make_video("talk.mp4", seconds=25, speech=SPEECH, size="160x90", rate=10, gop=50)


@pytest.fixture(scope="session")
def two_talks(tmp_path_factory) -> Path:
    """Two talks of the sample's four sentences, each sentence followed by a 0.5 s pause, 1.5 s apart.

    A talk is about 15 s, so the second cannot fit whole in the 30 s window beside the first.
    """
    from streams.analysis.decode import SAMPLE_RATE, pcm_chunks

    audio = np.concatenate(list(pcm_chunks(SPEECH)))
    pause, apart = np.zeros(SAMPLE_RATE // 2, np.int16), np.zeros(SAMPLE_RATE * 3 // 2, np.int16)
    sentences = [audio[round(start * SAMPLE_RATE) : round(end * SAMPLE_RATE)] for start, end in SPEECH_SPANS]
    talk = [part for sentence in sentences for part in (sentence, pause)]
    path = tmp_path_factory.mktemp("talks") / "two-talks.wav"
    with wave.open(str(path), "wb") as sink:
        sink.setnchannels(1)
        sink.setsampwidth(2)
        sink.setframerate(SAMPLE_RATE)
        sink.writeframes(np.concatenate([apart, *talk, apart, *talk, apart]).tobytes())
    return path


@pytest.fixture
def ingest(user):
    def ingest(*paths: Path, title: str = "Building a house"):
        return stream_ingest(owner=user, paths=list(paths), title=title, process=False).stream

    return ingest


@pytest.fixture
def speech_stream(ingest, speech_video):
    return ingest(speech_video)


@pytest.fixture
def fake_embeddings():
    """A local OpenAI-compatible ``/v1/embeddings`` server (8-d vectors from each text's hash)."""
    fake = FakeEmbeddings().start()
    yield fake
    fake.stop()


def spoken(start: float, end: float, text: str) -> list[dict]:
    """Word timestamps for ``text`` said evenly from ``start`` to ``end`` (as Whisper stores them)."""
    words = text.split()
    step = (end - start) / len(words)
    return [
        {
            "start": round(start + i * step, 3),
            "end": round(start + (i + 1) * step, 3),
            "word": f" {w}",
            "probability": 0.9,
        }
        for i, w in enumerate(words)
    ]


@pytest.fixture
def transcribed_clip(user):
    """A clip with a stored transcript, made from rows (no media): ``segments`` are (start, end, text) in clip time."""

    def make(
        segments: list[tuple[float, float, str]],
        *,
        stream: Stream | None = None,
        owner=None,
        start_time: float = 0.0,
        name: str = "a.mkv",
    ) -> VideoClip:
        stream = stream or Stream.objects.create(owner=owner or user, title=f"Stream of {name}")
        duration = max([end for _, end, _ in segments], default=1.0) + 1.0
        clip = VideoClip.objects.create(
            stream=stream,
            order=stream.clips.count(),
            file=f"clips/{name}",
            original_name=name,
            start_time=start_time,
            duration=duration,
        )
        transcript = Transcript.objects.create(
            clip=clip, language="en", text=" ".join(text for *_, text in segments), engine="faster-whisper"
        )
        Segment.objects.bulk_create(
            Segment(
                transcript=transcript,
                index=index,
                start=start,
                end=end,
                text=f" {text}",
                words=spoken(start, end, text),
            )
            for index, (start, end, text) in enumerate(segments)
        )
        return clip

    return make
