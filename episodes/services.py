"""Episode writes that span models: its cut list from its tracks, checking a cut list for its owner, and every
change of its status."""

from __future__ import annotations

from collections.abc import Iterable

import av
from django.db import transaction
from django.utils import timezone

from episodes.cutlist import CutList, CutListError, unowned_media_problems, validate_cut_list
from episodes.models import Episode, cut_list_limits
from episodes.selectors import episode_series, media_keys_owned
from episodes.timeline import Asset, ClipRef, episode_cut_list
from pipeline.media import local_path


def _asset(field_file) -> Asset | None:
    if not field_file:
        return None
    # Assets need no audio (an overlay logo has none), so not ``probe_media``'s recording checks.
    with local_path(field_file) as path, av.open(str(path)) as container:
        return Asset(field_file.name, (container.duration or 0) / 1_000_000)


def cut_list_validate(*, document, owner) -> CutList:
    """The document checked against the schema, the caps, and whose media it names (only the owner's).

    Raises CutListError naming each problem by its JSON pointer.
    """
    cut_list = validate_cut_list(document, limits=cut_list_limits())
    owned = media_keys_owned(owner=owner, keys=(media.location for media in cut_list.inputs))
    problems = unowned_media_problems(cut_list, owned.__contains__)
    if problems:
        raise CutListError(problems)
    return cut_list


def episode_build_cut_list(*, episode: Episode, save: bool = True, with_series_assets: bool = True) -> dict:
    """The cut list for the episode's tracks over its stream's clips, plus the series' intro/outro/overlay.

    Raises ValueError when the tracks miss every clip and CutListError when the result is not renderable.
    """
    clips = [
        ClipRef(clip.file.name, clip.start_time, clip.duration, clip.frame_rate)
        for clip in episode.stream.clips.order_by("order")
    ]
    series = episode_series(episode)
    assets = {}
    if series and with_series_assets:
        assets = {
            "intro": _asset(series.intro_file),
            "outro": _asset(series.outro_file),
            "overlay": _asset(series.overlay_file),
        }
    document = episode_cut_list(episode.tracks, clips, **assets)
    cut_list_validate(document=document, owner=episode.owner)
    if save:
        with transaction.atomic():
            Episode.objects.filter(id=episode.id).update(cut_list=document)
        episode.cut_list = document
    return document


def episode_set_status(
    *,
    episode_id: int,
    status: str,
    only_from: Iterable[str] | None = None,
    rendered_file: str | None = None,
    youtube_video_id: str | None = None,
) -> bool:
    """Set an episode's status (with the render or video it now has) in one UPDATE; the only writer of it.

    ``only_from``: change it only while the status is one of these, so a late writer (a cancel after the
    render finished) cannot overwrite a newer state. Returns whether the episode changed.
    """
    if status not in Episode.Status.values:
        raise ValueError(f"unknown episode status {status!r} (choose from {', '.join(Episode.Status.values)})")
    fields: dict = {"status": status, "updated_at": timezone.now()}
    if rendered_file is not None:
        fields["rendered_file"] = rendered_file
    if youtube_video_id is not None:
        fields["youtube_video_id"] = youtube_video_id
    episodes = Episode.objects.filter(id=episode_id)
    if only_from is not None:
        episodes = episodes.filter(status__in=list(only_from))
    return episodes.update(**fields) == 1
