"""The widget websocket (CONTRACTS.md §5).

Connect to ``/ws/widgets/?token=...`` with a user's API token (or a logged-in session, no token) for
full access to that user's widgets and their pipeline progress, or with a widget's access token for
read-only access to that one widget, whose updates then arrive without subscribing.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth.models import AnonymousUser
from rest_framework.authtoken.models import Token

from pipeline.notify import user_group
from widgets import broadcast, services
from widgets.models import StreamWidget
from widgets.state import WidgetStateError

# Close codes a client must not retry on (a 4xxx code is the application's own, RFC 6455 §7.4.2).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_REVOKED = 4403


@database_sync_to_async
def _authenticate(token: str | None, session_user) -> tuple[object | None, StreamWidget | None]:
    """(user, None) for a user credential, (None, widget) for a widget access token, (None, None) otherwise."""
    if token:
        widget = StreamWidget.objects.filter(access_token=token).first()
        if widget is not None:
            return None, widget
        found = Token.objects.select_related("user").filter(key=token).first()
        if found is not None and found.user.is_active:
            return found.user, None
        return None, None
    if session_user is not None and session_user.is_authenticated:
        return session_user, None
    return None, None


@database_sync_to_async
def _load_widget(widget_id: int, *, user=None, token: str | None = None) -> dict | None:
    """The widget as clients see it, if it is ``user``'s or still opens with ``token``."""
    widgets = StreamWidget.objects.filter(id=widget_id)
    widget = (widgets.filter(owner=user) if user else widgets.filter(access_token=token)).first()
    return broadcast.widget_payload(widget) if widget else None


@database_sync_to_async
def _owns(widget_id: int, user) -> bool:
    return StreamWidget.objects.filter(id=widget_id, owner=user).exists()


@database_sync_to_async
def _apply_action(widget_id: int, user, action: str, payload: dict | None) -> dict:
    widget = services.widget_apply_action(widget_id=widget_id, user=user, action=action, payload=payload)
    return broadcast.widget_payload(widget)["state"]


