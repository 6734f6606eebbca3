"""Ingest from an S3-compatible prefix: probe over signed URLs now, fetch the bytes on the ``io`` queue later.

Ingest lists the prefix (every page), keeps media by extension, skips objects already ingested by this
owner (same bucket, key and ETag), and probes each over a presigned GET, reading only the header and a few
ranges (a file ffmpeg cannot read over HTTP is downloaded and probed locally). Probed objects become clips
of one stream with their storage key reserved, and an ingest run with one ``fetch`` step per clip; the
``fetch_remote_clips`` task downloads them into storage, then queues their processing run. A clip whose
fetch fails is removed (its step keeps the reason), and a stream left with no clip is removed too: no clip
without its file stays behind.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pipeline.media import save_output
from pipeline.models import PipelineRun, RunStatus, StepRun, StepStatus
from pipeline.services import run_create, run_finish, run_set_status, step_claim, step_finish, step_progress
from pipeline.workflows import start_stream_processing
from streams.filenames import stored_file_name
from streams.models import Series, Stream, VideoClip
from streams.probe import MediaInfo, ProbeError, RemoteProbeError, probe_media, probe_remote
from streams.recording_time import recording_time_from_name
from streams.s3_source import (
    S3Object,
    S3SourceError,
    download,
    list_objects,
    make_client,
    parse_s3_url,
    presigned_get,
    read_head,
    split_media,
)
from streams.services import (
    IngestError,
    IngestReport,
    ProgressCallback,
    _lock_stream_title,
    probed_clip_fields,
    stored_key,
    stream_relayout,
)
from streams.tasks import fetch_remote_clips

log = logging.getLogger(__name__)

FETCH = "fetch"


def s3_client():
    """The client for S3 sources, from the S3_* settings."""
    return make_client(
        endpoint_url=settings.S3_ENDPOINT_URL,
        region=settings.S3_REGION_NAME,
        access_key=settings.S3_ACCESS_KEY_ID,
        secret_key=settings.S3_SECRET_ACCESS_KEY,
        style=settings.S3_ADDRESSING_STYLE,
    )


def s3_bucket_allowed(user, url: str) -> bool:
    """Superusers may read any bucket the server's credentials reach; others only S3_INGEST_ALLOWED_BUCKETS."""
    if user.is_superuser:
        return True
    try:
        return parse_s3_url(url).bucket in settings.S3_INGEST_ALLOWED_BUCKETS
    except S3SourceError:
        return True  # not a bucket at all: the ingest names what is wrong with the URL


def _probe(client, item: S3Object) -> MediaInfo:
    url = presigned_get(client, item, expires=settings.S3_PRESIGNED_SECONDS)
    try:
        return probe_remote(url, name=item.name, size=item.size, head=lambda: read_head(client, item))
    except RemoteProbeError:
        log.info("%s: cannot be probed over HTTP; downloading it to probe", item.url)
    with tempfile.TemporaryDirectory(prefix="studio-s3-probe-") as tmp:
        local = Path(tmp) / stored_file_name(item.name)
        download(client, item, local)
        return probe_media(local)


def _recorded_at(item: S3Object, info: MediaInfo):
    from_name = recording_time_from_name(item.name)
    if from_name is not None:
        return timezone.make_aware(from_name)
    if info.creation_time is not None:
        return info.creation_time if info.creation_time.tzinfo else timezone.make_aware(info.creation_time)
    return item.last_modified or timezone.now()


