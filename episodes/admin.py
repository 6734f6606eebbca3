from django.contrib import admin

from config.admin_ownership import OwnedAdmin, OwnedTabularInline
from episodes.admin_actions import RENDER_ACTIONS
from episodes.forms import EpisodeAdminForm
from episodes.models import Episode, Highlight, Project
from rendering.publishing.admin import PUBLISH_ACTIONS
from streams.timefmt import format_hms


class EpisodeInline(OwnedTabularInline):
    model = Episode
    extra = 0
    fields = ["order", "title", "stream", "status", "length"]
    readonly_fields = ["length"]
    show_change_link = True

    @admin.display(description="duration")
    def length(self, episode):
        return format_hms(episode.duration)


@admin.register(Project)
class ProjectAdmin(OwnedAdmin):
    list_display = ["title", "series", "owner", "episode_count", "created_at"]
    list_filter = ["series", "owner"]
    search_fields = ["title", "description"]
    filter_horizontal = ["streams"]
    inlines = [EpisodeInline]

    @admin.display(description="episodes")
    def episode_count(self, project):
        return project.episodes.count()


@admin.register(Episode)
class EpisodeAdmin(OwnedAdmin):
    form = EpisodeAdminForm
    list_display = ["title", "stream", "order", "status", "length", "youtube_video_id", "updated_at"]
    list_filter = ["status", "stream__series", "owner"]
    search_fields = ["title", "description", "stream__title"]
    list_select_related = ["stream"]
    actions = RENDER_ACTIONS + PUBLISH_ACTIONS
    readonly_fields = ["length", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["owner", "project", "stream", "order", "title", "description", "status"]}),
        ("Edit", {"fields": ["tracks", "length", "cut_list", "chapters", "edited_at"]}),
        ("Output", {"fields": ["rendered_file", "youtube_video_id", "created_at", "updated_at"]}),
    ]

    @admin.display(description="duration")
    def length(self, episode):
        return format_hms(episode.duration)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request_user = request.user
        return form


@admin.register(Highlight)
class HighlightAdmin(OwnedAdmin):
    owner_field = "stream__owner"
    list_display = ["stream", "at", "score", "source", "status", "reason"]
    list_filter = ["status", "source", "stream__series"]
    search_fields = ["title", "reason", "stream__title", "marked_by"]
    list_select_related = ["stream"]
    readonly_fields = ["score", "parts", "reason", "source", "marked_by", "chat_message_id", "created_at", "updated_at"]
    fields = ["stream", "title", "status", "start", "end", "peak", *readonly_fields, "edited_at"]

    @admin.display(description="peak", ordering="peak")
    def at(self, highlight):
        return format_hms(highlight.peak)
