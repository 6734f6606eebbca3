"""Archiving an episode's media to object storage, as a ``publish`` pipeline run with a step per file (weighted
by size), so its percentage moves like a render's as each file is verified. (Within a file boto3 reports
from its transfer threads, which must not write to the database.)"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction

from episodes.models import Episode
from pipeline.models import PipelineRun, StepRun
from rendering.publishing.archive import ArchiveError, archive_file, s3_client, transfer_config
from rendering.publishing.models import ArchivedFile, YouTubeUpload
from rendering.publishing.runs import publish_run_create, step_begin, step_done
from rendering.publishing.services import IN_FLIGHT


def episode_archive_start(*, episode: Episode, delete_local: bool | None = None) -> PipelineRun:
    """Check, plan the run and enqueue ``archive_episode``; raises ArchiveError (nothing stored) when it cannot."""
    from rendering.publishing.tasks import archive_episode

    delete = _delete_local(delete_local)
    files = _episode_files(episode, delete)
    with transaction.atomic():
        run = _archive_run(episode, files)
        transaction.on_commit(lambda: archive_episode.delay(episode.id, run_id=run.id, delete_local=delete))
    return run


def episode_archive(
    *,
    episode_id: int,
    delete_local: bool | None = None,
    run_id: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[ArchivedFile]:
    """Archive an episode's render and its stream's original recordings; local copies go only once verified.

    Without ``run_id`` the run is created here (after the checks, so a refusal stores nothing). A file that
    fails fails its step and the run, keeps its local copy, and raises ArchiveError.
    """
    episode = Episode.objects.select_related("stream", "owner").get(id=episode_id)
    delete = _delete_local(delete_local)
    files = _episode_files(episode, delete)
    run = PipelineRun.objects.get(id=run_id) if run_id else _archive_run(episode, files)
    steps = {step.label: step for step in StepRun.objects.filter(run=run)}
    records = []
    for index, (field_file, folder) in enumerate(files):
        step = steps.get(field_file.name)
        last = index == len(files) - 1
        if step:
            step_begin(step)
        try:
            records.append(
                stored_file_archive(owner=episode.owner, field_file=field_file, folder=folder, delete_local=delete)
            )
        except (ArchiveError, OSError) as error:
            if step:
                step_done(step, error=str(error))
            raise ArchiveError(str(error)) from error
        if step:
            step_done(step, last=last)
        if progress:
            progress(index + 1, len(files))
    return records


def _delete_local(delete_local: bool | None) -> bool:
    return settings.ARCHIVE_DELETE_LOCAL if delete_local is None else delete_local


def _episode_files(episode: Episode, delete: bool) -> list:
    """The files to archive, after the checks that refuse the whole archive."""
    if not settings.ARCHIVE_BUCKET:
        raise ArchiveError("ARCHIVE_BUCKET (or AWS_STORAGE_BUCKET_NAME) is not set: nowhere to archive to")
    upload = YouTubeUpload.objects.filter(episode=episode).first()
    if delete and upload and upload.status in IN_FLIGHT:
        raise ArchiveError(f"episode {episode.pk} is still being uploaded to YouTube; archive it afterwards")
    files = [(episode.rendered_file, f"episodes/{episode.pk}")] if episode.rendered_file else []
    files += [(clip.file, f"streams/{episode.stream_id}") for clip in episode.stream.clips.all() if clip.file]
    if not files:
        raise ArchiveError(f"episode {episode.pk} has nothing to archive (no render, no recordings)")
    return files


def _archive_run(episode: Episode, files: list) -> PipelineRun:
    steps = [
        {"name": "archive", "label": field_file.name, "weight": max(1.0, float(_size(field_file)))}
        for field_file, _ in files
    ]
    return publish_run_create(episode=episode, steps=steps)


def _size(field_file) -> int:
    try:
        return field_file.size
    except OSError:  # archived and removed already: a step of no weight to speak of
        return 0


def stored_file_archive(*, owner, field_file, folder: str, delete_local: bool) -> ArchivedFile:
    """Copy one locally stored file to the archive bucket under a deterministic key; re-running replaces."""
    if not settings.ARCHIVE_BUCKET:
        raise ArchiveError("ARCHIVE_BUCKET (or AWS_STORAGE_BUCKET_NAME) is not set: nowhere to archive to")
    parts = (settings.ARCHIVE_PREFIX.strip("/"), str(owner.pk), folder, Path(field_file.name).name)
    key = "/".join(part for part in parts if part)
    existing = ArchivedFile.objects.filter(bucket=settings.ARCHIVE_BUCKET, key=key, local_deleted=True).first()
    if existing and not field_file.storage.exists(field_file.name):
        return existing  # archived and removed by an earlier run
    try:
        local = Path(field_file.path)
    except NotImplementedError:
        raise ArchiveError(f"{field_file.name} already lives in object storage; nothing local to archive") from None
    client = s3_client(
        endpoint_url=settings.AWS_S3_ENDPOINT_URL,
        region_name=settings.AWS_S3_REGION_NAME,
        access_key=settings.AWS_ACCESS_KEY_ID,
        secret_key=settings.AWS_SECRET_ACCESS_KEY,
    )
    archived = archive_file(
        local_path=local,
        key=key,
        bucket=settings.ARCHIVE_BUCKET,
        client=client,
        config=transfer_config(settings.ARCHIVE_PART_SIZE),
        delete_local=delete_local,
    )
    record, _ = ArchivedFile.objects.update_or_create(
        bucket=archived.bucket,
        key=archived.key,
        defaults={
            "owner": owner,
            "source_name": field_file.name,
            "size_bytes": archived.size,
            "sha256": archived.sha256,
            "etag": archived.etag,
            "local_deleted": archived.local_deleted,
        },
    )
    return record
