"""Highlights marked by people: ``!clip`` / ``!highlight`` in chat from the streamer or a moderator, and
marks made on the review page or through the API. A re-run of proposals never removes them."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from chat.models import ChatMessage
from chat.selectors import stream_chat_messages
from episodes.models import Highlight
from episodes.proposals.naming import is_mark_command, mark_note, may_mark
from episodes.proposals.selectors import clip_clocks, stream_clips, stream_settings
from episodes.proposals.services import ProposalError
from episodes.proposals.spans import wall_to_stream
from streams.models import Stream

log = logging.getLogger(__name__)


def _seconds(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProposalError(f"{name} must be a number of seconds")
    if not math.isfinite(value):
        raise ProposalError(f"{name} must be a finite number of seconds")
    return float(value)


def mark_range(*, stream: Stream, at=None, start=None, end=None) -> tuple[float, float, float]:
    """``(start, end, peak)`` of a mark: a moment ``at`` with the series' pre- and post-roll around it, or
    an explicit ``start``-``end``; ProposalError when it is not on the stream."""
    duration = stream.duration
    if at is not None:
        if start is not None or end is not None:
            raise ProposalError("give either at, or start and end, not both")
        at = _seconds(at, "at")
        if not 0 <= at <= duration:
            raise ProposalError(f"at {at:.3f} s is outside the stream (0-{duration:.3f} s)")
        config = stream_settings(stream)
        return round(max(0.0, at - config.pre_roll), 3), round(min(duration, at + config.post_roll), 3), round(at, 3)
    if start is None or end is None:
        raise ProposalError("give at (one moment) or start and end (seconds on the stream)")
    start, end = _seconds(start, "start"), _seconds(end, "end")
    if not 0 <= start < end <= duration:
        raise ProposalError(f"{start:.3f}-{end:.3f} s must be a range inside the stream (0-{duration:.3f} s)")
    return round(start, 3), round(end, 3), round((start + end) / 2, 3)


def highlight_mark(
    *,
    stream: Stream,
    at=None,
    start=None,
    end=None,
    source: str = Highlight.Source.MANUAL,
    marked_by: str = "",
    title: str = "",
    chat_message_id: str = "",
) -> Highlight:
    """A highlight a person chose. A chat mark is stored once per message (a redelivery finds the first);
    a manual mark is accepted at once, a moderator's ``!clip`` waits for the streamer's review."""
    start, end, peak = mark_range(stream=stream, at=at, start=start, end=end)
    if not isinstance(title, str) or len(title) > 200:
        raise ProposalError("title must be text of at most 200 characters")
    by_chat = source == Highlight.Source.CHAT_MARK
    reason = f"!clip in chat by {marked_by}" if by_chat else f"marked by {marked_by or 'hand'}"
    fields = {
        "start": start,
        "end": end,
        "peak": peak,
        "title": title.strip(),
        "source": source,
        "status": Highlight.Status.PROPOSED if by_chat else Highlight.Status.ACCEPTED,
        "marked_by": marked_by[:100],
        "reason": reason[:500],
        "parts": {"mark": {"by": marked_by[:100], "source": source}},
        "edited_at": None if by_chat else timezone.now(),
    }
    if not chat_message_id:
        return Highlight.objects.create(stream=stream, **fields)
    try:
        with transaction.atomic():
            return Highlight.objects.create(stream=stream, chat_message_id=chat_message_id, **fields)
    except IntegrityError:
        return Highlight.objects.get(stream=stream, chat_message_id=chat_message_id)


def _streams_at(owner_id: int, messages: list[ChatMessage]) -> dict[int, Stream]:
    """The owner's streams that were being recorded when these messages were sent."""
    earliest = min(message.sent_at for message in messages)
    latest = max(message.sent_at for message in messages)
    # A stream starts before the messages sent during it; none runs for two days.
    since = earliest - timedelta(days=2)
    candidates = Stream.objects.filter(owner_id=owner_id, recorded_at__lte=latest, recorded_at__gte=since)
    return {stream.id: stream for stream in candidates.select_related("series")}


