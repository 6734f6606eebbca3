"""Who owns a stored file, and the URL that serves it to its owner (``pipeline.media_views``).

Every media link in the admin and the API goes through :func:`media_url`, never ``FieldFile.url``:
local files would be public under MEDIA_URL, and S3 URLs would skip the owner check.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.urls import reverse

_FORBIDDEN_SEGMENTS = {"", ".", ".."}


def media_url(key: str) -> str:
    """The site path that serves stored file ``key`` to its owner."""
    return reverse("media", kwargs={"key": key})


def clean_media_key(key: str) -> str | None:
    """``key`` when it names a file inside storage; None for anything that could climb out or alias."""
    if not key or "\\" in key or "\x00" in key or key.startswith("/"):
        return None
    if any(segment in _FORBIDDEN_SEGMENTS for segment in key.split("/")):
        return None
    return key


def _clip_owner(clip_id: str) -> int | None:
    from streams.models import VideoClip

    return VideoClip.objects.filter(pk=clip_id).values_list("stream__owner_id", flat=True).first()


def _stream_owner(stream_id: str) -> int | None:
    from streams.models import Stream

    return Stream.objects.filter(pk=stream_id).values_list("owner_id", flat=True).first()


def _episode_owner(episode_id: str) -> int | None:
    from episodes.models import Episode

    return Episode.objects.filter(pk=episode_id).values_list("owner_id", flat=True).first()


# Outputs whose keys are not kept in a FileField (thumbnails live in a JSON list, vertical clips are
# returned to the caller): the key names the record, and that record's owner owns the file.
_KEY_PATTERNS: list[tuple[re.Pattern, Callable[[str], int | None]]] = [
    (re.compile(r"analysis/stream-(\d+)/"), _stream_owner),
    (re.compile(r"vertical/clip-(\d+)-"), _clip_owner),
    (re.compile(r"vertical/episode-(\d+)\.mp4$"), _episode_owner),
    (re.compile(r"proxies/clip-(\d+)\.mp4$"), _clip_owner),
]


def _stored_in_field_owner(key: str) -> int | None:
    from django.db.models import Q

    from episodes.models import Episode
    from streams.models import ClipAnalysis, Series, VideoClip

    lookups = [
        VideoClip.objects.filter(file=key).values_list("stream__owner_id", flat=True),
        Episode.objects.filter(rendered_file=key).values_list("owner_id", flat=True),
        Series.objects.filter(Q(intro_file=key) | Q(outro_file=key) | Q(overlay_file=key)).values_list(
            "owner_id", flat=True
        ),
        ClipAnalysis.objects.filter(Q(audio=key) | Q(waveform_image=key) | Q(waveform_peaks=key)).values_list(
            "clip__stream__owner_id", flat=True
        ),
    ]
    for lookup in lookups:
        owner_id = lookup.first()
        if owner_id is not None:
            return owner_id
    return None


def media_owner_id(key: str) -> int | None:
    """The id of the user whose record holds stored file ``key``; None when no record claims it."""
    key = clean_media_key(key)
    if key is None:
        return None
    owner_id = _stored_in_field_owner(key)
    if owner_id is not None:
        return owner_id
    for pattern, owner_of in _KEY_PATTERNS:
        match = pattern.match(key)
        if match:
            return owner_of(match[1])
    return None
