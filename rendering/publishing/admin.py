"""Publish records in the admin: read-only views of how each upload went (the run has the live percentage),
and the episode actions that post a vertical render to TikTok."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction

from config.admin_ownership import OwnedAdmin
from episodes.models import Episode
from rendering.publishing.archive import ArchiveError
from rendering.publishing.archiving import episode_archive_start
from rendering.publishing.models import TikTokPost, YouTubeUpload
from rendering.publishing.services import PublishError, episode_publish_start
from rendering.publishing.tiktok_services import tiktok_post_start


class _PublishRecordAdmin(OwnedAdmin):
    owner_field = "episode__owner"
    list_select_related = ["episode"]
    search_fields = ["episode__title"]

    def has_add_permission(self, request):
        return False  # records come from publishing an episode, never from a blank form

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    @admin.display(description="sent")
    def sent(self, record) -> str:
        return f"{record.percent:.0f}%"


@admin.register(TikTokPost)
class TikTokPostAdmin(_PublishRecordAdmin):
    list_display = ["episode", "mode", "status", "privacy_level", "forced_private", "sent", "updated_at"]
    list_filter = ["status", "mode", "forced_private"]


@admin.register(YouTubeUpload)
class YouTubeUploadAdmin(_PublishRecordAdmin):
    list_display = ["episode", "status", "video_id", "sent", "resume_at", "updated_at"]
    list_filter = ["status"]


def _start_each(modeladmin, request, queryset, start: Callable[[Episode], str]) -> None:
    """Start the work for each selected episode: ``start`` says what it queued, or raises why it cannot."""
    for episode in queryset.select_related("owner", "stream"):
        try:
            message = start(episode)
        except (PublishError, ArchiveError) as error:
            modeladmin.message_user(request, f"{episode}: {error}", messages.ERROR)
        else:
            modeladmin.message_user(request, f"{episode}: {message}")


def _tiktok(episode: Episode, *, draft: bool) -> str:
    from rendering.publishing.tasks import publish_tiktok

    post = tiktok_post_start(episode=episode, draft=draft)
    transaction.on_commit(lambda: publish_tiktok.delay(episode.id))
    forced = not draft and not settings.TIKTOK_APP_AUDITED
    note = " It will be private (SELF_ONLY): TikTok has not audited this app." if forced else ""
    return f"TikTok {post.get_mode_display()} queued (run {post.run_id}).{note}"


def _youtube(episode: Episode) -> str:
    from rendering.publishing.tasks import publish_episode

    upload = episode_publish_start(episode=episode)
    transaction.on_commit(lambda: publish_episode.delay(episode.id))
    return f"YouTube upload queued (run {upload.run_id})"


def _archive(episode: Episode) -> str:
    return f"archive queued (run {episode_archive_start(episode=episode).id})"


@admin.action(description="Upload to YouTube (private)", permissions=["change"])
def upload_to_youtube(modeladmin, request, queryset):
    _start_each(modeladmin, request, queryset, _youtube)


@admin.action(description="Post vertical render to TikTok", permissions=["change"])
def post_to_tiktok(modeladmin, request, queryset):
    _start_each(modeladmin, request, queryset, lambda episode: _tiktok(episode, draft=False))


@admin.action(description="Send vertical render to TikTok as a draft", permissions=["change"])
def draft_to_tiktok(modeladmin, request, queryset):
    _start_each(modeladmin, request, queryset, lambda episode: _tiktok(episode, draft=True))


@admin.action(description="Archive to object storage", permissions=["change"])
def archive_to_storage(modeladmin, request, queryset):
    _start_each(modeladmin, request, queryset, _archive)


PUBLISH_ACTIONS = [upload_to_youtube, post_to_tiktok, draft_to_tiktok, archive_to_storage]
