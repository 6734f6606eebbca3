"""Transcript windows for search rows: about 30 s of speech each, overlapping, cut between words. Pure: no Django.

A hit must open the player where the words were said, and a sentence cut at a window's edge must still be
found whole, so windows overlap (by half, by default) and their edges fall between words. Windows measure
*speech*: a pause counts at most ``max_pause`` seconds, so a window holds about the same amount of talk
whether the streamer paused or not; and a silence longer than ``max_silence`` (the streamer away, a
cut-scene) ends the talk on either side, so no window spans it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Sums of float seconds drift: a window of exactly `seconds` must not lose its last word to rounding.
_EPSILON = 1e-9


@dataclass(frozen=True)
class Piece:
    """The smallest unit a window is made of: one timed word, or a segment that has no word timestamps."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class TextWindow:
    """A window's span (seconds, on the timeline the pieces were shifted to) and its text."""

    start: float
    end: float
    text: str


def speech_pieces(segments: Iterable[Mapping]) -> list[Piece]:
    """Segments (``{start, end, text, words}``, in order) as timed pieces.

    A segment is cut at its words when they spell its text; otherwise (no word timestamps, or a text
    corrected after transcription) the segment is one piece, so the window carries the corrected text.
    """
    pieces: list[Piece] = []
    for segment in segments:
        text = segment.get("text") or ""
        words = [word for word in segment.get("words") or [] if (word.get("word") or "").strip()]
        if words and "".join(word["word"] for word in words).split() == text.split():
            first, *rest = words
            pieces.append(Piece(float(first["start"]), float(first["end"]), " " + first["word"].lstrip()))
            pieces += [Piece(float(word["start"]), float(word["end"]), word["word"]) for word in rest]
        elif text.strip():
            pieces.append(Piece(float(segment["start"]), float(segment["end"]), " " + text.strip()))
    return pieces


def transcript_windows(
    segments: Iterable[Mapping],
    *,
    offset: float = 0.0,
    seconds: float = 30.0,
    overlap: float = 0.5,
    max_pause: float = 1.0,
    max_silence: float = 60.0,
) -> list[TextWindow]:
    """Windows of at most ``seconds`` of speech, each starting at most ``seconds * (1 - overlap)`` of speech on.

    ``offset`` shifts the times (a clip's start on the stream timeline). A window never splits a piece,
    so one piece longer than ``seconds`` (a long segment without words) is a window of its own.
    """
    if seconds <= 0:
        raise ValueError(f"a window must last more than 0 s of speech (got {seconds})")
    if not 0 <= overlap < 1:
        raise ValueError(f"overlap is a fraction of a window from 0 up to (not including) 1 (got {overlap})")
    windows: list[TextWindow] = []
    for talk in _talks(speech_pieces(segments), max_silence):
        windows += _windows(talk, offset, seconds, seconds * (1 - overlap), max_pause)
    return windows


def _talks(pieces: list[Piece], max_silence: float) -> list[list[Piece]]:
    """``pieces`` split wherever the silence between two of them exceeds ``max_silence``."""
    talks: list[list[Piece]] = []
    for piece in pieces:
        if talks and piece.start - talks[-1][-1].end <= max_silence:
            talks[-1].append(piece)
        else:
            talks.append([piece])
    return talks


def _windows(pieces: list[Piece], offset: float, seconds: float, step: float, max_pause: float) -> list[TextWindow]:
    # Each piece's start and end counted in speech: every pause before it capped at max_pause.
    begin, finish = [], []
    clock = 0.0
    for index, piece in enumerate(pieces):
        clock += min(max(0.0, piece.start - pieces[index - 1].end), max_pause) if index else 0.0
        begin.append(clock)
        clock += max(0.0, piece.end - piece.start)
        finish.append(clock)
    windows: list[TextWindow] = []
    first = 0
    while True:
        last = first + 1  # one past the window's last piece: at least one piece, then as many as fit
        while last < len(pieces) and finish[last] - begin[first] <= seconds + _EPSILON:
            last += 1
        chosen = pieces[first:last]
        text = " ".join("".join(piece.text for piece in chosen).split())
        windows.append(TextWindow(offset + chosen[0].start, offset + max(piece.end for piece in chosen), text))
        if last == len(pieces):
            return windows
        # The next window starts at the last edge between pieces at most `step` of speech on, so consecutive
        # windows overlap by at least `overlap`.
        following = first + 1
        while following < last and begin[following + 1] - begin[first] <= step + _EPSILON:
            following += 1
        # The next window must reach past this one, or it would repeat a part of it (a long piece ahead).
        while following < last and finish[last] - begin[following] > seconds:
            following += 1
        first = following
