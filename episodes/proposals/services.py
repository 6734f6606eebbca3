"""Proposals: the propose step (episodes from speech, highlights from the signals) and the streamer's edits
of a proposal (accept, reject, reopen, rename, trim, split, merge). Marks live in ``marks.py``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from episodes.cutlist import CutListError
from episodes.models import Episode, Highlight
from episodes.proposals.chapters import episode_chapters
from episodes.proposals.highlights import stream_highlights
from episodes.proposals.naming import DEFAULT_TEMPLATE, episode_title
from episodes.proposals.selectors import (
    ClipSummaryView,
    stream_clip_silences,
    stream_clips,
    stream_data,
    stream_settings,
    stream_summaries,
)
from episodes.proposals.spans import (
    RangeError,
    chapters_for,
    chapters_on_stream,
    merge_tracks,
    speech_spans,
    split_tracks,
    stream_silences,
    tracks_overlap,
    trim_tracks,
)
from episodes.services import episode_build_cut_list, episode_set_status
from streams.models import Stream, VideoClip


class ProposalError(ValueError):
    """An edit that cannot be made; the message is for the streamer (the API answers 400 with it)."""


@dataclass(frozen=True)
class ProposeResult:
    episodes: int  # proposed now
    episodes_kept: int  # accepted, rejected or edited by the streamer: left as they were
    highlights: int  # scored or from the summary, proposed now
    highlights_kept: int
    chat_lag: float | None


def _report(progress: Callable[[float], None] | None, fraction: float) -> None:
    if progress is not None:
        progress(fraction)


def _kept_episodes(stream: Stream):
    """What a re-run never touches: anything not a plain proposal, and proposals the streamer edited."""
    return Episode.objects.filter(stream=stream).exclude(status=Episode.Status.PROPOSED, edited_at__isnull=True)


def stream_propose(*, stream_id: int, progress: Callable[[float], None] | None = None) -> ProposeResult:
    """Replace the stream's proposed episodes and automatic highlights (never an accepted or edited one,
    never a mark), from its analysis, transcript, chat and summaries."""
    from episodes.proposals.marks import stream_chat_marks_sync

    stream = Stream.objects.select_related("series", "owner").get(id=stream_id)
    config = stream_settings(stream)
    clips = stream_clips(stream)
    if not clips:
        raise ValueError(f"stream {stream.id} ({stream.title}) has no clips")
    summaries = stream_summaries(clips)
    spans = speech_spans(
        stream_silences(stream_clip_silences(clips)),
        stream.duration,
        min_silence=config.min_silence,
        min_speech=config.min_speech,
    )
    _report(progress, 0.1)
    data = stream_data(stream, clips, summaries)
    _report(progress, 0.3)
    highlights, scores = stream_highlights(data, config)
    _report(progress, 0.8)
    with transaction.atomic():
        Stream.objects.select_for_update().filter(id=stream.id).first()  # one re-run at a time per stream
        kept = list(_kept_episodes(stream))
        Episode.objects.filter(stream=stream, status=Episode.Status.PROPOSED, edited_at__isnull=True).delete()
        fresh = [
            (start, end)
            for start, end in spans
            if not any(tracks_overlap([{"start": start, "end": end}], episode.tracks) for episode in kept)
        ]
        episodes = _proposed_episodes(stream, fresh, kept, clips, summaries, data.words, config)
        Episode.objects.bulk_create(episodes)

        automatic = Q(source__in=[Highlight.Source.SCORED, Highlight.Source.SUMMARY])
        replaceable = automatic & Q(status=Highlight.Status.PROPOSED, edited_at__isnull=True)
        stream.highlights.filter(replaceable).delete()
        kept_highlights = list(stream.highlights.all())
        rows = [
            _highlight_row(stream, item)
            for item in highlights
            if not any(item.start < other.end and other.start < item.end for other in kept_highlights)
        ]
        Highlight.objects.bulk_create(rows)
    stream_chat_marks_sync(stream=stream)
    _report(progress, 1.0)
    return ProposeResult(len(episodes), len(kept), len(rows), len(kept_highlights), scores.chat_lag)


def _proposed_episodes(stream, spans, kept, clips, summaries, words, config) -> list[Episode]:
    everything = sorted(
        [(start, None) for start, _ in spans] + [(e.tracks[0]["start"], e) for e in kept if e.tracks],
        key=lambda item: item[0],
    )
    order_of = {start: index + 1 for index, (start, episode) in enumerate(everything) if episode is None}
    template = stream.series.episode_title_template if stream.series_id else DEFAULT_TEMPLATE
    date = f"{stream.recorded_at:%Y-%m-%d}" if stream.recorded_at else ""
    views = [_summary_for(start, end, clips, summaries) for start, end in spans]
    named = Counter(view.title for view in views if view and view.title)
    seen: Counter = Counter()
    moments = [(m.start, m.title) for v in summaries.values() for m in v.moments]
    episodes = []
    for (start, end), view in zip(spans, views, strict=True):
        order = order_of[start]
        if view and view.title:
            seen[view.title] += 1
            title = view.title if named[view.title] == 1 else f"{view.title} ({seen[view.title]})"
        else:
            series = stream.series.name if stream.series_id else ""
            title = episode_title(template, title=stream.title, series=series, order=order, date=date)
        chapters = episode_chapters(
            words, start, end, window=config.chapter_window, min_length=config.chapter_min, moments=moments
        )
        episodes.append(
            Episode(
                owner_id=stream.owner_id,
                stream=stream,
                order=order,
                title=title[:200],
                description=view.text if view else "",
                tracks=[{"start": start, "end": end}],
                chapters=chapters,
                status=Episode.Status.PROPOSED,
            )
        )
    return episodes


def _summary_for(start: float, end: float, clips: list[VideoClip], summaries: dict) -> ClipSummaryView | None:
    """The summary of the clip the span lies mostly in, if it has one."""
    best, best_overlap = None, 0.0
    for clip in clips:
        overlap = min(end, clip.start_time + clip.duration) - max(start, clip.start_time)
        if overlap > best_overlap and clip.id in summaries:
            best, best_overlap = summaries[clip.id], overlap
    return best


def _highlight_row(stream: Stream, item) -> Highlight:
    summary_led = "summary" in item.parts and item.parts["summary"]["share"] >= max(
        part["share"] for part in item.parts.values()
    )
    return Highlight(
        stream=stream,
        start=item.start,
        end=item.end,
        peak=item.peak,
        score=item.score,
        parts=item.parts,
        reason=item.reason,
        title=item.parts.get("summary", {}).get("title", "")[:200],
        source=Highlight.Source.SUMMARY if summary_led else Highlight.Source.SCORED,
    )


# --- the streamer's edits -------------------------------------------------------------------------------
EDITABLE = (Episode.Status.PROPOSED, Episode.Status.REJECTED, Episode.Status.DRAFT, Episode.Status.READY)
NEEDS_CUT_LIST = (Episode.Status.DRAFT, Episode.Status.READY)


def _check_editable(episode: Episode, action: str) -> None:
    if episode.status not in EDITABLE:
        raise ProposalError(f"cannot {action} episode {episode.id}: it is {episode.status}")


def _touch(episode: Episode, **fields) -> None:
    """Save the streamer's change (never the status: ``episode_set_status`` owns that) and mark it edited,
    so a re-run of proposals leaves it alone."""
    fields["edited_at"] = timezone.now()
    for name, value in fields.items():
        setattr(episode, name, value)
    episode.save(update_fields=[*fields, "updated_at"])


def episode_cut_list_refresh(episode: Episode) -> None:
    """Rebuild the cut list from the tracks; ProposalError (for the streamer) when the recordings cannot
    give one."""
    try:
        episode_build_cut_list(episode=episode)
    except (ValueError, CutListError) as error:
        raise ProposalError(f"episode {episode.id}: no cut list can be made from its tracks: {error}") from None


@transaction.atomic
def episode_accept(*, episode: Episode, title: str | None = None) -> Episode:
    """A proposal becomes a draft episode: its tracks, its cut list over the stream's clips, edited."""
    if episode.status not in (Episode.Status.PROPOSED, Episode.Status.REJECTED):
        raise ProposalError(f"only a proposal can be accepted; episode {episode.id} is {episode.status}")
    if title is not None:
        _validate_title(title)
        episode.title = title.strip()
    episode_cut_list_refresh(episode)
    _touch(episode, title=episode.title)
    episode_set_status(
        episode_id=episode.id,
        status=Episode.Status.DRAFT,
        only_from=[Episode.Status.PROPOSED, Episode.Status.REJECTED],
    )
    episode.refresh_from_db()
    return episode


