"""The Twitch EventSub webhook (CONTRACTS.md section 6).

Async, so a notification costs no thread hop: verify (pure core), claim the message id and queue the
body in Redis in one round trip, answer 204. Storing happens on the ``io`` queue.
"""

from __future__ import annotations

import logging
import weakref
from asyncio import get_running_loop
from datetime import UTC, datetime

import redis.asyncio as aioredis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from redis.exceptions import RedisError

from chat import inbox, services
from chat.eventsub import CHAT_MESSAGE_TYPE, REVOCATION, VERIFICATION, EventSubError, parse_message, verify_request
from chat.tasks import store_eventsub_notifications

log = logging.getLogger(__name__)

# redis.asyncio connections belong to the event loop that opened them (tests run one loop per request).
_scripts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _enqueue_script():
    loop = get_running_loop()
    script = _scripts.get(loop)
    if script is None:
        script = _scripts[loop] = inbox.enqueue_script(aioredis.Redis.from_url(settings.REDIS_URL))
    return script


def _text(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_POST
async def eventsub_webhook(request: HttpRequest) -> HttpResponse:
    body = request.body
    try:
        envelope = verify_request(request.headers, body, secret=settings.TWITCH_EVENTSUB_SECRET,
                                  now=datetime.now(UTC))
        message = parse_message(envelope, body)
    except EventSubError as error:
        return _text(error.status, error.reason)

    if envelope.message_type == VERIFICATION:
        await sync_to_async(services.subscription_mark_verified)(twitch_id=message.subscription_id)
        return _text(200, message.challenge)
    if envelope.message_type == REVOCATION:
        # Idempotent, so a repeated id needs no claim.
        known = await sync_to_async(services.subscription_mark_revoked)(
            twitch_id=message.subscription_id, reason=message.subscription_status, at=envelope.sent_at)
        if not known:
            log.warning("revocation for unknown subscription %s", message.subscription_id)
        return HttpResponse(status=204)

    queued = inbox.payload(envelope.timestamp, body) if message.subscription_type == CHAT_MESSAGE_TYPE else b""
    try:
        outcome = await _enqueue_script()(
            keys=[inbox.seen_key(envelope.message_id), inbox.INBOX, inbox.DRAIN_SCHEDULED],
            args=[inbox.SEEN_TTL, queued, inbox.DRAIN_FLAG_TTL],
        )
    except (RedisError, OSError) as error:
        log.error("EventSub inbox unavailable: %s", error)
        return _text(503, "temporarily unable to accept notifications; retry later")
    if outcome == inbox.DUPLICATE:
        response = HttpResponse(status=204)
        response["X-Eventsub-Duplicate"] = "1"
        return response
    if outcome == inbox.QUEUED_SCHEDULE_DRAIN:
        await sync_to_async(store_eventsub_notifications.delay, thread_sensitive=False)()
    return HttpResponse(status=204)
