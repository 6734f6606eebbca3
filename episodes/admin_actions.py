"""Episode admin actions for rendering: changing ones need ``change_episode``, the export ``view_episode``.

The queryset is the user's own episodes (``EpisodeAdmin`` is an ``OwnedAdmin``).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils.text import slugify

from config.downloads import attachment
from episodes.cutlist import CutListError, validate_cut_list
from episodes.services import episode_build_cut_list
from pipeline.media_access import media_url
from pipeline.models import PipelineRun
from rendering.otio import cut_list_to_otio_json
from rendering.services import ACTIVE, RenderError, episode_render_start, render_cancel


@admin.action(description="Build cut list from tracks", permissions=["change"])
def build_cut_lists(modeladmin, request, queryset):
    for episode in queryset:
        try:
            episode_build_cut_list(episode=episode)
        except (ValueError, CutListError) as error:
            modeladmin.message_user(request, f"{episode}: {error}", messages.ERROR)
        else:
            modeladmin.message_user(request, f"{episode}: cut list rebuilt from {len(episode.tracks)} track(s)")


@admin.action(description="Render", permissions=["change"])
def render_episodes(modeladmin, request, queryset):
    for episode in queryset:
        try:
            if not episode.cut_list:
                episode_build_cut_list(episode=episode)
            run = episode_render_start(episode=episode)
        except (RenderError, ValueError, CutListError) as error:
            modeladmin.message_user(request, str(error), messages.ERROR)
        else:
            modeladmin.message_user(request, f"{episode}: render queued (run {run.id})")


@admin.action(description="Cancel rendering", permissions=["change"])
def cancel_renders(modeladmin, request, queryset):
    runs = PipelineRun.objects.filter(episode__in=queryset, kind=PipelineRun.Kind.RENDER, status__in=ACTIVE)
    cancelled = sum(render_cancel(run=run) for run in runs)
    modeladmin.message_user(request, f"{cancelled} render(s) cancelled")


@admin.action(description="Export cut list as OpenTimelineIO (.otio)", permissions=["view"])
def export_otio(modeladmin, request, queryset):
    if queryset.count() != 1:
        modeladmin.message_user(request, "Export one episode at a time", messages.ERROR)
        return None
    episode = queryset.get()
    try:
        cut_list = validate_cut_list(episode.cut_list)
    except CutListError as error:
        modeladmin.message_user(request, f"{episode}: {error}", messages.ERROR)
        return None
    urls = {media.location: request.build_absolute_uri(media_url(media.location)) for media in cut_list.inputs}
    response = HttpResponse(
        cut_list_to_otio_json(cut_list, name=episode.title, urls=urls), content_type="application/json"
    )
    response["Content-Disposition"] = attachment(f"{slugify(episode.title) or 'episode'}.otio")
    return response


RENDER_ACTIONS = [build_cut_lists, render_episodes, cancel_renders, export_otio]
