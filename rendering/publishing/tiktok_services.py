"""Posting an episode's vertical render to TikTok (a direct post, or a draft in the creator's inbox), as a
``publish`` pipeline run: creator info, init, chunks in order, then polling until TikTok has it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import redis
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from episodes.models import Episode
from pipeline.models import StepRun
from rendering.publishing.models import TikTokCredential, TikTokPost
from rendering.publishing.ratelimit import RateLimiter
from rendering.publishing.runs import first_step, publish_run_create, step_begin, step_done, step_percent
from rendering.publishing.services import PublishError
from rendering.publishing.tiktok import (
    IN_INBOX,
    PRIVACY_LEVELS,
    PUBLISHED,
    SELF_ONLY,
    ChunkPlan,
    CreatorInfo,
    PublishStatus,
    TikTokClient,
    TikTokError,
    plan_chunks,
)
from rendering.publishing.tokens import CredentialError, tiktok_access_token
from rendering.vertical_service import episode_vertical_key

log = logging.getLogger(__name__)
Post = TikTokPost.Status
# UPLOADING and CHECKING: a worker holds the post; PROCESSING: uploaded, and nobody is checking on it now.
IN_FLIGHT = (Post.PENDING, Post.UPLOADING, Post.CHECKING, Post.PROCESSING)
# An uploading or checking row untouched this long lost its worker (each chunk and each poll touches it).
STALE_POST = timedelta(minutes=15)
MAX_TITLE = 2200  # TikTok's caption limit
UNAUDITED_NOTICE = (
    "TikTok lets this app post only privately (SELF_ONLY) until the app passes TikTok's audit: only you can see "
    "the video; change who can see it in the TikTok app"
)
DRAFT_NOTICE = "sent as a draft: open the notification in the TikTok app to edit and post it (privacy is chosen there)"


@dataclass(frozen=True)
class TikTokOutcome:
    status: str  # a TikTokPost.Status, or "busy" when another worker holds the post
    post_ids: list[str] = field(default_factory=list)
    message: str = ""
    notice: str = ""


def tiktok_post_start(
    *, episode: Episode, draft: bool = False, title: str | None = None, privacy_level: str | None = None
) -> TikTokPost:
    """Check and prepare an episode's TikTok post (a run, a pending record); enqueue ``publish_tiktok`` after.

    Idempotent while a post is under way; refuses (storing nothing) an episode without a vertical render, an
    owner without a TikTok account, a file TikTok's chunk rules cannot carry, or a bad privacy level.
    """
    current = TikTokPost.objects.select_related("run").filter(episode=episode).first()
    if current and current.status in IN_FLIGHT:
        if current.run is None or current.run.is_finished:  # checking again on a post TikTok was still processing
            current.run = publish_run_create(episode=episode, steps=[{"name": "tiktok", "label": "TikTok check"}])
            current.save(update_fields=["run", "updated_at"])
        return current
    if current and current.status == Post.PUBLISHED and not draft:
        raise PublishError(f"episode {episode.pk} is already on TikTok ({', '.join(current.post_ids) or 'posted'})")
    key = episode_vertical_key(episode.id)
    if not default_storage.exists(key):
        raise PublishError(
            f"episode {episode.pk} has no vertical render ({key}): make one first with "
            f"`manage.py vertical_clip --episode {episode.pk} [--start S --end E]`"
        )
    if privacy_level and privacy_level not in PRIVACY_LEVELS:
        raise PublishError(f"privacy_level: {privacy_level!r} is not one of {', '.join(PRIVACY_LEVELS)}")
    if draft and privacy_level:
        raise PublishError("a draft's privacy is chosen in the TikTok app: leave the privacy level out")
    caption = (title if title is not None else episode.title).strip()
    if len(caption) > MAX_TITLE:
        raise PublishError(f"title: {len(caption)} characters, TikTok allows {MAX_TITLE}")
    if not TikTokCredential.objects.filter(owner=episode.owner).exists():
        raise PublishError(f"{episode.owner} has connected no TikTok account: store a refresh token first")
    try:
        plan = plan_chunks(default_storage.size(key), settings.TIKTOK_CHUNK_SIZE)
    except TikTokError as error:
        raise PublishError(f"{key}: {error}") from None
    mode = TikTokPost.Mode.INBOX if draft else TikTokPost.Mode.DIRECT
    with transaction.atomic():
        run = publish_run_create(episode=episode, steps=[{"name": "tiktok", "label": f"TikTok {mode.label}"}])
        post, _ = TikTokPost.objects.update_or_create(
            episode=episode,
            defaults={
                "run": run,
                "mode": mode,
                "status": Post.PENDING,
                "file_name": key,
                "title": caption,
                "privacy_level": privacy_level or "",
                "forced_private": False,
                "notice": "",
                "total_bytes": plan.video_size,
                "chunk_size": plan.chunk_size,
                "chunk_count": plan.count,
                "bytes_sent": 0,
                "publish_id": "",
                "post_ids": [],
                "last_error": "",
                "finished_at": None,
            },
        )
    return post


def tiktok_post_publish(
    *, episode_id: int, progress: Callable[[int, int], None] | None = None, sleep: Callable[[float], None] = time.sleep
) -> TikTokOutcome:
    """Upload and poll (or, for a post TikTok is still processing, only poll); safe to call again."""
    post = _claim(episode_id)
    if post is None:
        current = TikTokPost.objects.filter(episode_id=episode_id).first()
        if current is None:
            return TikTokOutcome(Post.FAILED, message="no TikTok post prepared: call tiktok_post_start first")
        status = "busy" if current.status in IN_FLIGHT else current.status
        return TikTokOutcome(status, current.post_ids, current.last_error, current.notice)
    step = first_step(post.run_id)
    if step:
        step_begin(step)
    client = tiktok_client(post.episode.owner, sleep=sleep)
    try:
        if post.status == Post.UPLOADING:
            _upload(client, post, progress, step)
        final = client.wait_until_done(
            post.publish_id,
            done=(IN_INBOX, PUBLISHED) if post.mode == TikTokPost.Mode.INBOX else (PUBLISHED,),
            interval=settings.TIKTOK_POLL_INTERVAL,
            max_polls=max(1, int(settings.TIKTOK_POLL_TIMEOUT // max(settings.TIKTOK_POLL_INTERVAL, 0.001)) + 1),
            on_status=lambda status: _polled(post, status),
        )
    except (TikTokError, CredentialError, PublishError, OSError) as error:
        message = f"TikTok {post.get_mode_display()} failed: {error}"
        _save(post, status=Post.FAILED, last_error=message, finished_at=timezone.now())
        if step:
            step_done(step, error=message)
        log.warning("episode %s: %s", episode_id, message)
        return TikTokOutcome(Post.FAILED, message=message, notice=post.notice)
    if final is None:
        message = (
            f"TikTok was still processing the video after {settings.TIKTOK_POLL_TIMEOUT:.0f} s: "
            f"run `manage.py publish {episode_id} --tiktok` again to check on it"
        )
        _save(post, status=Post.PROCESSING, last_error=message)  # released: the next call checks at once
        if step:
            step_done(step, error=message)
        return TikTokOutcome(Post.PROCESSING, message=message, notice=post.notice)
    status = Post.PUBLISHED if final.status == PUBLISHED else Post.IN_INBOX
    _save(post, status=status, post_ids=final.post_ids, last_error="", finished_at=timezone.now())
    if step:
        step_done(step)
    return TikTokOutcome(status, final.post_ids, notice=post.notice)


def tiktok_client(owner, *, sleep: Callable[[float], None] = time.sleep) -> TikTokClient:
    """A client for ``owner``: tokens from their sealed credential, API calls spaced by the shared limiter."""
    client = TikTokClient(
        api_base=settings.TIKTOK_API_BASE,
        client_key=settings.TIKTOK_CLIENT_KEY,
        client_secret=settings.TIKTOK_CLIENT_SECRET,
        limiter=RateLimiter(
            redis.Redis.from_url(settings.REDIS_URL),
            limit=settings.TIKTOK_REQUESTS_PER_MINUTE,
            prefix="tiktok:requests",
            sleep=sleep,
        ),
        retry_wait=settings.TIKTOK_RETRY_WAIT,
        sleep=sleep,
    )
    client.token = lambda force: tiktok_access_token(owner=owner, client=client, force_refresh=force)
    return client


def privacy_choice(*, wanted: str, creator: CreatorInfo, audited: bool) -> tuple[str, bool]:
    """The privacy level to post with and whether it was forced to ``SELF_ONLY`` (an app that has not passed
    TikTok's audit may post only privately); otherwise it must be one of the creator's options."""
    if not audited:
        return SELF_ONLY, True
    options = creator.privacy_level_options
    wanted = wanted or SELF_ONLY
    if wanted not in options:
        raise PublishError(
            f"privacy level {wanted} is not one {creator.username or 'this creator'} may use "
            f"(TikTok allows: {', '.join(options) or 'none'})"
        )
    return wanted, False


def _upload(
    client: TikTokClient, post: TikTokPost, progress: Callable[[int, int], None] | None, step: StepRun | None
) -> None:
    creator = client.creator_info()
    if post.mode == TikTokPost.Mode.INBOX:
        post_info, notice, privacy, forced = None, DRAFT_NOTICE, "", False
    else:
        privacy, forced = privacy_choice(
            wanted=post.privacy_level, creator=creator, audited=settings.TIKTOK_APP_AUDITED
        )
        notice = UNAUDITED_NOTICE if forced else ""
        post_info = {
            "title": post.title,
            "privacy_level": privacy,
            "disable_comment": creator.comment_disabled,
            "disable_duet": creator.duet_disabled,
            "disable_stitch": creator.stitch_disabled,
        }
    _save(post, privacy_level=privacy, forced_private=forced, notice=notice)
    size = default_storage.size(post.file_name)
    if size != post.total_bytes:
        raise PublishError(f"{post.file_name} changed since the post was prepared: prepare it again")
    plan = ChunkPlan(post.total_bytes, post.chunk_size, post.chunk_count)
    publish_id, upload_url = client.init_upload(plan, post_info=post_info)
    _save(post, publish_id=publish_id, bytes_sent=0)

    def sent(done: int, total: int) -> None:
        TikTokPost.objects.filter(id=post.id).update(bytes_sent=done, updated_at=timezone.now())
        if step:
            step_percent(step, 95.0 * done / total)  # the last 5%: TikTok's processing
        if progress:
            progress(done, total)

    with default_storage.open(post.file_name, "rb") as stream:
        client.upload(upload_url, stream, plan, progress=sent)
    _save(post, status=Post.CHECKING, bytes_sent=plan.video_size)


def _polled(post: TikTokPost, status: PublishStatus) -> None:
    """Each poll touches the row, so a long wait is not mistaken for a lost worker."""
    TikTokPost.objects.filter(id=post.id).update(updated_at=timezone.now())


def _claim(episode_id: int) -> TikTokPost | None:
    """Take the post for this worker in one conditional UPDATE: a pending post starts uploading, an uploaded one
    is checked on; a post whose worker went silent is taken over (its upload starts again, or its check)."""
    stale = timezone.now() - STALE_POST
    claimable = Q(status__in=(Post.PENDING, Post.PROCESSING)) | Q(
        status__in=(Post.UPLOADING, Post.CHECKING), updated_at__lt=stale
    )
    uploaded = (Post.PROCESSING, Post.CHECKING)
    claimed = TikTokPost.objects.filter(claimable, episode_id=episode_id).update(
        status=Case(When(status__in=uploaded, then=Value(Post.CHECKING)), default=Value(Post.UPLOADING)),
        attempts=F("attempts") + 1,
        updated_at=timezone.now(),
    )
    if claimed != 1:
        return None
    return TikTokPost.objects.select_related("episode__owner").get(episode_id=episode_id)


def _save(post: TikTokPost, **fields) -> None:
    for name, value in fields.items():
        setattr(post, name, value)
    post.save(update_fields=[*fields, "updated_at"])