def episode_reject(*, episode: Episode) -> Episode:
    """The streamer does not want it: kept as rejected, so a re-run does not propose it again."""
    if episode.status != Episode.Status.PROPOSED:
        raise ProposalError(f"only a proposal can be rejected; episode {episode.id} is {episode.status}")
    _touch(episode)
    episode_set_status(episode_id=episode.id, status=Episode.Status.REJECTED, only_from=[Episode.Status.PROPOSED])
    episode.refresh_from_db()
    return episode


def episode_reopen(*, episode: Episode) -> Episode:
    """Undo an accept or a reject: a proposal again (still marked edited, so a re-run keeps it)."""
    if episode.status not in (Episode.Status.REJECTED, Episode.Status.DRAFT):
        raise ProposalError(
            f"only a rejected proposal or a draft can be reopened; episode {episode.id} is {episode.status}"
        )
    _touch(episode, cut_list={})
    episode_set_status(
        episode_id=episode.id,
        status=Episode.Status.PROPOSED,
        only_from=[Episode.Status.REJECTED, Episode.Status.DRAFT],
    )
    episode.refresh_from_db()
    return episode


def _validate_title(title) -> None:
    if not isinstance(title, str) or not title.strip():
        raise ProposalError("a title is required")
    if len(title.strip()) > 200:
        raise ProposalError(f"a title has at most 200 characters (got {len(title.strip())})")


