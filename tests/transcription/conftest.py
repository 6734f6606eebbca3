"""Fixtures for analysis and transcription: the committed speech sample inside a small video, ingested."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.services import stream_ingest

ROOT = Path(__file__).resolve().parents[2]
SPEECH = ROOT / "samples" / "speech.ogg"
SPEECH_TEXT = (ROOT / "samples" / "speech.txt").read_text()
# Where espeak-ng speaks in samples/speech.ogg (seconds), measured on the source WAV.
SPEECH_SPANS = [(1.001, 3.586), (7.063, 10.494), (13.896, 16.873), (20.276, 23.648)]


@pytest.fixture
def speech_video(make_video) -> Path:
    return make_video("talk.mp4", seconds=25, speech=SPEECH, size="160x90", rate=10, gop=50)


@pytest.fixture
def ingest(user):
    def ingest(*paths: Path, title: str = "Building a house"):
        return stream_ingest(owner=user, paths=list(paths), title=title, process=False).stream

    return ingest


@pytest.fixture
def speech_stream(ingest, speech_video):
    return ingest(speech_video)
