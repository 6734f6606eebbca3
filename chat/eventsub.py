"""Twitch EventSub webhook messages: headers, signature, replay window, body shapes (CONTRACTS.md section 6).

Pure: no Django. The webhook view calls ``verify_request`` then ``parse_message``; each raises
``EventSubError`` carrying the HTTP status and a reason meant for the sender.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

HEADER_ID = "Twitch-Eventsub-Message-Id"
HEADER_TIMESTAMP = "Twitch-Eventsub-Message-Timestamp"
HEADER_SIGNATURE = "Twitch-Eventsub-Message-Signature"
HEADER_TYPE = "Twitch-Eventsub-Message-Type"

NOTIFICATION = "notification"
VERIFICATION = "webhook_callback_verification"
REVOCATION = "revocation"
MESSAGE_TYPES = frozenset({NOTIFICATION, VERIFICATION, REVOCATION})

CHAT_MESSAGE_TYPE = "channel.chat.message"
CHAT_MESSAGE_VERSION = "1"

REPLAY_WINDOW = timedelta(minutes=10)
SIGNATURE_PREFIX = "sha256="
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")
# Twitch sends RFC3339 with nanoseconds; datetime keeps microseconds.
# Badge set ids ("moderator", "subscriber", "vip"): anything else in the list is not kept.
_BADGE = re.compile(r"[a-z0-9_-]{1,50}")
_RFC3339 = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})", re.IGNORECASE)


class EventSubError(Exception):
    """A message we refuse; ``status`` is the HTTP answer (400 malformed, 403 not from Twitch or replayed)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Envelope:
    """What the verified headers say about one message."""

    message_id: str
    timestamp: str  # as sent, part of what was signed
    sent_at: datetime
    message_type: str


@dataclass(frozen=True)
class Message:
    """A verified, parsed message. ``challenge`` for verification, ``event`` for notifications."""

    envelope: Envelope
    subscription_id: str
    subscription_type: str
    subscription_status: str
    challenge: str = ""
    event: Mapping | None = None


def sign(secret: str | bytes, message_id: str, timestamp: str, body: bytes) -> str:
    """The ``Twitch-Eventsub-Message-Signature`` value Twitch sends for this message."""
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, message_id.encode() + timestamp.encode() + body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def message_headers(secret: str | bytes, body: bytes, *, message_id: str, timestamp: str, message_type: str) -> dict:
    """The headers Twitch sends with ``body`` (the sender's side: fakes, tests, the load benchmark)."""
    return {
        HEADER_ID: message_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_SIGNATURE: sign(secret, message_id, timestamp, body),
        HEADER_TYPE: message_type,
    }


