"""The review page's writes that have no counterpart in ``episodes.proposals``: the owner-scoped look-ups the
page's API uses before calling the proposals services, undo of a reshaping edit (``review_episode_restore``),
transcript corrections, and the render and vertical-clip starters.

Triage itself (accept, reject, reopen, rename, trim, split, merge, marks, highlight status) is
``episodes.proposals.services`` and ``episodes.proposals.marks``: one implementation, whichever API calls it.
Another user's rows read as missing (``ReviewNotFound``: a 404, never a hint that the row exists); edits that
cannot apply raise ``ReviewError`` or ``ProposalError`` with a message for the page.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from episodes.models import Episode, Highlight
from episodes.proposals import services as proposals
from episodes.review_core import ClipSpan, ReviewError, highlight_in_clip, realign_words
from pipeline.models import PipelineRun
from streams.models import Stream
from transcription.models import Segment
from transcription.search.services import clip_embed_again

MAX_TITLE = 200
MAX_SEGMENT_TEXT = 5000
# What a render may start from: an accepted episode, or one rendered (or failed) before.
RENDERABLE = (Episode.Status.DRAFT, Episode.Status.READY, Episode.Status.RENDERED, Episode.Status.FAILED)
RESTORABLE = (Episode.Status.PROPOSED, Episode.Status.DRAFT, Episode.Status.REJECTED)


class ReviewNotFound(LookupError):
    """No such row for this user."""


def review_stream_owned(user, stream_id: int) -> Stream:
    stream = Stream.objects.filter(id=stream_id, owner=user).first()
    if stream is None:
        raise ReviewNotFound(f"no stream {stream_id}")
    return stream


def review_episode_owned(user, episode_id: int) -> Episode:
    episode = Episode.objects.select_related("stream").filter(id=episode_id, owner=user).first()
    if episode is None:
        raise ReviewNotFound(f"no episode {episode_id}")
    return episode


def review_highlight_owned(user, highlight_id: int) -> Highlight:
    highlight = Highlight.objects.select_related("stream").filter(id=highlight_id, stream__owner=user).first()
    if highlight is None:
        raise ReviewNotFound(f"no highlight {highlight_id}")
    return highlight


def episode_snapshot(episode: Episode) -> dict:
    """What ``review_episode_restore`` needs to put the episode back as it is now (the page's undo)."""
    return {
        "id": episode.id,
        "title": episode.title,
        "description": episode.description,
        "order": episode.order,
        "tracks": episode.tracks,
        "chapters": episode.chapters,
        "status": episode.status,
    }


def _positive(value, name: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31):
        raise ReviewError(f"{name} must be a positive integer (got {value!r})")


@transaction.atomic
def review_episode_restore(*, user, stream_id: int, snapshot: dict) -> Episode:
    """Undo of a trim, split or merge: the episode's tracks, title, description and chapters as in
    ``snapshot``. An episode that is gone (merged away) is made again, and reaches its status through the
    proposals services (accept for a draft, reject for a rejected one). Accept and reject are undone with
    ``episode_reopen``, not here."""
    stream = review_stream_owned(user, stream_id)
    status = snapshot.get("status", Episode.Status.PROPOSED)
    _positive(snapshot.get("id"), "id")
    _positive(snapshot.get("order"), "order")
    if not isinstance(snapshot.get("title", ""), str):
        raise ReviewError("title must be a string")
    if status not in RESTORABLE:
        raise ReviewError(f"only a proposal, a draft or a rejected proposal can be restored (got {status!r})")
    episode = Episode.objects.select_for_update().filter(id=snapshot.get("id"), owner=user, stream=stream).first()
    made = episode is None
    if made:
        episode = Episode(owner=user, stream=stream, order=snapshot.get("order") or 1, status=Episode.Status.PROPOSED)
    elif episode.status not in proposals.EDITABLE:
        raise ReviewError(f"{episode.title}: it is {episode.status}; wait for that to finish")
    episode.title = str(snapshot.get("title") or "").strip()[:MAX_TITLE] or "Episode"
    if "description" in snapshot:
        episode.description = str(snapshot["description"] or "")
    if "chapters" in snapshot:
        episode.chapters = snapshot["chapters"] or []
    episode.tracks = snapshot.get("tracks")
    try:
        episode.full_clean(exclude=["owner", "stream", "project", "cut_list", "rendered_file"])
    except ValidationError as error:
        raise ReviewError(f"snapshot: {'; '.join(error.messages)}") from error
    end = max((track["end"] for track in episode.tracks), default=0.0)
    if end > stream.duration + 0.001:
        raise ReviewError(f"out point {end:.3f} s is past the end of the stream ({stream.duration:.3f} s)")
    episode.edited_at = timezone.now()
    episode.save()
    if made and status == Episode.Status.DRAFT:
        return proposals.episode_accept(episode=episode)
    if made and status == Episode.Status.REJECTED:
        return proposals.episode_reject(episode=episode)
    if episode.status in proposals.NEEDS_CUT_LIST:
        proposals.episode_cut_list_refresh(episode)
    return episode


def review_highlight_vertical_start(*, user, highlight_id: int) -> tuple[PipelineRun, str]:
    """Queue a vertical clip of the moment (in the recording holding its peak); returns the run and the
    storage key the clip will have."""
    from rendering.vertical_service import vertical_clip_start

    highlight = review_highlight_owned(user, highlight_id)
    clips = [ClipSpan(c.id, c.start_time, c.duration) for c in highlight.stream.clips.all()]
    clip, start, end = highlight_in_clip(clips, highlight.start, highlight.end, highlight.peak)
    return vertical_clip_start(owner=user, clip_id=clip.id, start=start, end=end)


def review_episode_render_start(*, user, episode_id: int, preset: str | None = None) -> PipelineRun:
    """Render an accepted episode from its current tracks (the cut list is rebuilt first) with ``preset``
    (``rendering.argv.PRESETS``; the site's default when None)."""
    from rendering.argv import PRESETS
    from rendering.services import RenderError, episode_render_start

    if preset is not None and preset not in PRESETS:
        raise ReviewError(f"unknown render preset {preset!r} (choose from {', '.join(PRESETS)})")
    with transaction.atomic():
        episode = Episode.objects.select_for_update().filter(id=episode_id, owner=user).first()
        if episode is None:
            raise ReviewNotFound(f"no episode {episode_id}")
        if episode.status in (Episode.Status.PROPOSED, Episode.Status.REJECTED):
            raise ReviewError(f"{episode.title}: accept it before rendering")
        if episode.status not in RENDERABLE:
            raise ReviewError(f"{episode.title}: it is {episode.status}; wait for that to finish")
        proposals.episode_cut_list_refresh(episode)
    try:
        return episode_render_start(episode=episode, preset=preset)
    except RenderError as error:
        raise ReviewError(str(error)) from error


# --- transcript -----------------------------------------------------------------------------------------------
def review_segment_correct(*, user, segment_id: int, text: str) -> Segment:
    """Store the streamer's wording of a segment; its words keep their timings, so subtitles follow, and the
    clip's search rows are rebuilt (the ``embed`` step for that clip)."""
    text = " ".join((text or "").split())
    if not text:
        raise ReviewError("text must not be empty (delete nothing by correcting it to blank)")
    if len(text) > MAX_SEGMENT_TEXT:
        raise ReviewError(f"text is {len(text)} characters; at most {MAX_SEGMENT_TEXT}")
    with transaction.atomic():
        segment = (
            Segment.objects.select_for_update()
            .select_related("transcript__clip__stream")
            .filter(id=segment_id, transcript__clip__stream__owner=user)
            .first()
        )
        if segment is None:
            raise ReviewNotFound(f"no segment {segment_id}")
        if segment.text.strip() == text:
            return segment
        segment.text = text
        segment.words = realign_words(segment.words, text)
        segment.save(update_fields=["text", "words"])
        transcript = segment.transcript
        transcript.text = " ".join(transcript.segments.order_by("index").values_list("text", flat=True))
        transcript.save(update_fields=["text", "updated_at"])
        clip_embed_again(clip=transcript.clip)  # search finds the corrected words
    return segment

