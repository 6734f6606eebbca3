"""Chat writes: Twitch links, EventSub subscriptions, storing and purging messages."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone

from chat.eventsub import CHAT_MESSAGE_TYPE, CHAT_MESSAGE_VERSION, EventSubError, chat_message_fields, parse_timestamp
from chat.helix import HelixClient, HelixError
from chat.inbox import (
    DRAIN_SCHEDULED,
    INBOX,
    LEASES,
    PROCESSING_PREFIX,
    claim_script,
    processing_key,
    requeue_script,
    split_payload,
)
from chat.models import ChatDeadLetter, ChatMessage, EventSubSubscription, SubscriptionStatus, TwitchLink
from chat.storable import Unstorable, is_storable, storable_chat_fields, storable_text
from chat.twitchdownloader import ChatLog

log = logging.getLogger(__name__)

PENDING_TWITCH_STATUS = "webhook_callback_verification_pending"


class ChatError(Exception):
    """A request we cannot carry out, with a reason for the user."""


class TwitchUnavailable(ChatError):
    """Twitch refused or could not be reached: not the user's input at fault."""


@lru_cache(maxsize=4)
def _client(client_id: str, client_secret: str, api_url: str, auth_url: str) -> HelixClient:
    return HelixClient(client_id=client_id, client_secret=client_secret, api_url=api_url, auth_url=auth_url)


def helix_client() -> HelixClient:
    """One client per process and configuration, so the app access token is reused until it expires."""
    return _client(
        settings.TWITCH_CLIENT_ID, settings.TWITCH_CLIENT_SECRET, settings.TWITCH_API_URL, settings.TWITCH_AUTH_URL
    )


