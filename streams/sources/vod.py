"""Ingest a VOD URL (Twitch, YouTube, Kick, anything yt-dlp knows) as a clip of a stream.

The download is a pipeline run of its own (steps ``download`` then ``ingest``) so the admin, the API and
the command's bar show it; the stored clip then goes through the ordinary ``stream_ingest``. A URL already
ingested by its owner (same extractor and video id) is skipped; a failed download leaves no stream.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from pipeline.ffmpeg import ffmpeg_binary
from pipeline.models import PipelineRun, RunStatus, StepRun, StepStatus
from pipeline.progress import ProgressThrottle
from pipeline.services import run_create, run_finish, run_set_status, step_finish, step_progress
from streams.models import Stream, VideoClip
from streams.probe import ProbeError, probe_media
from streams.services import IngestError, IngestReport, stream_ingest
from streams.sources import is_url
from streams.sources.vodcore import duration_problem
from streams.sources.ytdlp import VodError, VodInfo, vod_download, vod_info

log = logging.getLogger(__name__)

DOWNLOAD, INGEST = "download", "ingest"


def vod_run_create(*, owner, url: str) -> PipelineRun:
    """A queued ingest run for one URL: download (most of the time), then ingest."""
    return run_create(
        owner=owner,
        kind=PipelineRun.Kind.INGEST,
        steps=[{"name": DOWNLOAD, "label": url[:500], "weight": 9.0}, {"name": INGEST, "label": url[:500]}],
    )


def _steps(run: PipelineRun) -> dict[str, int]:
    return dict(run.steps.values_list("name", "id"))


def _fail(run: PipelineRun, url: str, message: str) -> IngestError:
    """Close the run on ``message`` (later steps cancelled) and give the error the caller raises."""
    steps = _steps(run)
    failed_at = DOWNLOAD if run.steps.filter(name=DOWNLOAD, status=StepStatus.RUNNING).exists() else INGEST
    step_finish(steps[failed_at], status=StepStatus.FAILED, error=message)
    if failed_at == DOWNLOAD:
        step_finish(steps[INGEST], status=StepStatus.CANCELLED)
    run_finish(run.id)
    return IngestError([f"{url}: {message}"])


def _download_folder(owner, info: VodInfo) -> Path:
    """One folder per owner and video: a second try finds the first one's partial download there."""
    digest = hashlib.sha1(info.key.encode()).hexdigest()[:16]
    return Path(settings.INGEST_DOWNLOAD_DIR) / f"{owner.pk}-{digest}"


def _known_clip(owner, info: VodInfo, url: str) -> VideoClip | None:
    return (
        VideoClip.objects.filter(stream__owner=owner, original_path__in={info.url, url})
        .select_related("stream")
        .order_by("id")
        .first()
    )


def _lock_video(owner, info: VodInfo) -> None:
    """Two ingests of one video by one owner store it once: they take turns from the check to the commit."""
    digest = hashlib.blake2b(f"vod-ingest:{owner.pk}:{info.key}".encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)])


def stream_ingest_url(
    *,
    owner,
    url: str,
    title: str | None = None,
    series_name: str | None = None,
    progress: Callable[[float], None] | None = None,
    process: bool = True,
    run: PipelineRun | None = None,
) -> IngestReport:
    """Download the VOD at ``url``, check its length against the metadata, and ingest it.

    ``title`` names the stream (an existing one of the owner gets the clip added); without it the VOD
    becomes a stream of its own named after the video. Raises ``IngestError`` naming the URL and what is
    wrong (unsupported, private, not found, disk full, short download); nothing is stored then. A dropped
    connection that outlasts the retries keeps the partial download, so the same call later resumes it.
    """
    url = url.strip()
    run = run or vod_run_create(owner=owner, url=url)
    try:
        return _ingest_url(owner, url, title, series_name, progress, process, run)
    except IngestError:
        raise
    except Exception as error:
        # A bug or a lost database must not leave the run "ingesting" until the stale-run sweep.
        _fail(run, url, f"unexpected error: {error!r}")
        raise


