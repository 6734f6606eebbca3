"""Pure rules for live recording: where a part ends, what it is named, what it notes. No Django.

The recorder's writer thread reports each HLS segment (bytes written so far, length, program date time,
discontinuity, filtered as an ad); ``PartPlan`` decides from those which bytes belong to which part. A
part ends at the first segment boundary once it holds ``part_seconds`` of media, so every part is a
whole MPEG-TS file that starts where a segment starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class SegmentMark:
    end_byte: int  # bytes written to the recording once this segment is in
    duration: float
    date: datetime | None = None  # EXT-X-PROGRAM-DATE-TIME: when the segment was captured
    discontinuity: bool = False
    ad: bool = False  # filtered out (an ad break): nothing was written for it
    lost: bool = False  # its download failed: nothing was written for it


@dataclass
class PlannedPart:
    start_byte: int
    seconds: float = 0.0
    date: datetime | None = None  # capture time of its first segment, where the playlist says
    notes: list[str] = field(default_factory=list)
    ad_seconds: float = 0.0


def clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def part_name(started_local: datetime, extension: str = "ts") -> str:
    """OBS's shape, ``2026-12-02 14-30-00.ts``: ingest reads the recording time back from it."""
    return f"{started_local:%Y-%m-%d %H-%M-%S}.{extension}"


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``stem (2).ext`` and so on when a part of that second already exists."""
    if name not in taken:
        return name
    stem, _, extension = name.rpartition(".")
    number = 2
    while f"{stem} ({number}).{extension}" in taken:
        number += 1
    return f"{stem} ({number}).{extension}"


def part_start(part: PlannedPart, previous: tuple[datetime, float] | None, first_byte_at: datetime) -> datetime:
    """When a part's first frame was captured: its playlist date, else the end of the part before it (the
    parts are back to back), else when its first byte arrived."""
    if part.date is not None:
        return part.date
    if previous is not None:
        started, seconds = previous
        return started + timedelta(seconds=seconds)
    return first_byte_at


class PartPlan:
    """Segment marks in, parts out: ``boundary_after(offset)`` tells the reader where the next part begins."""

    def __init__(self, part_seconds: float) -> None:
        if part_seconds <= 0:
            raise ValueError("part_seconds must be positive")
        self.part_seconds = part_seconds
        self.parts: list[PlannedPart] = [PlannedPart(start_byte=0)]
        self._in_ad = False

    def add(self, mark: SegmentMark) -> None:
        part = self.parts[-1]
        if mark.ad:
            if not self._in_ad:
                part.notes.append(f"ad break at {clock(part.seconds)}")
            part.ad_seconds += mark.duration
            self._in_ad = True
            return
        if mark.lost:
            part.notes.append(f"{mark.duration:.1f} s lost at {clock(part.seconds)}: a segment could not be fetched")
            return
        if mark.discontinuity and not self._in_ad:  # after an ad, the jump back is the ad's, already noted
            part.notes.append(f"discontinuity at {clock(part.seconds)}: the stream's timestamps jump here")
        self._in_ad = False
        if part.date is None and part.seconds == 0 and mark.date is not None:
            part.date = mark.date
        part.seconds += mark.duration
        if part.seconds >= self.part_seconds:
            self.parts.append(PlannedPart(start_byte=mark.end_byte))

    def boundary_after(self, offset: int) -> int | None:
        """The first part start beyond byte ``offset``, if one is planned."""
        return next((part.start_byte for part in self.parts if part.start_byte > offset), None)

    def index_at(self, offset: int) -> int:
        """The part byte ``offset`` belongs to (the last one starting at or before it)."""
        return max(index for index, part in enumerate(self.parts) if part.start_byte <= offset)


def ad_note(part: PlannedPart) -> list[str]:
    """The part's notes, with the total of its ad breaks when it had any."""
    if not part.ad_seconds:
        return list(part.notes)
    return [*part.notes, f"{part.ad_seconds:.0f} s of ads filtered out (not in the recording)"]