def format_timestamp(moment: datetime) -> str:
    """RFC3339 in UTC with nanoseconds, as Twitch writes it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f000Z")


def parse_timestamp(value: str) -> datetime:
    """RFC3339 (nanoseconds allowed) to an aware datetime; ValueError if it is not one."""
    match = _RFC3339.fullmatch(value.strip())
    if not match:
        raise ValueError(f"not an RFC3339 timestamp: {value!r}")
    seconds, fraction, zone = match.groups()
    fraction = (fraction or ".0")[:7]
    zone = "+00:00" if zone.upper() == "Z" else zone
    return datetime.fromisoformat(f"{seconds}{fraction}{zone}")


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    return (value or "").strip()


def verify_request(headers: Mapping[str, str], body: bytes, *, secret: str | bytes, now: datetime) -> Envelope:
    """Check that Twitch sent this message recently; raise ``EventSubError`` otherwise.

    ``headers`` may be any mapping whose lookups use the canonical names or their lower-case form
    (Django's ``request.headers`` is case-insensitive).
    """
    if not secret:
        raise EventSubError(503, "EventSub secret is not configured on this server")
    message_id = _header(headers, HEADER_ID)
    timestamp = _header(headers, HEADER_TIMESTAMP)
    signature = _header(headers, HEADER_SIGNATURE)
    for name, value in ((HEADER_ID, message_id), (HEADER_TIMESTAMP, timestamp), (HEADER_SIGNATURE, signature)):
        if not value:
            raise EventSubError(403, f"missing {name} header")
    if not signature.startswith(SIGNATURE_PREFIX):
        raise EventSubError(403, f"{HEADER_SIGNATURE} must start with {SIGNATURE_PREFIX}")
    digest = signature[len(SIGNATURE_PREFIX) :]
    if not _HEX_DIGEST.fullmatch(digest):
        raise EventSubError(403, f"{HEADER_SIGNATURE} is not a 64-digit hex SHA-256 digest")
    expected = sign(secret, message_id, timestamp, body)
    if not hmac.compare_digest(expected.encode(), (SIGNATURE_PREFIX + digest.lower()).encode()):
        raise EventSubError(403, "signature does not match")

    try:
        sent_at = parse_timestamp(timestamp)
    except ValueError:
        raise EventSubError(400, f"{HEADER_TIMESTAMP} is not an RFC3339 timestamp") from None
    if now - sent_at > REPLAY_WINDOW:
        raise EventSubError(403, "message timestamp is older than 10 minutes (replay refused)")
    if sent_at - now > REPLAY_WINDOW:
        raise EventSubError(403, "message timestamp is more than 10 minutes in the future")

    message_type = _header(headers, HEADER_TYPE)
    if not message_type:
        raise EventSubError(400, f"missing {HEADER_TYPE} header")
    if message_type not in MESSAGE_TYPES:
        raise EventSubError(400, f"unknown {HEADER_TYPE} {message_type!r}")
    return Envelope(message_id=message_id, timestamp=timestamp, sent_at=sent_at, message_type=message_type)


def _text(mapping: Mapping, key: str, where: str) -> str:
    value = mapping.get(key)
    if not isinstance(value, str) or not value:
        raise EventSubError(400, f"{where}.{key} must be a non-empty string")
    return value


def parse_message(envelope: Envelope, body: bytes) -> Message:
    """Parse a verified body into a ``Message``; raise ``EventSubError`` (400) if it has the wrong shape."""
    if not body.strip():
        raise EventSubError(400, "empty body")
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EventSubError(400, f"body is not valid JSON: {error}") from None
    except RecursionError:
        raise EventSubError(400, "body is not valid JSON: nested too deeply") from None
    if not isinstance(doc, dict):
        raise EventSubError(400, "body must be a JSON object")
    subscription = doc.get("subscription")
    if not isinstance(subscription, dict):
        raise EventSubError(400, "subscription must be an object")
    fields = {
        "envelope": envelope,
        "subscription_id": _text(subscription, "id", "subscription"),
        "subscription_type": _text(subscription, "type", "subscription"),
        "subscription_status": str(subscription.get("status") or ""),
    }
    if envelope.message_type == VERIFICATION:
        return Message(**fields, challenge=_text(doc, "challenge", "body"))
    if envelope.message_type == REVOCATION:
        if not fields["subscription_status"]:
            raise EventSubError(400, "subscription.status (the revocation reason) is missing")
        return Message(**fields)
    event = doc.get("event")
    if not isinstance(event, dict):
        raise EventSubError(400, "event must be an object")
    if fields["subscription_type"] == CHAT_MESSAGE_TYPE:
        chat_message_fields(event, envelope.sent_at)
    return Message(**fields, event=event)


def chat_message_fields(event: Mapping, sent_at: datetime) -> dict:
    """A ``channel.chat.message`` event as ChatMessage field values; EventSubError (400) if malformed.

    The event carries no time of its own: the message timestamp (when Twitch sent the notification,
    unchanged on retries) is the event time.
    """
    message = event.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("text"), str):
        raise EventSubError(400, "event.message.text must be a string")
    return {
        "twitch_message_id": _text(event, "message_id", "event"),
        "broadcaster_user_id": _text(event, "broadcaster_user_id", "event"),
        "broadcaster_login": str(event.get("broadcaster_user_login") or ""),
        "chatter_user_id": str(event.get("chatter_user_id") or ""),
        "chatter_login": str(event.get("chatter_user_login") or ""),
        "chatter_display_name": str(event.get("chatter_user_name") or ""),
        "text": message["text"],
        "sent_at": sent_at,
        "badges": badge_ids(event.get("badges")),
    }


def badge_ids(badges) -> list[str]:
    """The set ids of a chatter's badges (``[{set_id, id, info}]`` in EventSub): who is a moderator."""
    if not isinstance(badges, list):
        return []
    ids = (badge.get("set_id") for badge in badges if isinstance(badge, dict))
    return sorted({value for value in ids if isinstance(value, str) and _BADGE.fullmatch(value)})
