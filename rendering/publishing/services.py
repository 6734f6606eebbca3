"""Publishing an episode to YouTube (resumable, throttle-aware), as a ``publish`` pipeline run."""

from __future__ import annotations

import logging
import mimetypes
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from episodes.models import Episode
from episodes.selectors import episode_series
from episodes.services import episode_set_status
from pipeline.models import StepRun
from rendering.publishing.models import YouTubeUpload
from rendering.publishing.runs import first_step, publish_run_create, step_begin, step_done, step_pause, step_percent
from rendering.publishing.tokens import CredentialError, youtube_refresh_token
from rendering.publishing.youtube import (
    Progress,
    SessionExpired,
    Throttled,
    YouTubeClient,
    YouTubeError,
    authorized_session,
    metadata_json,
)
from rendering.publishing.youtube_description import (
    PRIVACY_STATUSES,
    MetadataError,
    clean_tags,
    clean_title,
    format_chapters,
    render_description,
)
from rendering.services import episode_chapters

log = logging.getLogger(__name__)
Upload = YouTubeUpload.Status
# An "uploading" row untouched this long lost its worker (each confirmed chunk touches it).
STALE_UPLOAD = timedelta(minutes=15)
IN_FLIGHT = (Upload.PENDING, Upload.UPLOADING, Upload.THROTTLED)


class PublishError(Exception):
    """The episode cannot be published as asked; nothing was changed. The message says why."""


@dataclass(frozen=True)
class PublishOutcome:
    status: str  # an YouTubeUpload.Status, or "busy" when another worker holds the upload
    video_id: str = ""
    retry_in: float | None = None  # seconds, when throttled
    message: str = ""


def _client(owner, *, throttle_count: int, chunk_size: int | None = None) -> YouTubeClient:
    session = authorized_session(
        refresh_token=youtube_refresh_token(owner),
        client_id=settings.GOOGLE_CLIENT_ID,
        client_secret=settings.GOOGLE_CLIENT_SECRET,
        token_uri=settings.GOOGLE_TOKEN_URI,
    )
    return YouTubeClient(
        session,
        api_url=settings.YOUTUBE_API_URL,
        chunk_size=chunk_size or settings.YOUTUBE_CHUNK_SIZE,
        throttle_attempt=throttle_count + 1,
    )


# --- YouTube --------------------------------------------------------------------------------------
def episode_youtube_metadata(
    *, episode: Episode, privacy_status: str, chapters: list[tuple[float, str]] | None = None
) -> dict:
    """The videos.insert body from the episode and its series' templates; raises PublishError on bad input."""
    if privacy_status not in PRIVACY_STATUSES:
        raise PublishError(f"privacy_status: {privacy_status!r} is not one of {', '.join(PRIVACY_STATUSES)}")
    series = episode_series(episode)
    stream = episode.stream
    if chapters is None and episode.cut_list:
        # The same chapters the render wrote into the MP4 (edit boundaries), unless the caller names others.
        chapters = [(chapter.start, chapter.title) for chapter in episode_chapters(episode=episode)]
    try:
        chapters_block = format_chapters(chapters, duration=episode.duration or None) if chapters else ""
        template = series.episode_description_template if series else "{summary}\n\n{chapters}"
        description = render_description(
            template,
            chapters_block=chapters_block,
            summary=episode.description,
            title=stream.title,
            episode=episode.title,
            series=series.name if series else "",
            order=episode.order,
            date=stream.recorded_at.date().isoformat() if stream.recorded_at else "",
        )
        title = clean_title(episode.title)
    except MetadataError as error:
        raise PublishError(str(error)) from None
    return metadata_json(
        title=title,
        description=description,
        tags=clean_tags(series.tags if series else []),
        category_id=series.youtube_category_id if series else "20",
        privacy_status=privacy_status,
        language=stream.language,
    )


