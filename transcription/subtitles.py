"""SRT and WebVTT from transcript segments. Pure: segments are mappings with ``start``, ``end``, ``text``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def format_timestamp(seconds: float, separator: str) -> str:
    millis = max(0, int(round(seconds * 1000)))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _cues(segments: Iterable[Mapping], offset: float) -> list[tuple[float, float, str]]:
    cues = []
    for segment in segments:
        text = " ".join(str(segment["text"]).split())
        if text:
            cues.append((segment["start"] + offset, max(segment["end"], segment["start"]) + offset, text))
    return cues


def to_srt(segments: Iterable[Mapping], *, offset: float = 0.0) -> str:
    """SubRip: numbered cues, ``HH:MM:SS,mmm``. ``offset`` shifts clip times onto the stream timeline."""
    blocks = [
        f"{number}\n{format_timestamp(start, ',')} --> {format_timestamp(end, ',')}\n{text}\n"
        for number, (start, end, text) in enumerate(_cues(segments, offset), start=1)
    ]
    return "\n".join(blocks)


def to_vtt(segments: Iterable[Mapping], *, offset: float = 0.0) -> str:
    """WebVTT: a ``WEBVTT`` header, ``HH:MM:SS.mmm`` cues."""
    blocks = [
        f"{format_timestamp(start, '.')} --> {format_timestamp(end, '.')}\n{text}\n"
        for start, end, text in _cues(segments, offset)
    ]
    return "WEBVTT\n\n" + "\n".join(blocks)
