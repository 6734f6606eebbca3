"""Watch folders: finished recordings become clips, one stream per live session, each file version once.

The decisions (finished? which session?) are ``streams.watch_core``; this module scans, asks the OS who is
writing, probes, and hands each session's files to ``stream_ingest`` (which stores them and queues their
processing run). Every file version the watcher settles is recorded as a ``WatchedFile``: ingested, failed
(with the reason; tried again only once the file changes) or skipped (a remux of a recording already in).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction

from streams.models import VideoClip, WatchedFile
from streams.openfiles import open_for_writing
from streams.probe import ProbeError, probe_media
from streams.services import IngestError, recording_start, stream_ingest
from streams.watch_core import FileState, Placement, Recording, Session, Settler, group_sessions, is_remux_of

log = logging.getLogger(__name__)

# How far back a session that a new recording continues may have started (its first clip's start).
_LONGEST_RECORDING = timedelta(hours=24)


@dataclass
class ScanReport:
    """What one scan did, for logs and the command's output."""

    ingested: list[WatchedFile] = field(default_factory=list)
    failed: list[WatchedFile] = field(default_factory=list)
    skipped: list[WatchedFile] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # seen, not finished yet
    writers_known: bool = True


def watch_folder_problems(folders: Iterable[Path | str]) -> list[str]:
    """Why a folder cannot be watched (missing, not a folder, unreadable), one line each."""
    problems = []
    for folder in folders:
        path = Path(folder).expanduser()
        if not path.exists():
            problems.append(f"{path}: no such folder")
        elif not path.is_dir():
            problems.append(f"{path}: not a folder")
        else:
            try:
                next(path.iterdir(), None)
            except OSError as error:
                problems.append(f"{path}: cannot be read ({error.strerror or error})")
    return problems


def _media_files(folders: Iterable[Path]) -> dict[str, FileState]:
    """Media files directly in the folders (hidden ones, e.g. a browser's partial download, left out)."""
    extensions = {ext.lower() for ext in settings.INGEST_EXTENSIONS}
    found: dict[str, FileState] = {}
    for folder in folders:
        try:
            entries = list(folder.iterdir())
        except OSError as error:
            log.warning("cannot read watch folder %s: %s", folder, error)
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry.suffix.lower() not in extensions:
                continue
            try:
                stat = entry.stat()
            except OSError:  # removed between listing and stat
                continue
            if entry.is_file():
                found[str(entry.resolve())] = FileState(stat.st_size, stat.st_mtime_ns)
    return found


