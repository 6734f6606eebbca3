"""Chat reads that need care: which messages belong to a stream, and its activity series."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet

from chat.activity import WINDOW_SECONDS, ActivityWindow, activity_series
from chat.models import ChatMessage


def stream_chat_messages(stream) -> QuerySet[ChatMessage]:
    """Messages imported for the stream, plus the owner's live-captured ones sent while it was recorded."""
    linked = Q(stream=stream)
    if stream.recorded_at is not None:
        end = stream.recorded_at + timedelta(seconds=stream.duration)
        linked |= Q(stream__isnull=True, sent_at__gte=stream.recorded_at, sent_at__lt=end)
    return ChatMessage.objects.filter(owner_id=stream.owner_id).filter(linked)


def stream_chat_activity(stream, *, window: float = WINDOW_SECONDS) -> list[ActivityWindow]:
    """Messages and distinct chatters per ``window`` seconds of the stream timeline (empty windows included)."""
    if stream.recorded_at is None:
        return []
    rows = stream_chat_messages(stream).values_list("sent_at", "chatter_user_id", "chatter_login")
    events = (
        ((sent_at - stream.recorded_at).total_seconds(), chatter_id or login) for sent_at, chatter_id, login in rows
    )
    return activity_series(events, duration=stream.duration, window=window)
