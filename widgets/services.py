"""Widget writes: one path for the websocket, the admin, the API and tasks, so every change is pushed."""

from __future__ import annotations

import time

from django.db import transaction

from widgets import broadcast
from widgets import state as machines
from widgets.models import StreamWidget, new_access_token
from widgets.state.poll import parse_vote_command


class WidgetNotFound(LookupError):
    """No such widget, or not the caller's (the two are not told apart)."""


def _locked(widget_id: int, user) -> StreamWidget:
    widgets = StreamWidget.objects.select_for_update()
    if user is not None:
        widgets = widgets.filter(owner=user)
    widget = widgets.filter(id=widget_id).first()
    if widget is None:
        raise WidgetNotFound(f"widget {widget_id} not found")
    return widget


def widget_create(*, owner, title: str, type: str, config: dict | None = None, active: bool = True) -> StreamWidget:
    config = machines.validate_config(type, config or {})
    return StreamWidget.objects.create(
        owner=owner, title=title, type=type, active=active, config=config,
        state=machines.initial_state(type, config),
    )


def widget_apply_action(
    *, widget_id: int, user, action: str, payload: dict | None = None, now: float | None = None
) -> StreamWidget:
    """Run ``action`` through the widget's state machine and push the new state.

    ``user=None`` is a trusted caller (an admin action, a task); otherwise the widget must be theirs.
    Raises ``WidgetNotFound`` or ``WidgetStateError`` (with a message for the streamer).
    """
    with transaction.atomic():
        # The row lock serialises concurrent actions: two pauses must not both subtract the same elapsed time.
        widget = _locked(widget_id, user)
        now = time.time() if now is None else now
        widget.state = machines.apply(widget.type, widget.config, widget.state, action, payload, now)
        widget.save(update_fields=["state", "updated_at"])
        transaction.on_commit(lambda: broadcast.send_state(widget))
    return widget


def widget_update(
    *, widget_id: int, user, title: str | None = None, active: bool | None = None, config: dict | None = None
) -> StreamWidget:
    """Edit title, visibility or config and push them; a widget's type never changes (its state would not fit)."""
    with transaction.atomic():
        widget = _locked(widget_id, user)
        public_before = machines.public_state(widget.type, widget.config, widget.state)
        if config is not None:
            widget.config = machines.validate_config(widget.type, config)
        if title is not None:
            widget.title = title
        if active is not None:
            widget.active = active
        widget.save(update_fields=["title", "active", "config", "updated_at"])
        state_changed = machines.public_state(widget.type, widget.config, widget.state) != public_before

        def push() -> None:
            broadcast.send_config(widget)
            if state_changed:
                broadcast.send_state(widget)

        transaction.on_commit(push)
    return widget


def widget_rotate_token(*, widget_id: int, user) -> str:
    """A new access token; pages still open with the old one are disconnected."""
    with transaction.atomic():
        widget = _locked(widget_id, user)
        old = widget.access_token
        widget.access_token = new_access_token()
        widget.save(update_fields=["access_token", "updated_at"])
        transaction.on_commit(lambda: broadcast.send_token_revoked(old, reason="access token rotated"))
    return widget.access_token


def widget_delete(*, widget_id: int, user) -> None:
    with transaction.atomic():
        widget = _locked(widget_id, user)
        token = widget.access_token
        widget.delete()
        transaction.on_commit(lambda: broadcast.send_token_revoked(token, reason="widget deleted"))


def poll_record_vote(*, owner_id: int, voter: str, message: str) -> list[int]:
    """Count a chat message like ``!vote 2`` in the owner's open polls; returns the polls that counted it.

    Not a vote command, a closed poll or an option out of range: nothing is counted and nothing fails,
    since chat is full of both.
    """
    option = parse_vote_command(message)
    if option is None:
        return []
    counted = []
    polls = StreamWidget.objects.filter(
        owner_id=owner_id, type=StreamWidget.Type.POLL, active=True, state__open=True
    ).values_list("id", flat=True)
    for poll_id in polls:
        try:
            widget_apply_action(
                widget_id=poll_id, user=None, action="vote", payload={"option": option, "voter": voter}
            )
        except (machines.WidgetStateError, WidgetNotFound):
            continue
        counted.append(poll_id)
    return counted
