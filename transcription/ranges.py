"""Speech spans to Whisper clip ranges, and ranges to bounded model calls. Pure, no Django."""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass

Range = tuple[float, float]


def clip_ranges(speech: list[Range], duration: float, *, pad: float = 0.2, min_length: float = 0.1) -> list[Range]:
    """Whisper clip ranges from speech spans: each widened by ``pad`` (so no word is cut), clamped to the
    clip, overlapping ones merged, crumbs shorter than ``min_length`` dropped.

    Silences [30, 40] in a 100 s clip give speech [0, 30], [40, 100] and, with no padding, those ranges.
    """
    merged: list[list[float]] = []
    for start, end in sorted(speech):
        start, end = max(0.0, start - pad), min(duration, end + pad)
        if end - start < min_length:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(round(start, 3), round(end, 3)) for start, end in merged]


@dataclass(frozen=True)
class Window:
    """A stretch of the clip read into memory for one model call, with the ranges inside it."""

    start: float
    end: float
    ranges: tuple[Range, ...]

    @property
    def speech_seconds(self) -> float:
        return sum(end - start for start, end in self.ranges)

    def relative_ranges(self) -> list[Range]:
        return self.relative(self.ranges)

    def relative(self, intervals: list[Range] | tuple[Range, ...]) -> list[Range]:
        """The ``intervals`` that lie inside this window, in window time."""
        return [
            (round(start - self.start, 3), round(end - self.start, 3))
            for start, end in intervals
            if self.start <= start and end <= self.end
        ]


def plan_windows(ranges: list[Range], *, max_span: float = 600.0) -> list[Window]:
    """Group consecutive ranges into windows spanning at most ``max_span`` seconds of the clip.

    Only a window's audio is loaded, so a 4-hour clip never sits in memory whole; a range longer than
    ``max_span`` gets a window of its own.
    """
    windows: list[Window] = []
    group: list[Range] = []
    for rng in sorted(ranges):
        if group and rng[1] - group[0][0] > max_span:
            windows.append(Window(group[0][0], group[-1][1], tuple(group)))
            group = []
        group.append(rng)
    if group:
        windows.append(Window(group[0][0], group[-1][1], tuple(group)))
    return windows


@dataclass(frozen=True)
class Piece:
    """A speech range of the clip (``start``-``end``) placed at ``offset`` seconds in the packed audio."""

    start: float
    end: float
    offset: float

    @property
    def length(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class PackedWindow:
    """One model input: pieces back to back, each followed by ``gap`` seconds of silence."""

    pieces: tuple[Piece, ...]
    gap: float

    @property
    def start(self) -> float:
        return self.pieces[0].offset

    @property
    def end(self) -> float:
        return round(self.pieces[-1].offset + self.pieces[-1].length + self.gap, 3)

    def piece_at(self, packed_time: float) -> Piece:
        """The piece a moment of the packed audio belongs to (a moment in a gap: the piece before it)."""
        found = self.pieces[0]
        for piece in self.pieces:
            if piece.offset <= packed_time:
                found = piece
        return found

    def clip_time(self, packed_time: float, piece: Piece | None = None) -> float:
        """A moment of the packed audio on the clip's timeline, kept inside its piece."""
        piece = piece or self.piece_at(packed_time)
        return round(piece.start + min(max(packed_time - piece.offset, 0.0), piece.length), 3)


def pack_ranges(
    ranges: list[Range],
    *,
    pauses: list[Range] = (),
    window: float = 30.0,
    gap: float = 1.0,
    min_piece: float = 1.0,
) -> list[PackedWindow]:
    """Speech ranges laid end to end in windows of at most ``window`` seconds, for one batched model call.

    Whisper reads 30 s at a time and pads a shorter input with silence to 30 s, so a 10 s range sent
    alone costs as much as 30 s of audio; packed, a stream's speech fills its windows. The ``gap`` of
    silence after each range keeps words of different ranges apart, and a second of it lets the model
    end its sentence there. The last range of a window needs no room for its gap: Whisper pads a
    window with silence, and a full one ends where a long recording's window would.

    A range that does not fit in the space left is cut in the middle of the last of its ``pauses``
    (short silences between phrases, where no word is said) that lets its first part fill the window,
    if that part lasts ``min_piece`` or more; otherwise it starts the next window. A range longer than
    a window with no pause to cut at is cut into equal pieces.
    """
    cuts = sorted(round((start + end) / 2, 3) for start, end in pauses)
    windows: list[PackedWindow] = []
    group: list[Piece] = []
    offset = used = 0.0
    pending = deque(sorted(ranges))
    while pending:
        start, end = pending.popleft()
        room = window - used
        if end - start <= room + 1e-9:
            group.append(Piece(start, end, round(offset, 3)))
            offset += (end - start) + gap
            used += (end - start) + gap
            continue
        cut = _last_cut(cuts, start + min_piece, start + room)
        if cut is not None:
            group.append(Piece(start, cut, round(offset, 3)))
            offset += (cut - start) + gap
            pending.appendleft((cut, end))
        elif end - start > window + 1e-9:  # too long for any window, no pause: equal pieces
            pending.extendleft(reversed(split_long([(start, end)], window)))
            continue
        else:
            pending.appendleft((start, end))
        windows.append(PackedWindow(tuple(group), gap))
        group, used = [], 0.0
    if group:
        windows.append(PackedWindow(tuple(group), gap))
    return windows


def split_long(ranges: list[Range], max_length: float) -> list[Range]:
    """Ranges cut into equal pieces of at most ``max_length``."""
    pieces: list[Range] = []
    for start, end in ranges:
        count = max(1, int(-(-(end - start) // max_length)))
        step = (end - start) / count
        pieces += [(round(start + i * step, 3), round(start + (i + 1) * step, 3)) for i in range(count)]
    return pieces


def _last_cut(cuts: list[float], earliest: float, latest: float) -> float | None:
    """The last of the sorted ``cuts`` between ``earliest`` and ``latest``, if any."""
    index = bisect.bisect_right(cuts, latest) - 1
    return cuts[index] if index >= 0 and cuts[index] >= earliest else None