def _helix_call(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except HelixError as error:
        raise TwitchUnavailable(str(error)) from error
    except OSError as error:  # requests' connection errors derive from it
        raise TwitchUnavailable(f"Twitch API unreachable: {error}") from error


def status_from_twitch(twitch_status: str) -> str:
    if twitch_status == "enabled":
        return SubscriptionStatus.ENABLED
    if twitch_status == PENDING_TWITCH_STATUS:
        return SubscriptionStatus.PENDING
    return SubscriptionStatus.REVOKED


def twitch_link_create(*, owner, login: str) -> TwitchLink:
    """Link ``owner`` to the Twitch account ``login`` (looked up on Helix), replacing an earlier link."""
    login = login.strip().lower()
    if not login:
        raise ChatError("a Twitch login is required")
    user = _helix_call(helix_client().get_user, login)
    if user is None:
        raise ChatError(f"no Twitch user with login {login!r}")
    taken = TwitchLink.objects.filter(twitch_user_id=user["id"]).exclude(owner=owner).exists()
    if taken:
        raise ChatError(f"Twitch account {login!r} is already linked to another user")
    link, _ = TwitchLink.objects.update_or_create(
        owner=owner,
        defaults={
            "twitch_user_id": user["id"],
            "login": user.get("login", login),
            "display_name": user.get("display_name", ""),
        },
    )
    return link


def subscription_create(*, owner, callback_url: str) -> EventSubSubscription:
    """Subscribe to ``channel.chat.message`` for the owner's linked channel, reading as the streamer."""
    link = TwitchLink.objects.filter(owner=owner).first()
    if link is None:
        raise ChatError("link a Twitch account first")
    secret = settings.TWITCH_EVENTSUB_SECRET
    if not 10 <= len(secret) <= 100:
        raise ChatError("TWITCH_EVENTSUB_SECRET must be 10 to 100 characters (Twitch's rule)")
    if not callback_url.startswith("https://"):
        raise ChatError(f"Twitch only calls HTTPS callbacks (on port 443); got {callback_url!r}")
    condition = {"broadcaster_user_id": link.twitch_user_id, "user_id": link.twitch_user_id}
    record = _helix_call(
        helix_client().create_subscription,
        type=CHAT_MESSAGE_TYPE,
        version=CHAT_MESSAGE_VERSION,
        condition=condition,
        callback=callback_url,
        secret=secret,
    )
    twitch_status = record.get("status", PENDING_TWITCH_STATUS)
    # Twitch may verify the callback before we get here; the webhook then found no row, so keep its answer.
    subscription, _ = EventSubSubscription.objects.get_or_create(
        twitch_id=record["id"],
        defaults={
            "owner": owner,
            "link": link,
            "type": record.get("type", CHAT_MESSAGE_TYPE),
            "version": record.get("version", CHAT_MESSAGE_VERSION),
            "condition": record.get("condition", condition),
            "callback_url": callback_url,
            "status": status_from_twitch(twitch_status),
            "twitch_status": twitch_status,
        },
    )
    return subscription


def subscription_delete(*, subscription: EventSubSubscription) -> None:
    """Delete at Twitch (already gone is fine), then here."""
    _helix_call(helix_client().delete_subscription, subscription.twitch_id)
    subscription.delete()


def subscriptions_sync(*, owner) -> list[EventSubSubscription]:
    """Refresh the owner's subscriptions' statuses from Twitch; ones Twitch no longer lists are revoked."""
    link = TwitchLink.objects.filter(owner=owner).first()
    if link is None:
        return []
    remote = {item["id"]: item for item in _helix_call(helix_client().list_subscriptions, user_id=link.twitch_user_id)}
    subscriptions = list(EventSubSubscription.objects.filter(owner=owner))
    for subscription in subscriptions:
        twitch_status = remote.get(subscription.twitch_id, {}).get("status", "deleted_at_twitch")
        if twitch_status != subscription.twitch_status:
            _apply_status(subscription, twitch_status)
            subscription.save()
    return subscriptions


def _apply_status(subscription: EventSubSubscription, twitch_status: str, at: datetime | None = None) -> None:
    subscription.twitch_status = twitch_status
    subscription.status = status_from_twitch(twitch_status)
    if subscription.status == SubscriptionStatus.REVOKED:
        subscription.revoked_reason = twitch_status
        subscription.revoked_at = subscription.revoked_at or at or timezone.now()


def subscription_mark_revoked(*, twitch_id: str, reason: str, at: datetime) -> bool:
    """Record Twitch's revocation; False if we do not know the subscription."""
    with transaction.atomic():
        subscription = EventSubSubscription.objects.select_for_update().filter(twitch_id=twitch_id).first()
        if subscription is None:
            return False
        subscription.revoked_at = None
        _apply_status(subscription, reason, at)
        subscription.save()
    return True


def subscription_mark_verified(*, twitch_id: str) -> bool:
    """We answered Twitch's challenge: the subscription goes live (unless it was revoked meanwhile)."""
    updated = EventSubSubscription.objects.filter(twitch_id=twitch_id, status=SubscriptionStatus.PENDING).update(
        status=SubscriptionStatus.ENABLED, twitch_status="enabled", updated_at=timezone.now()
    )
    return updated == 1


@dataclass(frozen=True)
class StoreResult:
    stored: int  # rows offered to the database (duplicates of stored ids are ignored there)
    unowned: int  # notifications for subscriptions and channels nobody here owns
    dead_lettered: int  # malformed or unstorable: kept as ChatDeadLetter rows with the reason


# What the database says about one row's values (a lone surrogate fails in the driver, as a ValueError).
# OperationalError and InterfaceError are not here: the database is down, the rows are fine.
_ROW_ERRORS = (DataError, IntegrityError, ValueError)


@dataclass
class _Received:
    item: bytes
    subscription_id: str = ""
    fields: dict | None = None
    owner_id: int | None = None


def chat_messages_store(*, items: list[bytes]) -> StoreResult:
    """Store queued ``channel.chat.message`` notifications (inbox payloads); safe to run twice on the same items.

    A notification that cannot be stored is dead-lettered with the reason and the others are stored.
    A database that is down raises (OperationalError, InterfaceError): nothing is dead-lettered, retry.
    """
    received, letters = [], []
    for item in items:
        timestamp, body = split_payload(item)
        try:
            doc = json.loads(body)
            fields = chat_message_fields(doc["event"], parse_timestamp(timestamp))
            received.append(_Received(item, str(doc["subscription"]["id"]), fields))
        except (ValueError, KeyError, TypeError, EventSubError) as error:
            # The webhook validated these; only a hand-pushed or corrupted item lands here.
            letters.append(_dead_letter(_Received(item), f"malformed notification: {error}"))
    _assign_owners(received)
    max_lengths = {field.name: field.max_length for field in ChatMessage._meta.fields if field.max_length}
    rows: list[tuple[_Received, ChatMessage]] = []
    for notification in received:
        if notification.owner_id is None:
            continue
        try:
            fields = storable_chat_fields(notification.fields, max_lengths)
        except Unstorable as error:
            letters.append(_dead_letter(notification, str(error)))
            continue
        rows.append((notification, ChatMessage(owner_id=notification.owner_id, source="eventsub", **fields)))
    failed = _insert_rows([row for _, row in rows])
    letters.extend(_dead_letter(notification, failed[id(row)]) for notification, row in rows if id(row) in failed)
    ChatDeadLetter.objects.bulk_create(letters, ignore_conflicts=True)
    stored = [row for _, row in rows if id(row) not in failed]
    _count_poll_votes(stored)
    _record_chat_marks(stored)
    unowned = sum(notification.owner_id is None for notification in received)
    if unowned:
        log.warning("dropped %d chat notifications for subscriptions and channels nobody here owns", unowned)
    if letters:
        log.error("dead-lettered %d chat notifications (see ChatDeadLetter in the admin)", len(letters))
    return StoreResult(stored=len(stored), unowned=unowned, dead_lettered=len(letters))


def _assign_owners(received: list[_Received]) -> None:
    """Owner by subscription, else by the broadcaster's linked account. Unstorable keys match nothing
    stored, and PostgreSQL would refuse them even in a lookup."""
    subscription_ids = {item.subscription_id for item in received if is_storable(item.subscription_id)}
    by_subscription = dict(
        EventSubSubscription.objects.filter(twitch_id__in=subscription_ids).values_list("twitch_id", "owner_id")
    )
    missing = {
        item.fields["broadcaster_user_id"]
        for item in received
        if item.subscription_id not in by_subscription and is_storable(item.fields["broadcaster_user_id"])
    }
    by_broadcaster = (
        dict(TwitchLink.objects.filter(twitch_user_id__in=missing).values_list("twitch_user_id", "owner_id"))
        if missing
        else {}
    )
    for item in received:
        item.owner_id = by_subscription.get(item.subscription_id) or by_broadcaster.get(
            item.fields["broadcaster_user_id"]
        )


def _insert_rows(rows: list[ChatMessage]) -> dict[int, str]:
    """Insert ``rows`` (already stored ids are skipped); returns the error of each refused row by ``id(row)``.

    One batch insert; if the database refuses a value in it, row by row, so one bad row sinks only itself.
    """
    try:
        with transaction.atomic():
            ChatMessage.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        return {}
    except _ROW_ERRORS as error:
        log.warning("batch of %d chat messages refused (%s); inserting them one by one", len(rows), error)
    failed = {}
    for row in rows:
        try:
            with transaction.atomic():
                ChatMessage.objects.bulk_create([row], ignore_conflicts=True)
        except _ROW_ERRORS as error:
            failed[id(row)] = f"refused by the database: {error}"
    return failed


def _dead_letter(notification: _Received, error: str) -> ChatDeadLetter:
    payload = notification.item.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")
    message_id = (notification.fields or {}).get("twitch_message_id", "")
    return ChatDeadLetter(
        owner_id=notification.owner_id,
        key=hashlib.sha256(notification.item).hexdigest(),
        twitch_message_id=storable_text(message_id)[:100],
        error=storable_text(error),
        payload=payload,
    )


def _count_poll_votes(rows: list[ChatMessage]) -> None:
    """``!vote N`` messages feed the owner's open polls; one vote per viewer, so a re-run changes nothing."""
    from widgets.services import poll_record_vote

    for row in rows:
        if row.text.lstrip().lower().startswith("!vote"):
            poll_record_vote(owner_id=row.owner_id, voter=row.chatter_login or row.chatter_user_id, message=row.text)


def _record_chat_marks(rows: list[ChatMessage]) -> None:
    """``!clip`` / ``!highlight`` from the streamer or a moderator marks a highlight (episodes owns marks)."""
    from episodes.proposals.marks import highlight_marks_from_chat

    commands = [row for row in rows if row.text.lstrip().startswith("!")]
    if commands:
        highlight_marks_from_chat(messages=commands)


def chat_messages_purge_expired(*, now: datetime | None = None, days: int | None = None) -> int:
    """Delete messages (and dead-lettered notifications) kept longer than the retention period, counted
    from when we received them."""
    days = settings.CHAT_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _ = ChatMessage.objects.filter(received_at__lt=cutoff).delete()
    dead, _ = ChatDeadLetter.objects.filter(created_at__lt=cutoff).delete()
    return deleted + dead


@lru_cache(maxsize=1)
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url)


