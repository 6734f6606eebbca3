"""Watch-folder decisions as plain functions: which files are finished, and which session each belongs to. No Django.

A recorder writes a file for minutes or hours; ingesting it half-written would store a truncated clip. A file
is *ready* when its (size, mtime) has not changed for ``settle`` seconds (on first sight, counted from its
mtime: a file that was already finished when the watcher started need not wait; once seen changing, counted
from the scan that saw the change, whatever the mtime says) and no process has it open for writing. Files
of one live session (OBS splits long recordings, and a streamer restarts the recorder after a crash) share
a stream: consecutive recordings whose wall-clock gap is at most ``gap`` seconds are one session, and a
recording that continues a session ingested earlier joins that session's stream.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class FileState:
    """What one scan saw of a file."""

    size: int
    mtime_ns: int


@dataclass
class Settler:
    """Remembers, per path, since when (monotonic seconds) it has looked the way it looks now."""

    settle: float
    _since: dict[str, tuple[FileState, float]] = field(default_factory=dict)

    def ready(
        self,
        scan: Mapping[str, FileState],
        *,
        now: float,
        wall_now: float,
        writing: set[str] | None = None,
    ) -> list[str]:
        """The paths of ``scan`` that are finished, in name order; forgets paths no longer there.

        ``now`` is monotonic (for the time between scans), ``wall_now`` the wall clock (to compare with
        mtimes). ``writing``: paths some process holds open for writing (None: not known on this system).
        """
        for gone in set(self._since) - set(scan):
            del self._since[gone]
        ready = []
        for path, state in sorted(scan.items()):
            seen = self._since.get(path)
            if seen is None:  # first sight: it has looked like this at least since its mtime
                seen = (state, now - max(0.0, wall_now - state.mtime_ns / 1e9))
            elif seen[0] != state:  # it changed since the last scan, whatever its mtime says
                seen = (state, now)
            self._since[path] = seen
            if now - seen[1] < self.settle:
                continue
            if writing is not None and path in writing:
                continue
            ready.append(path)
        return ready


@dataclass(frozen=True)
class Recording:
    """A finished file placed on the wall clock: when it started and how long it lasts."""

    key: str
    start: datetime
    duration: float

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.duration)


@dataclass(frozen=True)
class Session:
    """An existing stream's span on the wall clock (its first recording's start, its last one's end)."""

    id: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Placement:
    """Recordings that go into one stream: an existing session's (``session_id``) or a new one (None)."""

    session_id: int | None
    keys: tuple[str, ...]


def _gap(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> float:
    """Seconds between two spans on the wall clock (0 when they touch or overlap)."""
    return max(0.0, (b_start - a_end).total_seconds(), (a_start - b_end).total_seconds())


def group_sessions(recordings: Iterable[Recording], sessions: Iterable[Session], *, gap: float) -> list[Placement]:
    """Split recordings into sessions where the gap between one's end and the next one's start exceeds ``gap``,
    and give each group the existing session it continues (the nearest within ``gap``), if any."""
    ordered = sorted(recordings, key=lambda r: (r.start, r.key))
    groups: list[list[Recording]] = []
    for recording in ordered:
        if groups and (recording.start - max(r.end for r in groups[-1])).total_seconds() <= gap:
            groups[-1].append(recording)
        else:
            groups.append([recording])
    known = list(sessions)
    placements = []
    for group in groups:
        start, end = group[0].start, max(r.end for r in group)
        near = [(_gap(s.start, s.end, start, end), s.id) for s in known]
        near = [(distance, session_id) for distance, session_id in near if distance <= gap]
        placements.append(Placement(min(near)[1] if near else None, tuple(r.key for r in group)))
    return placements


def is_remux_of(name: str, others: Iterable[str]) -> str | None:
    """The other file this one duplicates: OBS's "remux to MP4" writes ``X.mp4`` next to the recorded ``X.mkv``."""
    stem = name.rpartition(".")[0] or name
    for other in others:
        if other != name and (other.rpartition(".")[0] or other) == stem:
            return other
    return None
