"""Reads about episodes that need care: which stored media a user may put in a cut list; which series an
episode belongs to."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from episodes.models import Episode
from streams.models import Series, VideoClip


def media_keys_owned(*, owner, keys: Iterable[str]) -> set[str]:
    """The subset of ``keys`` naming the owner's media: their clips' files, their renders, their series' assets."""
    keys = set(keys)
    if not keys or owner is None:
        return set()
    owned = set(VideoClip.objects.filter(stream__owner=owner, file__in=keys).values_list("file", flat=True))
    owned |= set(Episode.objects.filter(owner=owner, rendered_file__in=keys).values_list("rendered_file", flat=True))
    assets = ("intro_file", "outro_file", "overlay_file")
    series = Series.objects.filter(owner=owner).filter(
        Q(intro_file__in=keys) | Q(outro_file__in=keys) | Q(overlay_file__in=keys)
    )
    for row in series.values_list(*assets):
        owned |= set(row)
    return owned & keys


def episode_series(episode: Episode) -> Series | None:
    """The one series an episode takes its intro, outro, overlay and publishing templates from: its project's,
    else its stream's. Everything that needs an episode's series asks here, so a render and an upload can
    never follow two different series."""
    if episode.project_id and episode.project.series_id:
        return episode.project.series
    return episode.stream.series
