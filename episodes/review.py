"""The review page's writes: triage of proposed episodes and highlights, marks, transcript corrections.

Each service takes the acting user and refuses another user's rows as missing (``ReviewNotFound``: a 404,
never a hint that the row exists). Edits that cannot apply raise ``ReviewError`` with a message for the page.
Names start with ``review_`` so the integrator can tell them from ``episodes.proposals.services``.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from episodes.cutlist import CutListError
from episodes.models import Episode, Highlight
from episodes.review_core import (
    ClipSpan,
    ReviewError,
    highlight_in_clip,
    merge_tracks,
    realign_words,
    split_tracks,
    tracks_span,
    trim_tracks,
)
from episodes.services import episode_build_cut_list, episode_set_status
from pipeline.models import PipelineRun
from streams.models import Stream
from transcription.models import Segment

# Statuses the streamer may still reshape: once rendering starts, the tracks belong to that render.
EDITABLE = (
    Episode.Status.PROPOSED,
    Episode.Status.DRAFT,
    Episode.Status.READY,
    Episode.Status.RENDERED,
    Episode.Status.FAILED,
)
MARK_PRE_ROLL = 15.0
MARK_POST_ROLL = 15.0
MAX_TITLE = 200
MAX_SEGMENT_TEXT = 5000


class ReviewNotFound(LookupError):
    """No such row for this user."""


def _stream(user, stream_id: int) -> Stream:
    stream = Stream.objects.filter(id=stream_id, owner=user).first()
    if stream is None:
        raise ReviewNotFound(f"no stream {stream_id}")
    return stream


def _episode(user, episode_id: int, *, lock: bool = True) -> Episode:
    episodes = Episode.objects.select_for_update() if lock else Episode.objects
    episode = episodes.filter(id=episode_id, owner=user).first()
    if episode is None:
        raise ReviewNotFound(f"no episode {episode_id}")
    return episode


def _highlight(user, highlight_id: int) -> Highlight:
    highlight = Highlight.objects.select_related("stream").filter(id=highlight_id, stream__owner=user).first()
    if highlight is None:
        raise ReviewNotFound(f"no highlight {highlight_id}")
    return highlight


def _editable(episode: Episode) -> None:
    if episode.status not in EDITABLE:
        raise ReviewError(f"{episode.title}: it is {episode.status}; wait for that to finish")


def _check_within(stream: Stream, tracks: list[dict]) -> None:
    _, hi = tracks_span(tracks)
    if stream.duration and hi > stream.duration + 0.001:
        raise ReviewError(f"out point {hi:.3f} s is past the end of the stream ({stream.duration:.3f} s)")


def _save_tracks(episode: Episode, tracks: list[dict], **fields) -> Episode:
    """Store new tracks (and the cut list when the episode is accepted); marks it edited by the streamer."""
    _check_within(episode.stream, tracks)
    episode.tracks = tracks
    for name, value in fields.items():
        setattr(episode, name, value)
    episode.edited_at = timezone.now()
    episode.save(update_fields=["tracks", "edited_at", "updated_at", *fields])
    if episode.status != Episode.Status.PROPOSED:
        _build_cut_list(episode)
    return episode


def _build_cut_list(episode: Episode) -> None:
    try:
        episode_build_cut_list(episode=episode)
    except (CutListError, ValueError) as error:
        raise ReviewError(f"{episode.title}: cannot cut it from the recordings: {error}") from error


@transaction.atomic
def review_episode_accept(*, user, episode_id: int) -> Episode:
    """A proposal becomes a draft episode with its tracks and cut list (accepting twice is harmless)."""
    episode = _episode(user, episode_id)
    _editable(episode)
    tracks_span(episode.tracks)
    _build_cut_list(episode)
    episode_set_status(episode_id=episode.id, status=Episode.Status.DRAFT, only_from=[Episode.Status.PROPOSED])
    Episode.objects.filter(id=episode.id).update(edited_at=timezone.now())
    episode.refresh_from_db()
    return episode


@transaction.atomic
def review_episode_reject(*, user, episode_id: int) -> dict:
    """Delete a proposal; returns what it was, so the page can undo. Accepted episodes are not rejected."""
    episode = _episode(user, episode_id)
    if episode.status != Episode.Status.PROPOSED:
        raise ReviewError(f"{episode.title}: only proposals can be rejected (it is {episode.status})")
    snapshot = episode_snapshot(episode)
    episode.delete()
    return snapshot


def episode_snapshot(episode: Episode) -> dict:
    return {
        "id": episode.id,
        "title": episode.title,
        "description": episode.description,
        "order": episode.order,
        "tracks": episode.tracks,
        "chapters": episode.chapters,
        "status": episode.status,
    }


@transaction.atomic
def review_episode_rename(*, user, episode_id: int, title: str) -> Episode:
    title = (title or "").strip()
    if not title:
        raise ReviewError("title must not be empty")
    if len(title) > MAX_TITLE:
        raise ReviewError(f"title is {len(title)} characters; at most {MAX_TITLE}")
    episode = _episode(user, episode_id)
    episode.title = title
    episode.edited_at = timezone.now()
    episode.save(update_fields=["title", "edited_at", "updated_at"])
    return episode


@transaction.atomic
def review_episode_trim(*, user, episode_id: int, start: float | None = None, end: float | None = None) -> Episode:
    """Move the in and/or out point (stream seconds), e.g. to the playhead."""
    if start is None and end is None:
        raise ReviewError("give start and/or end")
    episode = _episode(user, episode_id)
    _editable(episode)
    return _save_tracks(episode, trim_tracks(episode.tracks, start=start, end=end))


@transaction.atomic
def review_episode_split(*, user, episode_id: int, at: float) -> tuple[Episode, Episode]:
    """Two episodes from one at stream time ``at``; the second is new, of the same status, right after it."""
    episode = _episode(user, episode_id)
    _editable(episode)
    before, after = split_tracks(episode.tracks, at)
    Episode.objects.filter(stream=episode.stream, order__gt=episode.order).update(order=F("order") + 1)
    second = Episode.objects.create(
        owner=episode.owner,
        stream=episode.stream,
        project=episode.project,
        order=episode.order + 1,
        title=f"{episode.title} (part 2)"[:MAX_TITLE],
        description=episode.description,
        tracks=after,
        status=Episode.Status.PROPOSED,
        edited_at=timezone.now(),
    )
    _save_tracks(episode, before)
    if episode.status != Episode.Status.PROPOSED:
        _build_cut_list(second)
        episode_set_status(episode_id=second.id, status=Episode.Status.DRAFT)
        second.refresh_from_db()
    return episode, second


@transaction.atomic
def review_episodes_merge(*, user, episode_id: int, other_id: int) -> tuple[Episode, dict]:
    """One episode spanning two adjacent ones on the same stream; the later one is deleted (its snapshot returned).

    Adjacent: no other episode of the stream starts between them.
    """
    if episode_id == other_id:
        raise ReviewError("an episode cannot merge with itself")
    a, b = _episode(user, episode_id), _episode(user, other_id)
    if a.stream_id != b.stream_id:
        raise ReviewError("only episodes of the same stream merge")
    for episode in (a, b):
        _editable(episode)
    first, second = sorted((a, b), key=lambda e: tracks_span(e.tracks)[0])
    lo, hi = tracks_span(first.tracks)[0], tracks_span(second.tracks)[0]
    between = [
        e.title
        for e in Episode.objects.filter(stream_id=a.stream_id).exclude(id__in=[a.id, b.id])
        if e.tracks and lo < tracks_span(e.tracks)[0] < hi
    ]
    if between:
        raise ReviewError(f"not adjacent: {', '.join(between)} lies between them")
    snapshot = episode_snapshot(second)
    tracks = merge_tracks(first.tracks, second.tracks)
    second.delete()
    return _save_tracks(first, tracks), snapshot


@transaction.atomic
def review_episode_restore(*, user, stream_id: int, snapshot: dict) -> Episode:
    """Undo: put an episode back as it was (recreated when it was rejected or merged away)."""
    stream = _stream(user, stream_id)
    status = snapshot.get("status", Episode.Status.PROPOSED)
    episode_id, order = snapshot.get("id"), snapshot.get("order", 1)
    for name, value in (("id", episode_id), ("order", order)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31):
            raise ReviewError(f"{name} must be a positive integer (got {value!r})")
    if not isinstance(snapshot.get("title", ""), str):
        raise ReviewError("title must be a string")
    if status not in (Episode.Status.PROPOSED, Episode.Status.DRAFT):
        raise ReviewError(f"only a proposal or a draft can be restored (got {status!r})")
    title = str(snapshot.get("title") or "").strip()[:MAX_TITLE] or "Episode"
    tracks = snapshot.get("tracks")
    episode = Episode.objects.select_for_update().filter(id=episode_id, owner=user, stream=stream).first()
    if episode is None:
        episode = Episode(owner=user, stream=stream, order=order or 1, status=Episode.Status.PROPOSED)
    else:
        _editable(episode)
    episode.title = title
    if "description" in snapshot:
        episode.description = str(snapshot["description"] or "")
    if "chapters" in snapshot:
        episode.chapters = snapshot["chapters"] or []
    episode.tracks = tracks
    try:
        episode.full_clean(exclude=["owner", "stream", "project", "cut_list", "rendered_file"])
    except Exception as error:  # noqa: BLE001  (ValidationError: its messages go back to the page)
        raise ReviewError(f"snapshot: {'; '.join(getattr(error, 'messages', [str(error)]))}") from error
    _check_within(stream, tracks)
    episode.edited_at = timezone.now()
    episode.save()
    if status == Episode.Status.PROPOSED:
        Episode.objects.filter(id=episode.id).update(cut_list={})
        episode_set_status(episode_id=episode.id, status=status)
    else:
        _build_cut_list(episode)
        episode_set_status(episode_id=episode.id, status=status)
    episode.refresh_from_db()
    return episode


# --- highlights -------------------------------------------------------------------------------------------------
def review_highlight_set_status(*, user, highlight_id: int, status: str) -> Highlight:
    if status not in Highlight.Status.values:
        raise ReviewError(f"status must be one of {', '.join(Highlight.Status.values)} (got {status!r})")
    highlight = _highlight(user, highlight_id)
    Highlight.objects.filter(id=highlight.id).update(status=status, edited_at=timezone.now(), updated_at=timezone.now())
    highlight.refresh_from_db()
    return highlight


def review_highlight_mark(*, user, stream_id: int, time: float, title: str = "") -> Highlight:
    """A moment the streamer marks at ``time`` (stream seconds), with pre- and post-roll: accepted at once."""
    stream = _stream(user, stream_id)
    if not 0 <= time <= stream.duration:
        raise ReviewError(f"time must lie within the stream (0..{stream.duration:.3f} s, got {time})")
    return Highlight.objects.create(
        stream=stream,
        start=round(max(0.0, time - MARK_PRE_ROLL), 3),
        end=round(min(stream.duration, time + MARK_POST_ROLL), 3),
        peak=round(time, 3),
        title=(title or "").strip()[:MAX_TITLE],
        source=Highlight.Source.MANUAL,
        status=Highlight.Status.ACCEPTED,
        marked_by=user.get_username()[:100],
        reason="marked by hand on the review page",
        edited_at=timezone.now(),
    )


def review_highlight_unmark(*, user, highlight_id: int) -> None:
    """Undo of a mark: only hand-made marks are deleted; scored ones are rejected instead."""
    highlight = _highlight(user, highlight_id)
    if highlight.source != Highlight.Source.MANUAL:
        raise ReviewError("only a moment marked by hand can be deleted; reject a proposed one")
    highlight.delete()


def review_highlight_vertical_start(*, user, highlight_id: int) -> tuple[PipelineRun, str]:
    """Queue a vertical clip of the moment (in the recording holding its peak); returns the run and the
    storage key the clip will have."""
    from rendering.vertical_service import vertical_clip_start

    highlight = _highlight(user, highlight_id)
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
        episode = _episode(user, episode_id)
        if episode.status == Episode.Status.PROPOSED:
            raise ReviewError(f"{episode.title}: accept it before rendering")
        _editable(episode)
        _build_cut_list(episode)
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
        _refresh_embeddings(user, transcript.clip)
    return segment


def _refresh_embeddings(user, clip) -> None:
    try:
        from transcription.search.services import clip_embed  # noqa: F401  (present once search is built)
    except ImportError:
        return
    from pipeline.workflows import start_stream_processing

    start_stream_processing(clip.stream_id, user, steps=("embed",), clip_ids=[clip.id])
