"""Pushing widget changes through the channel layer to every subscriber and widget-token connection."""

from __future__ import annotations

import hashlib
import json
import logging
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from widgets import state as machines

log = logging.getLogger(__name__)


def widget_group(widget_id: int) -> str:
    return f"widget.{widget_id}"


def token_group(access_token: str) -> str:
    """Connections opened with one access token; the token itself never appears in Redis."""
    return "widget-token." + hashlib.sha256(access_token.encode()).hexdigest()[:40]


def widget_payload(widget) -> dict:
    """The widget record as clients see it (no access token: whoever holds it already knows it)."""
    return {
        "id": widget.id,
        "user": widget.owner_id,
        "title": widget.title,
        "type": widget.type,
        "active": widget.active,
        "config": widget.config,
        "state": machines.public_state(widget.type, widget.config, widget.state),
        "created_at": widget.created_at.isoformat(),
        "updated_at": widget.updated_at.isoformat(),
    }


def _send(group: str, message: dict) -> None:
    """Best effort: the database holds the truth, and a page that missed a push reloads it on reconnect."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # noqa: BLE001  (Redis down must not undo a saved change)
        log.warning("could not push %s to %s", message["type"], group, exc_info=True)


def send_state(widget) -> None:
    state = machines.public_state(widget.type, widget.config, widget.state)
    _push(widget.id, {"type": "WIDGET_STATE_UPDATE", "widgetId": widget.id, "state": state, "timestamp": time.time()})


def send_config(widget) -> None:
    message = {
        "type": "WIDGET_CONFIG_UPDATE",
        "widgetId": widget.id,
        "config": widget.config,
        "title": widget.title,
        "active": widget.active,
    }
    _push(widget.id, message)


def _push(widget_id: int, message: dict) -> None:
    """Send a protocol message to the widget's sockets, encoded here once rather than once per socket."""
    _send(widget_group(widget_id), {"type": "widget.push", "text": json.dumps(message)})


def send_token_revoked(access_token: str, *, reason: str) -> None:
    _send(token_group(access_token), {"type": "widget.token.revoked", "reason": reason})