class FolderWatcher:
    """Scans folders for one owner; keep one instance across scans so stability is measured between them."""

    def __init__(
        self,
        *,
        owner,
        folders: Iterable[Path | str],
        settle: float | None = None,
        gap: float | None = None,
        process: bool = True,
    ):
        self.owner = owner
        self.folders = [Path(folder).expanduser().resolve() for folder in folders]
        self.settler = Settler(settle=settings.WATCH_SETTLE_SECONDS if settle is None else settle)
        self.gap = settings.WATCH_SESSION_GAP if gap is None else gap
        self.process = process

    def scan(self) -> ScanReport:
        """One pass: settle, probe, group and ingest what is finished."""
        report = ScanReport()
        seen = _media_files(self.folders)
        versions = WatchedFile.objects.filter(owner=self.owner, path__in=list(seen))
        known = {(path, size, mtime) for path, size, mtime in versions.values_list("path", "size_bytes", "mtime_ns")}
        fresh = {path: state for path, state in seen.items() if (path, state.size, state.mtime_ns) not in known}
        settled = self.settler.ready(fresh, now=time.monotonic(), wall_now=time.time())
        writing = open_for_writing(settled)
        report.writers_known = writing is not None
        ready = [path for path in settled if not writing or path not in writing]
        report.waiting = sorted(set(fresh) - set(ready))
        recordings: dict[str, tuple[Recording, FileState]] = {}
        for path in self._without_duplicates(ready, fresh, report):
            recording = self._probe(path, fresh[path], report)
            if recording is not None:
                recordings[path] = (recording, fresh[path])
        found = [r for r, _ in recordings.values()]
        placements = group_sessions(found, self._sessions(found), gap=self.gap)
        for placement in placements:
            self._ingest(placement, recordings, report)
        return report

    def _record(self, path: str, state: FileState, status: str, report: ScanReport, **fields) -> WatchedFile | None:
        try:
            with transaction.atomic():
                row = WatchedFile.objects.create(
                    owner=self.owner, path=path, size_bytes=state.size, mtime_ns=state.mtime_ns, status=status, **fields
                )
        except IntegrityError:  # another watcher recorded this version first
            return None
        bucket = {
            WatchedFile.Status.INGESTED: report.ingested,
            WatchedFile.Status.FAILED: report.failed,
            WatchedFile.Status.SKIPPED: report.skipped,
        }[status]
        bucket.append(row)
        if status == WatchedFile.Status.FAILED:
            log.warning("not ingested: %s: %s", path, fields.get("error", ""))
        elif status == WatchedFile.Status.SKIPPED:
            log.info("skipped: %s: %s", path, fields.get("error", ""))
        return row

    def _without_duplicates(self, ready: list[str], fresh: dict[str, FileState], report: ScanReport) -> list[str]:
        """Leave out a changed file that was already ingested and a remux of a recording already in (or coming in)."""
        if not ready:
            return []
        ingested = dict(
            WatchedFile.objects.filter(owner=self.owner, status=WatchedFile.Status.INGESTED).values_list(
                "path", "stream_id"
            )
        )
        keep: list[str] = []
        # An MP4 (a remux, seekable) goes in before its MKV twin when both are ready at once.
        for path in sorted(ready, key=lambda p: (Path(p).suffix.lower() != ".mp4", p)):
            folder, name = str(Path(path).parent), Path(path).name
            siblings = [Path(p).name for p in [*ingested, *keep] if str(Path(p).parent) == folder]
            twin = is_remux_of(name, siblings)
            if path in ingested:
                reason = f"changed after it was ingested into stream #{ingested[path]}; not ingested again"
            elif twin:
                reason = f"the same recording as {twin} (a remux), which is ingested"
            else:
                keep.append(path)
                continue
            self._record(path, fresh[path], WatchedFile.Status.SKIPPED, report, error=reason)
        return sorted(keep)

    def _probe(self, path: str, state: FileState, report: ScanReport) -> Recording | None:
        try:
            info = probe_media(path)
        except ProbeError as error:
            self._record(path, state, WatchedFile.Status.FAILED, report, error=error.problem)
            return None
        except OSError as error:
            self._record(path, state, WatchedFile.Status.FAILED, report, error=f"cannot be read ({error})")
            return None
        return Recording(key=path, start=recording_start(Path(path), info), duration=info.duration)

    def _sessions(self, recordings: list[Recording]) -> list[Session]:
        """The wall-clock spans of the streams this owner's watch folders fed, near the new recordings."""
        if not recordings:
            return []
        low = min(r.start for r in recordings) - timedelta(seconds=self.gap) - _LONGEST_RECORDING
        high = max(r.end for r in recordings) + timedelta(seconds=self.gap)
        fed = WatchedFile.objects.filter(owner=self.owner, status=WatchedFile.Status.INGESTED).values("stream_id")
        clips = VideoClip.objects.filter(stream__owner=self.owner, stream_id__in=fed, recorded_at__range=(low, high))
        spans: dict[int, tuple] = {}
        for stream_id, start, duration in clips.values_list("stream_id", "recorded_at", "duration"):
            end = Recording("", start, duration).end
            old = spans.get(stream_id, (start, end))
            spans[stream_id] = (min(old[0], start), max(old[1], end))
        return [Session(stream_id, start, end) for stream_id, (start, end) in sorted(spans.items())]

    def _claim(self, paths: list[str], recordings: dict) -> list[str]:
        """Record each version before ingesting it: a second watcher on the same folder waits, then finds it taken."""
        claimed = []
        for path in paths:
            state = recordings[path][1]
            try:
                with transaction.atomic():
                    WatchedFile.objects.create(
                        owner=self.owner,
                        path=path,
                        size_bytes=state.size,
                        mtime_ns=state.mtime_ns,
                        status=WatchedFile.Status.INGESTED,
                    )
            except IntegrityError:
                continue
            claimed.append(path)
        return claimed

    def _ingest(self, placement: Placement, recordings: dict, report: ScanReport) -> None:
        try:
            with transaction.atomic():
                paths = self._claim(list(placement.keys), recordings)
                if not paths:
                    return
                result = stream_ingest(
                    owner=self.owner, paths=paths, stream_id=placement.session_id, process=self.process
                )
                self._settle_rows(paths, recordings, result, report)
        except IngestError as error:
            for path in placement.keys:
                reason = "; ".join(p.split(": ", 1)[-1] for p in error.problems)
                self._record(path, recordings[path][1], WatchedFile.Status.FAILED, report, error=reason)

    def _settle_rows(self, paths: list[str], recordings: dict, result, report: ScanReport) -> None:
        by_path = {clip.original_path: clip for clip in result.added}
        problems = {}
        for problem in result.problems:
            where, _, reason = problem.partition(": ")
            problems[Path(where).name] = reason
        for path in paths:
            state = recordings[path][1]
            row = WatchedFile.objects.get(owner=self.owner, path=path, size_bytes=state.size, mtime_ns=state.mtime_ns)
            clip = by_path.get(path)
            row.stream = result.stream
            if clip is not None:
                row.clip, row.recorded_at, row.duration = clip, clip.recorded_at, clip.duration
                report.ingested.append(row)
                log.info("ingested %s into stream #%s (%s)", path, result.stream.id, result.stream.title)
            elif Path(path).name in problems:
                row.status, row.error = WatchedFile.Status.FAILED, problems[Path(path).name]
                report.failed.append(row)
                log.warning("not ingested: %s: %s", path, row.error)
            else:
                row.status, row.error = WatchedFile.Status.SKIPPED, "already in the stream"
                report.skipped.append(row)
            row.save()