def redis_client():
    return _redis(settings.REDIS_URL)


def eventsub_inbox_drain(*, task_id: str, batch_size: int = 1000) -> StoreResult:
    """Store everything the webhook queued. A batch left by an earlier run of this task (a retry) is
    stored first; batches whose worker died are put back in the inbox and stored too."""
    client = redis_client()
    eventsub_batches_requeue()
    claim = claim_script(client)
    processing = processing_key(task_id)
    # Cleared before draining: a message queued from now on schedules a new drain, so none is stranded.
    client.delete(DRAIN_SCHEDULED)
    totals = [0, 0, 0]
    batch = client.lrange(processing, 0, -1)
    if batch:
        client.zadd(LEASES, {processing: time.time()})
    while True:
        if batch:
            result = chat_messages_store(items=batch)
            totals = [totals[0] + result.stored, totals[1] + result.unowned, totals[2] + result.dead_lettered]
            client.pipeline().delete(processing).zrem(LEASES, processing).execute()
        batch = claim(keys=[INBOX, processing, LEASES], args=[batch_size, time.time()])
        if not batch:
            return StoreResult(*totals)


def eventsub_batches_requeue() -> int:
    """Put batches claimed longer than ``CHAT_INBOX_LEASE_SECONDS`` ago back in the inbox; returns how
    many notifications moved. Their worker died or gave up; if it is only slow, storing twice is harmless."""
    cutoff = time.time() - settings.CHAT_INBOX_LEASE_SECONDS
    moved = requeue_script(redis_client())(keys=[LEASES, INBOX], args=[cutoff])
    if moved:
        log.warning("put %d chat notifications from abandoned batches back in the inbox", moved)
    return moved