def _ingest_url(owner, url: str, title, series_name, progress, process: bool, run: PipelineRun) -> IngestReport:
    steps = _steps(run)
    run_set_status(run.id, RunStatus.INGESTING)
    StepRun.objects.filter(id=steps[DOWNLOAD]).update(status=StepStatus.RUNNING, started_at=timezone.now())
    if not is_url(url):
        raise _fail(run, url, "not an http(s) URL of a video")
    options = {
        "ffmpeg": ffmpeg_binary(),
        "retries": settings.VOD_DOWNLOAD_RETRIES,
        "socket_timeout": settings.VOD_SOCKET_TIMEOUT,
    }
    try:
        info = vod_info(url, **options)
    except VodError as error:
        raise _fail(run, url, str(error)) from None

    known = _known_clip(owner, info, url)
    if known is not None:
        return _already_ingested(run, known, url)

    folder = _download_folder(owner, info)
    throttle = ProgressThrottle(lambda percent: step_progress(steps[DOWNLOAD], percent))

    def on_progress(percent: float) -> None:
        throttle(percent)
        if progress is not None:
            progress(percent)

    with _downloading(folder) as free:
        if not free:
            raise _fail(run, url, "this video is being downloaded by another ingest right now: wait for it to finish")
        try:
            path = vod_download(info, folder, progress=on_progress, timezone=timezone.get_current_timezone(), **options)
        except VodError as error:
            if not error.transient:
                shutil.rmtree(folder, ignore_errors=True)
            raise _fail(run, url, str(error)) from None
        step_finish(steps[DOWNLOAD])
        StepRun.objects.filter(id=steps[INGEST]).update(status=StepStatus.RUNNING, started_at=timezone.now())
        try:
            report = _ingest_download(owner, info, url, path, title, series_name, process, run)
        except IngestError as error:
            raise _fail(run, url, "; ".join(error.problems)) from None
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    report.notes += _import_chat(report, info)
    return report


@contextmanager
def _downloading(folder: Path) -> Iterator[bool]:
    """Whether this process holds the video's download folder: two yt-dlps on one partial file would
    corrupt it. An advisory lock on a file beside the folder; the system frees it if the process dies."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    lock = folder.with_name(folder.name + ".lock")
    with open(lock, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            lock.unlink(missing_ok=True)  # still held: a waiting ingest fails rather than locking the old file
            fcntl.flock(handle, fcntl.LOCK_UN)


def _ingest_download(owner, info: VodInfo, url: str, path: Path, title, series_name, process, run) -> IngestReport:
    try:
        duration = probe_media(path).duration
    except ProbeError as error:
        raise IngestError([str(error)]) from None
    problem = duration_problem(
        info.duration,
        duration,
        tolerance=settings.VOD_DURATION_TOLERANCE,
        share=settings.VOD_DURATION_TOLERANCE_SHARE,
    )
    if problem:
        raise IngestError([problem])
    with transaction.atomic():
        _lock_video(owner, info)
        known = _known_clip(owner, info, url)
        if known is not None:  # another ingest of the same video finished while this one downloaded
            return _already_ingested(run, known, url)
        report = stream_ingest(owner=owner, paths=[path], title=title, series_name=series_name, process=process)
        VideoClip.objects.filter(id__in=[clip.id for clip in report.added]).update(original_path=info.url)
        stream = report.stream
        if not title and stream.clips.count() == len(report.added):
            Stream.objects.filter(id=stream.id).update(title=info.title[:200])
            stream.refresh_from_db()
        PipelineRun.objects.filter(id=run.id).update(stream=stream)
        step_finish(_steps(run)[INGEST])
        run_finish(run.id)
    log.info("ingested %s (%s) into stream %s", url, info.key, stream.id)
    return IngestReport(
        stream=stream,
        run=PipelineRun.objects.get(id=run.id),
        process_run=report.process_run,
        added=[VideoClip.objects.get(id=clip.id) for clip in report.added],
        skipped=report.skipped,
        problems=report.problems,
        notes=report.notes,
    )


def _already_ingested(run: PipelineRun, clip: VideoClip, url: str) -> IngestReport:
    steps = _steps(run)
    for step_id in steps.values():
        step_finish(step_id, status=StepStatus.SKIPPED)
    PipelineRun.objects.filter(id=run.id).update(stream=clip.stream)
    run = run_finish(run.id)
    return IngestReport(
        stream=clip.stream,
        run=run,
        skipped=[f"{url}: already ingested (clip #{clip.order} of stream #{clip.stream_id} {clip.stream.title!r})"],
    )


def _import_chat(report: IngestReport, info: VodInfo) -> list[str]:
    """Twitch VOD chat, where yt-dlp offers it ("rechat" JSON), onto the clip's place on the timeline."""
    if not report.added:
        return []
    if not info.chat_url:
        if not info.extractor.startswith("twitch"):
            return []
        return [
            "chat: yt-dlp offers no chat for Twitch VODs; import a TwitchDownloaderCLI export with "
            f"`manage.py import_chat {report.stream.id} FILE`"
        ]
    from chat.services import ChatError, chat_import
    from chat.twitchdownloader import ChatLogError, parse_chat_log

    clip = report.added[0]
    try:
        response = requests.get(info.chat_url, timeout=settings.VOD_SOCKET_TIMEOUT)
        response.raise_for_status()
        result = chat_import(stream=report.stream, log=parse_chat_log(response.json()), vod_start=-clip.start_time)
    except (requests.RequestException, ValueError, ChatLogError, ChatError) as error:
        reason = str(error) if not isinstance(error, json.JSONDecodeError) else "not JSON"
        return [f"chat not imported: {reason} (import a TwitchDownloaderCLI export with `manage.py import_chat`)"]
    return [f"chat: {result.created} message(s) imported, {result.already_stored} already stored"]
