"""What every engine is given: a clip's speech as segments on the stream timeline, and what came before it.

Pure: the service builds these from the database; tests build them from literals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Progress = Callable[[float], None]


@dataclass(frozen=True)
class SpeechSegment:
    """One transcript segment, its times already moved onto the stream timeline."""

    index: int
    start: float
    end: float
    text: str
    avg_logprob: float | None = None
    compression_ratio: float | None = None
    no_speech_prob: float | None = None
    words: tuple[dict, ...] = ()
    loudness: float | None = None  # mean dBFS over the segment, where the clip was analysed


@dataclass(frozen=True)
class ClipSpeech:
    """A clip to summarise: its segments, the context rolled forward from the clip before, and names."""

    segments: Sequence[SpeechSegment]
    previous_context: str = ""
    stream_title: str = ""
    clip_name: str = ""
    language: str = ""


@dataclass(frozen=True)
class ClipDigest:
    """One clip's summary as the stream summary sees it."""

    start: float  # on the stream timeline
    title: str
    keywords: Sequence[str] = ()
    main_discussion: str = ""
    highlights: Sequence[str] = field(default_factory=tuple)


def mean_loudness(loudness: Sequence[float], start: float, end: float) -> float | None:
    """The mean of a per-second dBFS series over [start, end) in the series' own seconds (None if outside it)."""
    first, last = max(int(start), 0), min(int(end) + 1, len(loudness))
    values = [value for value in loudness[first:last] if value is not None]
    return sum(values) / len(values) if values else None


def format_time(seconds: float) -> str:
    """H:MM:SS, as a streamer reads a moment of a long stream."""
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