def episode_publish_start(
    *, episode: Episode, privacy_status: str = "private", chapters: list[tuple[float, str]] | None = None
) -> YouTubeUpload:
    """Prepare an episode's upload (metadata fixed now); enqueue ``publish_episode`` afterwards.

    Idempotent while an upload is under way; refuses an episode already on YouTube or without a render.
    """
    current = YouTubeUpload.objects.filter(episode=episode).first()
    if current and current.status in IN_FLIGHT and current.file_name == episode.rendered_file.name:
        return current
    if episode.youtube_video_id:
        raise PublishError(f"episode {episode.pk} is already on YouTube as {episode.youtube_video_id}")
    if not episode.rendered_file:
        raise PublishError(f"episode {episode.pk} has no rendered file yet (status {episode.status})")
    if not episode.rendered_file.storage.exists(episode.rendered_file.name):
        raise PublishError(f"rendered_file: {episode.rendered_file.name} is missing from storage")
    metadata = episode_youtube_metadata(episode=episode, privacy_status=privacy_status, chapters=chapters)
    with transaction.atomic():
        run = publish_run_create(episode=episode, steps=[{"name": "youtube", "label": f"YouTube ({privacy_status})"}])
        defaults = _fresh_upload(episode, run, metadata)
        upload, _ = YouTubeUpload.objects.update_or_create(episode=episode, defaults=defaults)
    return upload


def _fresh_upload(episode: Episode, run, metadata: dict) -> dict:
    """Every field of an upload that starts over (a re-publish after a failure replaces, never appends)."""
    series = episode_series(episode)
    return {
        "run": run,
        "status": Upload.PENDING,
        "file_name": episode.rendered_file.name,
        "metadata": metadata,
        "playlist_id": series.youtube_playlist_id if series else "",
        "session_url": "",
        "bytes_confirmed": 0,
        "total_bytes": episode.rendered_file.size,
        "resume_at": None,
        "throttle_count": 0,
        "video_id": "",
        "playlist_item_id": "",
        "last_error": "",
        "finished_at": None,
    }


def episode_publish(
    *, episode_id: int, progress: Progress | None = None, chunk_size: int | None = None
) -> PublishOutcome:
    """Upload (or resume) an episode's video; safe to call again at any time, by any worker."""
    upload = _claim(episode_id)
    if upload is None:
        return _outcome_of(YouTubeUpload.objects.filter(episode_id=episode_id).first())
    episode = upload.episode
    step = first_step(upload.run_id)
    if step:
        step_begin(step)
    if not upload.video_id:
        episode_set_status(episode_id=episode.id, status=Episode.Status.UPLOADING)
    try:
        client = _client(episode.owner, throttle_count=upload.throttle_count, chunk_size=chunk_size)
        if not upload.video_id:
            _upload_video(client, upload, episode, progress, step)
        if upload.playlist_id and not upload.playlist_item_id:
            item = client.add_to_playlist(playlist_id=upload.playlist_id, video_id=upload.video_id)
            _save(upload, playlist_item_id=item)
    except Throttled as throttled:
        return _throttle(upload, episode, throttled, step)
    except (YouTubeError, CredentialError, OSError) as error:
        if upload.video_id:  # the video is up; only the playlist insert failed, and that is not worth a retry
            message = f"uploaded, but not added to playlist {upload.playlist_id}: {error}"
            _save(upload, status=Upload.UPLOADED, last_error=message, finished_at=timezone.now())
            _finish_step(step)
            return PublishOutcome(Upload.UPLOADED, video_id=upload.video_id, message=message)
        message = f"YouTube upload failed: {error}"
        _save(upload, status=Upload.FAILED, last_error=message, finished_at=timezone.now())
        episode_set_status(episode_id=episode.id, status=Episode.Status.FAILED)
        _finish_step(step, error=message)
        log.warning("episode %s: %s", episode.pk, message)
        return PublishOutcome(Upload.FAILED, message=message)
    _save(upload, status=Upload.UPLOADED, resume_at=None, throttle_count=0, last_error="", finished_at=timezone.now())
    _finish_step(step)
    return PublishOutcome(Upload.UPLOADED, video_id=upload.video_id)


def _finish_step(step: StepRun | None, *, error: str = "") -> None:
    if step:
        step_done(step, error=error)