def highlight_marks_from_chat(*, messages: Iterable[ChatMessage]) -> list[Highlight]:
    """Marks from stored messages: ``!clip`` or ``!highlight`` from the streamer or a moderator, at the
    time sent minus the series' ``mark_lag``, on the stream it was sent during (its own, for imported chat).
    A message sent while no stream of the owner has been recorded yet marks nothing now: the propose step
    reads the stream's chat again once the recording is in."""
    marks = [
        message
        for message in messages
        if is_mark_command(message.text)
        and may_mark(
            chatter_user_id=message.chatter_user_id,
            broadcaster_user_id=message.broadcaster_user_id,
            badges=message.badges or [],
        )
    ]
    made = []
    by_owner: dict[int, list[ChatMessage]] = {}
    for message in marks:
        by_owner.setdefault(message.owner_id, []).append(message)
    for owner_id, owned in by_owner.items():
        streams = _streams_at(owner_id, owned)
        for message in owned:
            candidates = [message.stream] if message.stream_id else list(streams.values())
            for stream in candidates:
                at = _stream_time(stream, message)
                if at is None:
                    continue
                try:
                    lag = stream_settings(stream).mark_lag
                    made.append(
                        highlight_mark(
                            stream=stream,
                            at=max(0.0, min(stream.duration, at - lag)),
                            source=Highlight.Source.CHAT_MARK,
                            marked_by=message.chatter_login or message.chatter_display_name or message.chatter_user_id,
                            title=mark_note(message.text),
                            chat_message_id=message.twitch_message_id,
                        )
                    )
                except ValueError as error:  # the series' settings are unusable: the message stays stored
                    log.warning("chat mark %s on stream %s not made: %s", message.twitch_message_id, stream.id, error)
                break
    return made


def _stream_time(stream: Stream, message: ChatMessage) -> float | None:
    origin = stream.recorded_at.timestamp() if stream.recorded_at else None
    return wall_to_stream(message.sent_at.timestamp(), clip_clocks(stream_clips(stream)), stream_start=origin)


def stream_chat_marks_sync(*, stream: Stream) -> int:
    """Marks for every ``!clip`` in the stream's stored chat that has none yet (live chat arrives before
    the recording it belongs to is ingested). Returns how many marks the stream has from chat."""
    commands = stream_chat_messages(stream).filter(text__iregex=r"^\s*!(clip|highlight)")
    for message in commands:
        message.stream = stream  # place it on this stream even when it was captured live
    highlight_marks_from_chat(messages=list(commands))
    return stream.highlights.filter(source=Highlight.Source.CHAT_MARK).count()


EDITABLE_FIELDS = ("title", "status", "start", "end")


def highlight_update(*, highlight: Highlight, **changes) -> Highlight:
    """The streamer's edit of a highlight (title, status, start, end); marked edited, so kept by re-runs."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ProposalError(f"cannot change {', '.join(sorted(unknown))} (only {', '.join(EDITABLE_FIELDS)})")
    if "status" in changes and changes["status"] not in Highlight.Status.values:
        raise ProposalError(f"status must be one of {', '.join(Highlight.Status.values)}")
    if "title" in changes and (not isinstance(changes["title"], str) or len(changes["title"]) > 200):
        raise ProposalError("title must be text of at most 200 characters")
    if "start" in changes or "end" in changes:
        start, end, _ = mark_range(
            stream=highlight.stream,
            start=changes.get("start", highlight.start),
            end=changes.get("end", highlight.end),
        )
        changes.update(start=start, end=end)
        if not start <= highlight.peak <= end:
            changes["peak"] = round((start + end) / 2, 3)
    changes["edited_at"] = timezone.now()
    for name, value in changes.items():
        setattr(highlight, name, value)
    highlight.save(update_fields=[*changes, "updated_at"])
    return highlight


def highlight_unmark(*, highlight: Highlight) -> None:
    """Undo of a mark made by hand: it is deleted. Any other highlight is rejected instead (deleting a scored
    one would let the next re-run propose it again)."""
    if highlight.source != Highlight.Source.MANUAL:
        raise ProposalError("only a moment marked by hand can be deleted; reject a proposed one")
    highlight.delete()
