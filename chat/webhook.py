"""The Twitch EventSub webhook (CONTRACTS.md section 6), served two ways with one handler.

``handle`` verifies (pure core), then for a notification claims the message id and queues the body in
Redis in one round trip and answers 204; storing happens on the ``io`` queue. ``EventSubApp`` serves
it as a bare ASGI app in front of Django (``config/asgi.py``): Django's sync middleware would cost a
thread hop per hook and a thread per request, a few milliseconds, where this path needs about a
tenth of one. ``chat.views`` serves the same handler through Django (runserver, test client).
"""

from __future__ import annotations

import logging
import weakref
from asyncio import get_running_loop
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import redis.asyncio as aioredis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, close_old_connections
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import RedisError

from chat import inbox, services
from chat.eventsub import CHAT_MESSAGE_TYPE, REVOCATION, VERIFICATION, EventSubError, parse_message, verify_request

log = logging.getLogger(__name__)

PATH = "/twitch/eventsub/"
# Twitch's chat notifications are a few KiB; anything far larger is not from Twitch.
MAX_BODY_BYTES = 1024 * 1024
DUPLICATE_HEADER = "X-Eventsub-Duplicate"


@dataclass(frozen=True)
class Reply:
    status: int
    text: str = ""
    headers: dict[str, str] = field(default_factory=dict)


# redis.asyncio connections belong to the event loop that opened them (tests run a loop per request).
_scripts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _enqueue_script():
    loop = get_running_loop()
    script = _scripts.get(loop)
    if script is None:
        script = _scripts[loop] = inbox.enqueue_script(aioredis.Redis.from_url(settings.REDIS_URL))
    return script


def _with_fresh_connection(function, **kwargs):
    close_old_connections()
    try:
        return function(**kwargs)
    finally:
        close_old_connections()


def _schedule_drain() -> None:
    from chat.tasks import store_eventsub_notifications

    store_eventsub_notifications.delay()


async def handle(headers: Mapping[str, str], body: bytes, *, outside_django: bool = False) -> Reply:
    """Answer one webhook request. ``outside_django``: no request cycle closes stale database connections
    for us, so database calls open and close their own."""

    async def _database(function, **kwargs):
        if outside_django:
            return await sync_to_async(_with_fresh_connection)(function, **kwargs)
        return await sync_to_async(function)(**kwargs)

    try:
        envelope = verify_request(headers, body, secret=settings.TWITCH_EVENTSUB_SECRET, now=datetime.now(UTC))
        message = parse_message(envelope, body)
    except EventSubError as error:
        return Reply(error.status, error.reason)
    try:
        if envelope.message_type == VERIFICATION:
            await _database(services.subscription_mark_verified, twitch_id=message.subscription_id)
            return Reply(200, message.challenge)
        if envelope.message_type == REVOCATION:
            # Idempotent, so a repeated message id needs no claim.
            known = await _database(
                services.subscription_mark_revoked,
                twitch_id=message.subscription_id,
                reason=message.subscription_status,
                at=envelope.sent_at,
            )
            if not known:
                log.warning("revocation for unknown subscription %s", message.subscription_id)
            return Reply(204)
        queued = inbox.payload(envelope.timestamp, body) if message.subscription_type == CHAT_MESSAGE_TYPE else b""
        outcome = await _enqueue_script()(
            keys=[inbox.seen_key(envelope.message_id), inbox.INBOX, inbox.DRAIN_SCHEDULED],
            args=[inbox.SEEN_TTL, queued, inbox.DRAIN_FLAG_TTL],
        )
        if outcome == inbox.DUPLICATE:
            return Reply(204, headers={DUPLICATE_HEADER: "1"})
        if outcome == inbox.QUEUED_SCHEDULE_DRAIN:
            try:
                await sync_to_async(_schedule_drain, thread_sensitive=False)()
            except BrokerUnavailable as error:
                # Queued already: a 5xx would only bring it back as a duplicate. The beat's drain stores it.
                log.warning("EventSub message %s queued but no drain scheduled: %s", envelope.message_id, error)
        return Reply(204)
    except (RedisError, DatabaseError, OSError) as error:
        # Twitch retries a failed delivery; a 503 says "later", not "never".
        log.error("EventSub message %s not taken: %s", envelope.message_id, error)
        return Reply(503, "temporarily unable to accept notifications; retry later")


class EventSubApp:
    """ASGI: ``POST /twitch/eventsub/`` answered here, every other request passed to ``fallback``."""

    def __init__(self, fallback) -> None:
        self.fallback = fallback

    async def __call__(self, scope, receive, send) -> None:
        # Without the slash too: Django would answer a POST there with an APPEND_SLASH error.
        if scope["type"] != "http" or scope["path"].rstrip("/") != PATH.rstrip("/"):
            return await self.fallback(scope, receive, send)
        if scope["method"] != "POST":
            return await _respond(send, Reply(405, "POST only", {"Allow": "POST"}))
        body = await _read_body(receive)
        if body is None:
            return await _respond(send, Reply(413, f"body over {MAX_BODY_BYTES} bytes"))
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        return await _respond(send, await handle(headers, body, outside_django=True))


async def _read_body(receive) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def _respond(send, reply: Reply) -> None:
    payload = reply.text.encode()
    headers = [(b"content-length", str(len(payload)).encode())]
    if payload:
        headers.append((b"content-type", b"text/plain; charset=utf-8"))
    headers.extend((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in reply.headers.items())
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
