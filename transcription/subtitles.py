"""SRT and WebVTT: the one writer, for clip and stream transcripts and for rendered episodes. Pure.

Cues are ``(start, end, text)`` in seconds. A cue's text is one line: whitespace (newlines included)
collapses, because a blank line ends a cue; ``-->`` would read as a timing line, so it becomes ``->``.
WebVTT also escapes ``&``, ``<`` and ``>``, which it would read as entities and tags. Empty cues are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

Cue = tuple[float, float, str]
_ARROW = re.compile(r"-{2,}>")


def format_timestamp(seconds: float, separator: str) -> str:
    millis = max(0, int(round(seconds * 1000)))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def cue_text(text: str) -> str:
    """The text as one safe cue line (empty when there is nothing to show)."""
    return _ARROW.sub("->", " ".join(str(text).split()))


def _cues(cues: Iterable[Cue]) -> list[Cue]:
    kept = []
    for start, end, text in cues:
        line = cue_text(text)
        if line:
            kept.append((start, max(end, start), line))
    return kept


def srt(cues: Iterable[Cue]) -> str:
    """SubRip: numbered cues, ``HH:MM:SS,mmm``."""
    return "\n".join(
        f"{number}\n{format_timestamp(start, ',')} --> {format_timestamp(end, ',')}\n{text}\n"
        for number, (start, end, text) in enumerate(_cues(cues), start=1)
    )


def webvtt(cues: Iterable[Cue]) -> str:
    """WebVTT: a ``WEBVTT`` header, ``HH:MM:SS.mmm`` cues."""
    blocks = [
        f"{format_timestamp(start, '.')} --> {format_timestamp(end, '.')}\n{_escape_vtt(text)}\n"
        for start, end, text in _cues(cues)
    ]
    return "WEBVTT\n\n" + "\n".join(blocks)


def _escape_vtt(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def segment_cues(segments: Iterable[Mapping], offset: float = 0.0) -> list[Cue]:
    """Transcript segments (``start``, ``end``, ``text``) as cues, shifted by ``offset`` seconds."""
    return [(segment["start"] + offset, segment["end"] + offset, segment["text"]) for segment in segments]


def to_srt(segments: Iterable[Mapping], *, offset: float = 0.0) -> str:
    """SRT of transcript segments; ``offset`` shifts clip times onto the stream timeline."""
    return srt(segment_cues(segments, offset))


def to_vtt(segments: Iterable[Mapping], *, offset: float = 0.0) -> str:
    """WebVTT of transcript segments; ``offset`` shifts clip times onto the stream timeline."""
    return webvtt(segment_cues(segments, offset))