def stream_ingest_s3(
    *,
    owner,
    url: str,
    title: str | None = None,
    series_name: str | None = None,
    progress: ProgressCallback | None = None,
    process: bool = True,
    client=None,
) -> IngestReport:
    """Probe the media under ``s3://bucket/prefix`` and add them as clips of one stream; queue their fetch.

    Raises ``IngestError`` (nothing stored) for a bad URL, a missing or forbidden bucket, an empty prefix,
    or when no object could be ingested; objects already ingested are ``skipped``, bad ones ``problems``.
    """
    try:
        location = parse_s3_url(url)
        client = client or s3_client()
        listed = list_objects(client, location)
    except S3SourceError as error:
        raise IngestError([str(error)]) from None
    media, other = split_media(listed, settings.INGEST_EXTENSIONS)
    if not media:
        found = f"{len(listed)} object(s), none" if listed else "nothing"
        raise IngestError(
            [f"{location}: {found} with a media extension ({', '.join(sorted(settings.INGEST_EXTENSIONS))})"]
        )
    skipped = [f"{item.url}: not a media file type ({Path(item.key).suffix or 'no extension'})" for item in other]
    known = {
        (source, etag): stream_id
        for source, etag, stream_id in VideoClip.objects.filter(
            stream__owner=owner, source_url__in=[item.url for item in media]
        ).values_list("source_url", "source_etag", "stream_id")
    }
    fresh = []
    for item in media:
        if (item.url, item.etag) in known:
            skipped.append(f"{item.url}: already ingested (stream #{known[item.url, item.etag]})")
        else:
            fresh.append(item)
    # A prefix ingested before (a re-sync): new objects join the stream its objects went into.
    latest = Stream.objects.filter(id__in=known.values()).order_by("-id").first() if known else None
    into = None if title else latest
    if not fresh:
        return _nothing_new(owner, latest, skipped)
    probed, problems = _probe_each(client, fresh, progress)
    if not probed:
        raise IngestError(problems)
    probed.sort(key=lambda entry: (entry[2], entry[0].key))
    with transaction.atomic():
        stream, added = _store(owner, title, series_name, probed, into=into)
        run = _record_run(owner, stream, added, problems)
    transaction.on_commit(lambda: _enqueue_fetch(run.id, process))
    log.info("queued the fetch of %d object(s) from %s into stream %s", len(added), location, stream.id)
    return IngestReport(stream=stream, run=run, added=added, skipped=skipped, problems=problems)


def _probe_each(client, items: list[S3Object], progress: ProgressCallback | None) -> tuple[list, list[str]]:
    probed, problems = [], []
    for done, item in enumerate(items, start=1):
        try:
            info = _probe(client, item)
            probed.append((item, info, _recorded_at(item, info)))
        except ProbeError as error:
            problems.append(f"{item.url}: {error.problem}")
        except S3SourceError as error:
            problems.append(str(error))
        if progress:
            progress(done, len(items), item.name)
    return probed, problems


def _nothing_new(owner, stream: Stream, skipped: list[str]) -> IngestReport:
    """Every media object is in already: a completed run that says so, and nothing else changes."""
    steps = [{"name": "ingest", "label": line.split(": ", 1)[0]} for line in skipped]
    run = run_create(owner=owner, kind=PipelineRun.Kind.INGEST, stream=stream, steps=steps)
    for step_id, line in zip(run.steps.order_by("position").values_list("id", flat=True), skipped, strict=True):
        step_finish(step_id, status=StepStatus.SKIPPED, error=line.split(": ", 1)[-1])
    return IngestReport(stream=stream, run=run_finish(run.id), skipped=skipped)


def _enqueue_fetch(run_id: int, process: bool) -> None:
    fetch_remote_clips.delay(run_id, process)


def _store(owner, title, series_name, probed, *, into: Stream | None) -> tuple[Stream, list[VideoClip]]:
    series = Series.objects.get_or_create(owner=owner, name=series_name)[0] if series_name else None
    stream = None
    if into is not None:
        stream = Stream.objects.select_for_update().get(id=into.id)
    elif title:
        _lock_stream_title(owner, title)
        stream = Stream.objects.select_for_update().filter(owner=owner, title=title).first()
    if stream is None:
        default_title = f"Stream {timezone.localtime(probed[0][2]):%Y-%m-%d %H:%M}"
        stream = Stream.objects.create(owner=owner, title=title or default_title, series=series)
    added = []
    for item, info, recorded_at in probed:
        key = stored_key(stream, item.name)
        added.append(
            VideoClip.objects.create(
                stream=stream,
                order=stream.clips.count(),
                file=key,
                original_name=item.name,
                original_path=item.url,
                source_url=item.url,
                source_etag=item.etag,
                size_bytes=item.size,
                recorded_at=recorded_at,
                **probed_clip_fields(info),
            )
        )
    stream_relayout(stream)
    for clip in added:
        clip.refresh_from_db()
    return stream, added