def eventsub_batches_adopt() -> int:
    """Give a lease to processing lists that have none (claimed by an older version, which set them to
    expire instead), so that ``eventsub_batches_requeue`` recovers them too. Scans every key: run it
    rarely (at worker start)."""
    client = redis_client()
    adopted = 0
    for key in client.scan_iter(match=PROCESSING_PREFIX + "*", count=1000):
        client.persist(key)
        adopted += client.zadd(LEASES, {key: time.time()}, nx=True)
    return adopted


@dataclass(frozen=True)
class ImportResult:
    created: int
    already_stored: int


def chat_import(*, stream, log: ChatLog, vod_start: float = 0.0) -> ImportResult:
    """Store a VOD's chat log on ``stream``'s timeline: a comment at VOD time ``t`` was sent at
    ``stream.recorded_at + (t - vod_start)``. Importing again stores nothing twice."""
    if stream.recorded_at is None:
        raise ChatError(f"stream {stream.pk} has no recorded_at: its chat cannot be placed on the timeline")
    origin = stream.recorded_at - timedelta(seconds=vod_start)
    rows = {
        comment.message_id: ChatMessage(
            owner_id=stream.owner_id,
            stream=stream,
            twitch_message_id=comment.message_id,
            broadcaster_user_id=log.broadcaster_user_id,
            broadcaster_login=log.broadcaster_login,
            chatter_user_id=comment.chatter_user_id,
            chatter_login=comment.chatter_login,
            chatter_display_name=comment.chatter_display_name,
            text=comment.text,
            sent_at=origin + timedelta(seconds=comment.offset),
            source="import",
            badges=list(comment.badges),
        )
        for comment in log.comments
    }
    ids = list(rows)
    with transaction.atomic():
        existing = sum(
            ChatMessage.objects.filter(twitch_message_id__in=ids[start : start + 5000]).count()
            for start in range(0, len(ids), 5000)
        )
        ChatMessage.objects.bulk_create(rows.values(), ignore_conflicts=True, batch_size=1000)
        _record_chat_marks(list(rows.values()))
    return ImportResult(created=len(ids) - existing, already_stored=existing)
