"""Subtitles for a clip (clip timeline) or a whole stream (stream timeline: each clip shifted by its start)."""

from __future__ import annotations

from streams.models import Stream
from transcription.models import Segment, Transcript
from transcription.subtitles import to_srt, to_vtt

WRITERS = {"srt": to_srt, "vtt": to_vtt}
CONTENT_TYPES = {"srt": "application/x-subrip; charset=utf-8", "vtt": "text/vtt; charset=utf-8"}


def _writer(fmt: str):
    if fmt not in WRITERS:
        raise ValueError(f"unknown subtitle format {fmt!r}; use srt or vtt")
    return WRITERS[fmt]


def transcript_subtitles(transcript: Transcript, fmt: str) -> str:
    return _writer(fmt)([segment.as_dict() for segment in transcript.segments.all()])


def stream_subtitles(stream: Stream, fmt: str) -> str:
    writer = _writer(fmt)
    segments = Segment.objects.filter(transcript__clip__stream=stream).select_related("transcript__clip")
    shifted = [
        {"start": s.start + s.transcript.clip.start_time, "end": s.end + s.transcript.clip.start_time, "text": s.text}
        for s in segments.order_by("transcript__clip__order", "index")
    ]
    return writer(shifted)