def episode_rename(*, episode: Episode, title: str) -> Episode:
    _validate_title(title)
    _touch(episode, title=title.strip())
    return episode


def _number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ProposalError(f"{name} must be a number of seconds")
    try:
        number = float(value)
    except ValueError:
        raise ProposalError(f"{name} must be a number of seconds, got {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ProposalError(f"{name} must be a finite number of seconds")
    return number


@transaction.atomic
def episode_trim(*, episode: Episode, start, end) -> Episode:
    """Move the episode's in and out points (stream seconds); its cut list follows when it has one."""
    _check_editable(episode, "trim")
    start, end = _number(start, "start"), _number(end, "end")
    try:
        tracks = trim_tracks(episode.tracks, start, end, duration=episode.stream.duration)
    except RangeError as error:
        raise ProposalError(str(error)) from None
    chapters = chapters_for(tracks, chapters_on_stream(episode.tracks, episode.chapters))
    _touch(episode, tracks=tracks, chapters=chapters)
    if episode.status in NEEDS_CUT_LIST:
        episode_cut_list_refresh(episode)
    return episode


@transaction.atomic
def episode_split(*, episode: Episode, at) -> tuple[Episode, Episode]:
    """Two episodes from one at stream second ``at``: the first keeps the row, the second is new."""
    _check_editable(episode, "split")
    at = _number(at, "at")
    try:
        first, second = split_tracks(episode.tracks, at)
    except RangeError as error:
        raise ProposalError(str(error)) from None
    on_stream = chapters_on_stream(episode.tracks, episode.chapters)
    other = Episode.objects.create(
        owner_id=episode.owner_id,
        project_id=episode.project_id,
        stream_id=episode.stream_id,
        order=episode.order + 1,
        title=f"{episode.title[:190]} (part 2)",
        description=episode.description,
        tracks=second,
        chapters=chapters_for(second, on_stream),
        status=episode.status,
        edited_at=timezone.now(),
    )
    _touch(episode, tracks=first, chapters=chapters_for(first, on_stream))
    if episode.status in NEEDS_CUT_LIST:
        episode_cut_list_refresh(episode)
        episode_cut_list_refresh(other)
    return episode, other


@transaction.atomic
def episode_merge(*, episode: Episode, other: Episode) -> Episode:
    """``other`` joins ``episode`` (both of the same stream and owner): tracks united, the silence between
    them still cut; ``other`` is deleted."""
    if other.id == episode.id:
        raise ProposalError("an episode cannot be merged with itself")
    if other.owner_id != episode.owner_id or other.stream_id != episode.stream_id:
        raise ProposalError(f"episodes {episode.id} and {other.id} are from different streams: they cannot be merged")
    _check_editable(episode, "merge")
    _check_editable(other, "merge")
    tracks = merge_tracks(episode.tracks, other.tracks)
    on_stream = chapters_on_stream(episode.tracks, episode.chapters) + chapters_on_stream(other.tracks, other.chapters)
    # A split copies the description to both parts: merging them back must not say it twice.
    texts = dict.fromkeys(text.strip() for text in (episode.description, other.description) if text.strip())
    description = "\n\n".join(texts)
    other.delete()
    _touch(episode, tracks=tracks, chapters=chapters_for(tracks, on_stream), description=description)
    if episode.status in NEEDS_CUT_LIST:
        episode_cut_list_refresh(episode)
    return episode