def _widget_id(content: dict) -> int | None:
    value = content.get("widgetId")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class WidgetConsumer(AsyncJsonWebsocketConsumer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = None
        self.widget_id: int | None = None  # set for a read-only widget-token connection
        self.token: str | None = None
        self.token_group: str | None = None
        self.subscriptions: set[int] = set()

    async def dispatch(self, message: dict) -> None:
        # Channels runs close_old_connections() in the sync thread before every handler: one thread hop per
        # message, serialised, so a push to 500 pages waited for 500 hops (about 0.25 s on two cores). These
        # handlers reach the database only through database_sync_to_async, which closes connections itself.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        token = parse_qs(self.scope.get("query_string", b"").decode()).get("token", [None])[0]
        self.user, widget = await _authenticate(token, self.scope.get("user", AnonymousUser()))
        await self.accept()
        if widget is not None:
            self.widget_id, self.token = widget.id, token
            self.token_group = broadcast.token_group(token)
            await self._join_groups()
            # Read again after joining: a change or a token rotation in between is then either in this
            # snapshot or pushed to us, never lost.
            payload = await _load_widget(widget.id, token=token)
            if payload is None:
                await self.close(code=CLOSE_REVOKED)
                return
            await self._send_initial(widget.id, payload)
        elif self.user is not None:
            await self._join_groups()
        else:
            await self.send_json({"type": "ERROR", "error": "Authentication required: pass ?token="})
            await self.close(code=CLOSE_UNAUTHENTICATED)

    async def _join_groups(self) -> None:
        # Re-run on every PING: channels_redis drops group members after group_expiry (a day by default),
        # and an OBS page stays open for longer than that.
        for group in list(self._groups()):
            await self.channel_layer.group_add(group, self.channel_name)

    def _groups(self):
        if self.widget_id is not None:
            yield broadcast.widget_group(self.widget_id)
            yield self.token_group
        if self.user is not None:
            yield user_group(self.user.id)
            for widget_id in self.subscriptions:
                yield broadcast.widget_group(widget_id)

    async def disconnect(self, code: int) -> None:
        for group in list(self._groups()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.send_json({"type": "ERROR", "error": "Messages are JSON objects with a string 'type'"})
            return
        handler = {
            "WIDGET_SUBSCRIBE": self._subscribe,
            "WIDGET_UNSUBSCRIBE": self._unsubscribe,
            "WIDGET_ACTION": self._action,
            "PING": self._ping,
        }.get(content["type"])
        if handler is None:
            await self.send_json({"type": "ERROR", "error": f"Unknown message type {content['type']!r}"})
            return
        await handler(content)

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        if text_data is None:
            await self.send_json({"type": "ERROR", "error": "Messages are JSON text frames, not binary"})
            return
        await super().receive(text_data=text_data, **kwargs)

    async def decode_json(self, text_data):
        try:
            return await super().decode_json(text_data)
        except (ValueError, RecursionError):  # RecursionError: nested too deeply to parse
            return None  # answered by receive_json's "not a JSON object" error

    async def _subscribe(self, content: dict) -> None:
        widget_id = _widget_id(content)
        if widget_id is not None and widget_id == self.widget_id:
            payload = await _load_widget(widget_id, token=self.token)
            if payload is not None:
                await self._send_initial(widget_id, payload)
            return
        if self.user is None:
            await self._error(widget_id, "Read-only access: this token opens one widget only")
            return
        if widget_id is None:
            await self._error(None, "WIDGET_SUBSCRIBE needs an integer widgetId")
            return
        if not await _owns(widget_id, self.user):
            await self._error(widget_id, "Widget not found")
            return
        self.subscriptions.add(widget_id)
        await self.channel_layer.group_add(broadcast.widget_group(widget_id), self.channel_name)
        # Read after joining, so that a change in between is either in this snapshot or pushed.
        payload = await _load_widget(widget_id, user=self.user)
        if payload is not None:
            await self._send_initial(widget_id, payload)

    async def _unsubscribe(self, content: dict) -> None:
        widget_id = _widget_id(content)
        if widget_id in self.subscriptions:
            self.subscriptions.discard(widget_id)
            await self.channel_layer.group_discard(broadcast.widget_group(widget_id), self.channel_name)

    async def _action(self, content: dict) -> None:
        widget_id, action = _widget_id(content), content.get("action")
        response = {"type": "WIDGET_ACTION_RESPONSE", "widgetId": widget_id, "action": action}
        if self.user is None:
            await self.send_json({**response, "success": False, "result": None, "error": "Read-only access"})
            return
        if widget_id is None:
            await self.send_json({**response, "success": False, "result": None, "error": "widgetId must be an integer"})
            return
        try:
            state = await _apply_action(widget_id, self.user, action, content.get("payload"))
        except services.WidgetNotFound:
            await self.send_json({**response, "success": False, "result": None, "error": "Widget not found"})
        except WidgetStateError as error:
            await self.send_json({**response, "success": False, "result": None, "error": str(error)})
        else:
            await self.send_json({**response, "success": True, "result": state, "error": None})

    async def _ping(self, content: dict) -> None:
        await self._join_groups()
        await self.send_json({"type": "PONG", "timestamp": time.time()})

    async def _send_initial(self, widget_id: int, widget: dict) -> None:
        await self.send_json(
            {"type": "WIDGET_INITIAL_STATE", "widgetId": widget_id, "widget": widget, "timestamp": time.time()}
        )

    async def _error(self, widget_id: int | None, error: str) -> None:
        await self.send_json({"type": "ERROR", "widgetId": widget_id, "error": error})

    # Channel layer events (see widgets/broadcast.py and pipeline/notify.py).

    async def widget_push(self, event: dict) -> None:
        # Already a protocol message (WIDGET_STATE_UPDATE, WIDGET_CONFIG_UPDATE): encoded once per change,
        # not once per socket, since a popular widget has hundreds of pages open.
        await self.send(text_data=event["text"])

    async def widget_token_revoked(self, event: dict) -> None:
        await self.send_json({"type": "ERROR", "widgetId": self.widget_id, "error": f"Closed: {event['reason']}"})
        await self.close(code=CLOSE_REVOKED)

    async def task_update(self, event: dict) -> None:
        await self.send_json({"type": "TASK_UPDATE", "task": event["task"], "old_status": event["old_status"]})