def _upload_video(
    client: YouTubeClient, upload: YouTubeUpload, episode: Episode, progress: Progress | None, step: StepRun | None
) -> None:
    def confirmed(done: int, total: int) -> None:
        YouTubeUpload.objects.filter(id=upload.id).update(bytes_confirmed=done, updated_at=timezone.now())
        if step and total:
            step_percent(step, 100.0 * done / total)
        if progress:
            progress(done, total)

    total = upload.total_bytes
    content_type = mimetypes.guess_type(upload.file_name)[0] or "video/*"
    with episode.rendered_file.storage.open(upload.file_name, "rb") as stream:
        for _ in range(2):  # a session that expired is replaced once, from byte 0
            try:
                offset: int | str = 0
                if upload.session_url:
                    offset = client.query_offset(upload.session_url, total_bytes=total)
                else:
                    url = client.start_upload(metadata=upload.metadata, total_bytes=total, content_type=content_type)
                    _save(upload, session_url=url, bytes_confirmed=0)
                if isinstance(offset, str):
                    video_id = offset
                else:
                    confirmed(offset, total)
                    video_id = client.upload(
                        upload.session_url, stream, total_bytes=total, offset=offset, progress=confirmed
                    )
                break
            except SessionExpired:
                if not upload.session_url:
                    raise
                _save(upload, session_url="", bytes_confirmed=0)
        else:
            raise YouTubeError("the upload session expired twice in a row")
    with transaction.atomic():
        _save(upload, video_id=video_id, bytes_confirmed=total)
        episode_set_status(episode_id=episode.id, status=Episode.Status.UPLOADED, youtube_video_id=video_id)
    log.info("episode %s uploaded to YouTube as %s", episode.pk, video_id)


def _claim(episode_id: int) -> YouTubeUpload | None:
    """Take the upload for this worker, atomically: two deliveries of one task must not both send bytes."""
    now = timezone.now()
    claimable = (
        Q(status=Upload.PENDING)
        | Q(status=Upload.THROTTLED, resume_at__lte=now)
        | Q(status=Upload.THROTTLED, resume_at__isnull=True)
        | Q(status=Upload.UPLOADING, updated_at__lt=now - STALE_UPLOAD)
    )
    claimed = YouTubeUpload.objects.filter(claimable, episode_id=episode_id).update(
        status=Upload.UPLOADING, attempts=F("attempts") + 1, updated_at=now
    )
    if claimed != 1:
        return None
    return YouTubeUpload.objects.select_related("episode__owner").get(episode_id=episode_id)


def _throttle(upload: YouTubeUpload, episode: Episode, throttled: Throttled, step: StepRun | None) -> PublishOutcome:
    resume_at = timezone.now() + timedelta(seconds=throttled.retry_after)
    _save(
        upload,
        status=Upload.THROTTLED,
        resume_at=resume_at,
        throttle_count=upload.throttle_count + 1,
        last_error=str(throttled),
    )
    if not upload.video_id:  # once the video is up, a throttled playlist insert leaves the episode uploaded
        episode_set_status(episode_id=episode.id, status=Episode.Status.THROTTLED)
    if step:
        step_pause(step, f"throttled by YouTube, resumes at {resume_at:%Y-%m-%d %H:%M} UTC: {throttled}")
    log.info("episode %s throttled by YouTube until %s: %s", episode.pk, resume_at.isoformat(), throttled.reason)
    return PublishOutcome(Upload.THROTTLED, retry_in=throttled.retry_after, message=str(throttled))


def _outcome_of(upload: YouTubeUpload | None) -> PublishOutcome:
    if upload is None:
        return PublishOutcome(Upload.FAILED, message="no upload prepared: call episode_publish_start first")
    if upload.status == Upload.THROTTLED and upload.resume_at:
        wait = max(0.0, (upload.resume_at - timezone.now()).total_seconds())
        return PublishOutcome(Upload.THROTTLED, retry_in=wait, message=upload.last_error)
    status = "busy" if upload.status == Upload.UPLOADING else upload.status
    return PublishOutcome(status, video_id=upload.video_id, message=upload.last_error)


def _save(upload: YouTubeUpload, **fields) -> None:
    for name, value in fields.items():
        setattr(upload, name, value)
    upload.save(update_fields=[*fields, "updated_at"])
