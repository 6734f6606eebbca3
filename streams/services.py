"""Ingest: recordings on disk become a Stream of probed VideoClips on one timeline."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from pipeline.ffmpeg import FFmpegError
from pipeline.media import save_output
from pipeline.models import PipelineRun, RunStatus, StepStatus
from pipeline.services import run_create, run_finish, run_set_status, step_finish
from pipeline.workflows import start_stream_processing
from streams.chunks import ChunkError, concatenate_chunks
from streams.filenames import stored_file_name
from streams.models import Series, Stream, VideoClip
from streams.probe import MediaInfo, ProbeError, probe_media
from streams.recording_time import recording_time_from_name

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int, str], None]


class IngestError(ValueError):
    """Nothing could be ingested; ``problems`` names each file and what is wrong with it."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("nothing was ingested:\n" + "\n".join(f"  {p}" for p in problems))


@dataclass
class IngestReport:
    stream: Stream
    run: PipelineRun
    process_run: PipelineRun | None = None
    added: list[VideoClip] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        """Some recordings went in and some failed: callers say "partly ingested" and exit or answer so."""
        return bool(self.problems)

    @property
    def failed(self) -> list[dict[str, str]]:
        """Each file that was not ingested, with the reason: ``[{"file", "reason"}]``."""
        return [dict(zip(("file", "reason"), problem.split(": ", 1), strict=False)) for problem in self.problems]


@dataclass(frozen=True)
class _Probed:
    path: Path
    info: MediaInfo
    recorded_at: datetime


def collect_media_files(
    paths: Iterable[Path | str], allowed_dirs: Sequence[Path | str] | None = None
) -> tuple[list[Path], list[str]]:
    """Files to ingest from files and folders, plus a problem line for each path that gave none.

    With ``allowed_dirs``, every file is resolved (links followed) and refused unless it lands inside
    one of them: a link in an allowed folder must not reach the rest of the server.
    """
    extensions = {ext.lower() for ext in settings.INGEST_EXTENSIONS}
    roots = None if allowed_dirs is None else [Path(root).expanduser().resolve() for root in allowed_dirs]
    files: list[Path] = []
    problems: list[str] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            problems.append(f"{path}: no such file or directory")
        elif path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in extensions)
            if not found:
                problems.append(f"{path}: no media files in this folder (looked for {', '.join(sorted(extensions))})")
            files.extend(found)
        else:
            files.append(path)
    unique: dict[Path, None] = {}
    for path in files:
        real = path.resolve()
        if roots is not None and not any(real.is_relative_to(root) for root in roots):
            problems.append(f"{path}: not allowed: it leads outside the allowed folders (INGEST_ALLOWED_DIRS)")
        else:
            unique[real] = None
    return list(unique), problems


def recording_start(path: Path, info: MediaInfo) -> datetime:
    """From the file name (recorders put it there), else the container's tag, else the file's mtime less its
    duration (a recorder writes last at the end of the recording)."""
    from_name = recording_time_from_name(path.name)
    if from_name is not None:
        return timezone.make_aware(from_name) if timezone.is_naive(from_name) else from_name
    if info.creation_time is not None:
        return info.creation_time if info.creation_time.tzinfo else info.creation_time.replace(tzinfo=UTC)
    return datetime.fromtimestamp(path.stat().st_mtime - info.duration, tz=UTC)


def _probe_all(files: list[Path], progress: ProgressCallback | None) -> tuple[list[_Probed], list[str]]:
    probed, problems = [], []
    for done, path in enumerate(files, start=1):
        try:
            info = probe_media(path)
            probed.append(_Probed(path, info, recording_start(path, info)))
        except ProbeError as error:
            problems.append(str(error))
        except OSError as error:
            problems.append(f"{path.name}: cannot be read ({error.strerror or error})")
        if progress:
            progress(done, len(files), path.name)
    return probed, problems


def stored_key(stream: Stream, name: str) -> str:
    """A free storage key for a recording of ``stream``: free in storage and not reserved by one of its clips
    (an S3 source's clip holds its key before the io queue has fetched the file into it)."""
    reserved = set(stream.clips.values_list("file", flat=True))
    key = default_storage.get_available_name(f"streams/{stream.id}/{stored_file_name(name)}")
    number = 1
    while key in reserved:
        number += 1
        key = default_storage.get_available_name(f"streams/{stream.id}/{number}-{stored_file_name(name)}")
    return key


