"""Reads for the embedding side of search: which clips' rows are out of date."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from streams.models import VideoClip
from transcription.search.models import SearchChunk


def clips_to_embed(
    *, model_name: str, dimensions: int = 0, stream_id: int | None = None, everything: bool = False
) -> QuerySet[VideoClip]:
    """Transcribed clips, in recording order, whose search rows another model made or that have none yet.

    ``dimensions`` (0: unknown until the model answers) also marks rows of the right model name but another
    length as stale: an endpoint asked for shorter vectors names its model the same. ``everything``: every
    transcribed clip, whatever made its rows.
    """
    clips = VideoClip.objects.filter(transcript__isnull=False).order_by("stream_id", "order")
    if stream_id is not None:
        clips = clips.filter(stream_id=stream_id)
    if everything:
        return clips
    other = ~Q(model_name=model_name)
    if dimensions:
        other |= ~Q(dimensions=dimensions)
    stale = SearchChunk.objects.filter(other, clip=OuterRef("pk"))
    embedded = SearchChunk.objects.filter(clip=OuterRef("pk"))
    return clips.filter(Exists(stale) | ~Exists(embedded))