def _record_run(owner, stream: Stream, added: list[VideoClip], problems: list[str]) -> PipelineRun:
    steps = [
        {"name": FETCH, "clip": clip, "label": clip.source_url, "weight": max(clip.size_bytes, 1)} for clip in added
    ]
    steps += [{"name": "ingest", "label": problem.split(": ", 1)[0]} for problem in problems]
    run = run_create(owner=owner, kind=PipelineRun.Kind.INGEST, stream=stream, steps=steps)
    run_set_status(run.id, RunStatus.INGESTING)
    failed = run.steps.filter(name="ingest").order_by("position").values_list("id", flat=True)
    for step_id, problem in zip(failed, problems, strict=True):
        step_finish(step_id, status=StepStatus.FAILED, error=problem.split(": ", 1)[-1])
    return PipelineRun.objects.get(id=run.id)


def remote_clips_fetch(*, run_id: int, process: bool = True, client=None) -> PipelineRun:
    """Download each fetch step's object into its clip's storage key; then finish the run and queue processing.

    Idempotent: a completed step is not fetched again. A failed fetch removes its clip (and an emptied
    stream), keeping the reason on the step.
    """
    run = PipelineRun.objects.select_related("stream").get(id=run_id)
    client = client or s3_client()
    fetched: list[int] = []
    for step in StepRun.objects.filter(run=run, name=FETCH).select_related("clip").order_by("position"):
        if step.status == StepStatus.COMPLETED:
            fetched.append(step.clip_id)
            continue
        if step.clip is None or not step_claim(step.id):
            continue
        try:
            _fetch_one(client, step)
        except (S3SourceError, OSError) as error:
            _drop_clip(step, str(error))
            continue
        step_finish(step.id)
        fetched.append(step.clip_id)
    stream = Stream.objects.filter(id=run.stream_id).first()
    if stream is not None and not stream.clips.exists():
        PipelineRun.objects.filter(id=run.id).update(stream=None)
        stream.delete()
        stream = None
    elif stream is not None:
        stream_relayout(stream)
    finished = run_finish(run.id)
    if process and stream is not None and fetched:
        start_stream_processing(stream.id, run.owner, clip_ids=fetched)
    return finished


def _fetch_one(client, step: StepRun) -> None:
    clip = step.clip
    bucket, _, key = clip.source_url.removeprefix("s3://").partition("/")
    item = S3Object(bucket, key, clip.size_bytes, clip.source_etag)
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        step_progress(step.id, 100.0 * done / max(item.size, 1))

    with tempfile.TemporaryDirectory(prefix="studio-s3-fetch-") as tmp:
        local = Path(tmp) / stored_file_name(item.name)
        download(client, item, local, progress=advance)
        save_output(local, clip.file.name)


def _drop_clip(step: StepRun, reason: str) -> None:
    """A clip must not stay without its file: remove it, keep the step (detached) with the reason."""
    message = reason.split(": ", 1)[-1] if reason.startswith(step.label) else reason
    with transaction.atomic():
        StepRun.objects.filter(run_id=step.run_id, clip_id=step.clip_id).update(clip=None)
        VideoClip.objects.filter(id=step.clip_id).delete()
    step_finish(step.id, status=StepStatus.FAILED, error=message)
    log.warning("fetch of %s failed: %s", step.label, message)