def stream_relayout(stream: Stream) -> None:
    """Order a stream's clips by recording time and lay them back to back on its timeline."""
    clips = list(stream.clips.order_by("recorded_at", "original_name", "id"))
    start = 0.0
    for order, clip in enumerate(clips):
        VideoClip.objects.filter(id=clip.id).update(order=order, start_time=round(start, 3))
        start += clip.duration
    stream.duration = round(start, 3)
    stream.recorded_at = clips[0].recorded_at if clips else None
    stream.save(update_fields=["duration", "recorded_at", "updated_at"])


def stream_ingest(
    *,
    owner,
    paths: Iterable[Path | str],
    title: str | None = None,
    series_name: str | None = None,
    progress: ProgressCallback | None = None,
    process: bool = True,
    allowed_dirs: Sequence[Path | str] | None = None,
    stream_id: int | None = None,
) -> IngestReport:
    """Probe every recording, store the good ones as clips of one stream, and record an ingest run.

    Bad files are reported and left out; good files in the same call still go in. With ``title``
    naming an existing stream of the owner, the recordings are added to it (files already in it
    are skipped); concurrent ingests into one stream wait for each other. With ``process``, the new
    clips' analysis and transcription run is queued once the ingest commits. With ``allowed_dirs``,
    files that resolve outside them are refused. With ``stream_id`` (one of the owner's streams), the
    recordings are added to that stream whatever its title (the watch folder continues a session).
    Raises ``IngestError`` when no file at all could be ingested.
    """
    files, problems = collect_media_files(paths, allowed_dirs)
    probed, probe_problems = _probe_all(files, progress)
    problems += probe_problems
    if not probed:
        raise IngestError(problems or ["no recordings given"])
    probed.sort(key=lambda item: (item.recorded_at, item.path.name))

    stored_keys: list[str] = []
    try:
        with transaction.atomic():
            stream, skipped, added = _store(owner, title, series_name, probed, stored_keys, stream_id=stream_id)
            run = _record_run(owner, stream, added, problems)
            process_run = None
            if process and added:
                process_run = start_stream_processing(stream.id, owner, clip_ids=[clip.id for clip in added])
    except BaseException:
        for key in stored_keys:  # the rows are gone with the rollback: take their files too
            default_storage.delete(key)
        raise
    log.info("ingested %d clip(s) into stream %s (%d problem(s))", len(added), stream.id, len(problems))
    return IngestReport(
        stream=stream,
        run=run,
        process_run=process_run,
        added=added,
        skipped=skipped,
        problems=problems,
        notes=_same_name_notes(added),
    )


def _same_name_notes(added: list[VideoClip]) -> list[str]:
    """Recordings that share a name (or clean to one) are all kept, each under its own storage name: say so."""
    counts = Counter(stored_file_name(clip.original_name) for clip in added)
    return [
        f"{count} recordings named {name}: all kept, as clips "
        + ", ".join(f"#{clip.order}" for clip in added if stored_file_name(clip.original_name) == name)
        for name, count in counts.items()
        if count > 1
    ]


def _lock_stream_title(owner, title: str) -> None:
    """Serialise ingests into one owner's titled stream for the rest of the transaction.

    A row lock cannot cover a stream that does not exist yet: two ingests naming a new title would
    each create one. A transaction-scoped advisory lock on the (owner, title) pair covers both cases.
    """
    digest = hashlib.blake2b(f"stream-ingest:{owner.pk}:{title}".encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)])


def _store(owner, title, series_name, probed: list[_Probed], stored_keys: list[str], *, stream_id=None):
    series = None
    if series_name:
        series, _ = Series.objects.get_or_create(owner=owner, name=series_name)
    default_title = f"Stream {timezone.localtime(probed[0].recorded_at):%Y-%m-%d %H:%M}"
    stream = None
    if stream_id is not None:
        stream = Stream.objects.select_for_update().get(id=stream_id, owner=owner)
    elif title:
        _lock_stream_title(owner, title)
        # Locked until commit: orders, start times and storage names are assigned by one ingest at a time.
        stream = Stream.objects.select_for_update().filter(owner=owner, title=title).first()
    if stream is None:
        stream = Stream.objects.create(owner=owner, title=title or default_title, series=series)
    elif series and stream.series_id is None:
        stream.series = series
        stream.save(update_fields=["series"])

    known = set(stream.clips.values_list("original_path", "size_bytes"))
    skipped, added = [], []
    for item in probed:
        if (str(item.path), item.info.size_bytes) in known:
            skipped.append(f"{item.path.name}: already in this stream")
            continue
        key = stored_key(stream, item.path.name)
        save_output(item.path, key)
        stored_keys.append(key)
        info = item.info
        added.append(
            VideoClip.objects.create(
                stream=stream,
                order=stream.clips.count(),  # provisional: stream_relayout sets the real order
                file=key,
                original_name=item.path.name,
                original_path=str(item.path),
                size_bytes=info.size_bytes,
                recorded_at=item.recorded_at,
                **probed_clip_fields(info),
            )
        )
    stream_relayout(stream)
    for clip in added:
        clip.refresh_from_db()
    return stream, skipped, added


def probed_clip_fields(info: MediaInfo) -> dict:
    """A clip's columns that come from probing its recording."""
    return {
        "duration": info.duration,
        "format_name": info.format_name,
        "bit_rate": info.bit_rate,
        "video_codec": info.video_codec,
        "width": info.width,
        "height": info.height,
        "frame_rate": info.frame_rate,
        "audio_tracks": info.audio_tracks_json(),
        "media_streams": list(info.streams),
    }


def _record_run(owner, stream: Stream, added: list[VideoClip], problems: list[str]) -> PipelineRun:
    steps = [{"name": "ingest", "clip": clip, "label": clip.original_name} for clip in added]
    steps += [{"name": "ingest", "label": problem.split(": ", 1)[0]} for problem in problems]
    run = run_create(owner=owner, kind=PipelineRun.Kind.INGEST, stream=stream, steps=steps)
    run_set_status(run.id, RunStatus.INGESTING)
    step_ids = list(run.steps.order_by("position").values_list("id", flat=True))
    for step_id in step_ids[: len(added)]:
        step_finish(step_id)
    for step_id, problem in zip(step_ids[len(added) :], problems, strict=True):
        step_finish(step_id, status=StepStatus.FAILED, error=problem.split(": ", 1)[-1])
    return run_finish(run.id)


def stream_ingest_chunks(
    *,
    owner,
    chunks: Iterable[Path | str],
    title: str | None = None,
    series_name: str | None = None,
    progress: ProgressCallback | None = None,
    process: bool = True,
) -> tuple[IngestReport, list[int]]:
    """A browser recording uploaded as numbered WebM chunks: joined into one MP4, then ingested.

    Missing, duplicate or unnumbered chunks raise ``IngestError`` naming them (nothing is stored);
    chunks that merely arrived out of order are sorted and their numbers returned; a jump in chunks'
    carried-on timestamps is kept and named in the report's notes.
    """
    chunk_paths = [Path(chunk) for chunk in chunks]
    if not chunk_paths:
        raise IngestError(["no chunks given"])
    name = chunk_paths[0].parent.name or "recording"
    with tempfile.TemporaryDirectory(prefix="studio-chunks-") as tmp:
        joined = Path(tmp) / stored_file_name(f"{name}.mp4")
        try:
            order = concatenate_chunks(chunk_paths, joined)
        except ChunkError as error:
            raise IngestError(error.problems) from None
        except FFmpegError as error:
            raise IngestError([f"{name}: the chunks cannot be joined: {error}"]) from None
        report = stream_ingest(
            owner=owner, paths=[joined], title=title, series_name=series_name, progress=progress, process=process
        )
    report.notes += [
        f"chunk {number}: {missing:.3f} s of the recording missing before it (kept as a held frame, so later "
        "chunks stay on time)"
        for number, missing in order.gaps
    ]
    return report, list(order.out_of_order)
