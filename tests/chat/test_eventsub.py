"""The pure EventSub core: signature, headers, replay window, body shapes."""

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chat.eventsub import (
    HEADER_ID,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    HEADER_TYPE,
    EventSubError,
    chat_message_fields,
    parse_message,
    parse_timestamp,
    sign,
    verify_request,
)

SECRET = "s3cre7-s3cre7"
NOW = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
STAMP = "2026-05-01T11:59:58.123456789Z"
BODY = b'{"subscription":{"id":"sub-1","type":"channel.chat.message","status":"enabled"},"event":{}}'


def headers(body=BODY, *, secret=SECRET, message_id="msg-1", timestamp=STAMP, kind="notification", **overrides):
    result = {
        HEADER_ID: message_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_SIGNATURE: sign(secret, message_id, timestamp, body),
        HEADER_TYPE: kind,
    }
    result.update(overrides)
    return {name: value for name, value in result.items() if value is not None}


def test_twitch_documented_signature_example():
    # HMAC-SHA256 over id + timestamp + body, hex, with the sha256= prefix.
    assert sign("secret", "id", "ts", b"body") == (
        "sha256=" + __import__("hmac").new(b"secret", b"idtsbody", "sha256").hexdigest()
    )


def test_valid_message_is_accepted_with_its_event_time():
    envelope = verify_request(headers(), BODY, secret=SECRET, now=NOW)
    assert envelope.message_id == "msg-1"
    assert envelope.message_type == "notification"
    assert envelope.sent_at == datetime(2026, 5, 1, 11, 59, 58, 123456, tzinfo=UTC)


def test_header_names_are_matched_in_lower_case_too():
    lowered = {name.lower(): value for name, value in headers().items()}
    assert verify_request(lowered, BODY, secret=SECRET, now=NOW).message_id == "msg-1"


STALE = (NOW - timedelta(minutes=10, seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
FUTURE = (NOW + timedelta(minutes=11)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    ("case", "request_headers", "body", "status", "reason"),
    [
        ("missing id", headers(**{HEADER_ID: None}), BODY, 403, f"missing {HEADER_ID}"),
        ("missing timestamp", headers(**{HEADER_TIMESTAMP: None}), BODY, 403, f"missing {HEADER_TIMESTAMP}"),
        ("missing signature", headers(**{HEADER_SIGNATURE: None}), BODY, 403, f"missing {HEADER_SIGNATURE}"),
        ("missing type", headers(**{HEADER_TYPE: None}), BODY, 400, f"missing {HEADER_TYPE}"),
        ("empty id", headers(**{HEADER_ID: ""}), BODY, 403, "missing Twitch-Eventsub-Message-Id"),
        ("wrong prefix", headers(**{HEADER_SIGNATURE: "sha1=" + "a" * 64}), BODY, 403, "must start with sha256="),
        ("bad hex", headers(**{HEADER_SIGNATURE: "sha256=" + "zz" * 32}), BODY, 403, "not a 64-digit hex"),
        ("short hex", headers(**{HEADER_SIGNATURE: "sha256=abcd"}), BODY, 403, "not a 64-digit hex"),
        ("wrong secret", headers(secret="other-secret"), BODY, 403, "signature does not match"),
        ("tampered body", headers(), BODY.replace(b"sub-1", b"sub-2"), 403, "signature does not match"),
        ("empty body", headers(), b"", 403, "signature does not match"),
        ("id swapped after signing", {**headers(), HEADER_ID: "msg-2"}, BODY, 403, "signature does not match"),
        ("stale timestamp", headers(timestamp=STALE), BODY, 403, "older than 10 minutes"),
        ("future timestamp", headers(timestamp=FUTURE), BODY, 403, "in the future"),
        ("unparseable timestamp", headers(timestamp="yesterday"), BODY, 400, "not an RFC3339"),
        ("unknown type", headers(kind="telepathy"), BODY, 400, "unknown Twitch-Eventsub-Message-Type"),
    ],
)
def test_bad_messages_are_refused_with_a_reason(case, request_headers, body, status, reason):
    with pytest.raises(EventSubError) as caught:
        verify_request(request_headers, body, secret=SECRET, now=NOW)
    assert caught.value.status == status, case
    assert reason in caught.value.reason, case


def test_uppercase_hex_digest_is_the_same_signature():
    upper = headers()
    upper[HEADER_SIGNATURE] = "sha256=" + upper[HEADER_SIGNATURE].removeprefix("sha256=").upper()
    assert verify_request(upper, BODY, secret=SECRET, now=NOW).message_id == "msg-1"


def test_no_secret_configured_refuses_everything():
    with pytest.raises(EventSubError) as caught:
        verify_request(headers(), BODY, secret="", now=NOW)
    assert caught.value.status == 503


def test_timestamp_exactly_at_the_window_edge_passes():
    edge = (NOW - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert verify_request(headers(timestamp=edge), BODY, secret=SECRET, now=NOW).message_id == "msg-1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-05-01T11:59:58Z", datetime(2026, 5, 1, 11, 59, 58, tzinfo=UTC)),
        ("2026-05-01T11:59:58.5Z", datetime(2026, 5, 1, 11, 59, 58, 500000, tzinfo=UTC)),
        ("2026-05-01T13:59:58.123456789+02:00", datetime(2026, 5, 1, 11, 59, 58, 123456, tzinfo=UTC)),
    ],
)
def test_rfc3339_timestamps(text, expected):
    assert parse_timestamp(text) == expected


def envelope(kind):
    return verify_request(headers(kind=kind), BODY, secret=SECRET, now=NOW)


CHAT_EVENT = {
    "broadcaster_user_id": "1971641",
    "broadcaster_user_login": "streamer",
    "broadcaster_user_name": "Streamer",
    "chatter_user_id": "4145994",
    "chatter_user_login": "viewer32",
    "chatter_user_name": "Viewer32",
    "message_id": "cc106a89-1814-919d-454c-f4f2f970aae7",
    "message": {"text": "Hi chat", "fragments": [{"type": "text", "text": "Hi chat"}]},
    "message_type": "text",
}


def doc(**extra):
    return json.dumps(
        {"subscription": {"id": "sub-1", "type": "channel.chat.message", "status": "enabled"}, **extra}
    ).encode()


def test_verification_carries_the_raw_challenge():
    message = parse_message(envelope("webhook_callback_verification"), doc(challenge="pogchamp-kappa-360noscope"))
    assert message.challenge == "pogchamp-kappa-360noscope"
    assert message.subscription_id == "sub-1"


def test_revocation_carries_the_reason():
    body = json.dumps(
        {"subscription": {"id": "sub-1", "type": "channel.chat.message", "status": "authorization_revoked"}}
    ).encode()
    message = parse_message(envelope("revocation"), body)
    assert message.subscription_status == "authorization_revoked"


def test_chat_notification_becomes_message_fields_stamped_with_event_time():
    message = parse_message(envelope("notification"), doc(event=CHAT_EVENT))
    fields = chat_message_fields(message.event, message.envelope.sent_at)
    assert fields == {
        "twitch_message_id": "cc106a89-1814-919d-454c-f4f2f970aae7",
        "broadcaster_user_id": "1971641",
        "broadcaster_login": "streamer",
        "chatter_user_id": "4145994",
        "chatter_login": "viewer32",
        "chatter_display_name": "Viewer32",
        "text": "Hi chat",
        "sent_at": datetime(2026, 5, 1, 11, 59, 58, 123456, tzinfo=UTC),
        "badges": [],
    }


@pytest.mark.parametrize(
    ("kind", "body", "reason"),
    [
        ("notification", b"", "empty body"),
        ("notification", b"{not json", "not valid JSON"),
        ("notification", b"\xff\xfe", "not valid JSON"),
        ("notification", b"[1, 2]", "must be a JSON object"),
        ("notification", b'{"event": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
        ("notification", b'{"event": {}}', "subscription must be an object"),
        ("notification", json.dumps({"subscription": {"type": "x"}}).encode(), "subscription.id"),
        ("notification", doc(), "event must be an object"),
        ("notification", doc(event={**CHAT_EVENT, "message_id": ""}), "event.message_id"),
        ("notification", doc(event={**CHAT_EVENT, "message": "hi"}), "event.message.text"),
        (
            "notification",
            doc(event={k: v for k, v in CHAT_EVENT.items() if k != "broadcaster_user_id"}),
            "event.broadcaster_user_id",
        ),
        ("webhook_callback_verification", doc(), "body.challenge"),
        ("revocation", json.dumps({"subscription": {"id": "s", "type": "t"}}).encode(), "revocation reason"),
    ],
)
def test_malformed_bodies_are_400_with_the_field_named(kind, body, reason):
    with pytest.raises(EventSubError) as caught:
        parse_message(envelope(kind), body)
    assert caught.value.status == 400
    assert reason in caught.value.reason


def test_the_core_imports_without_django():
    code = (
        "import sys, chat.eventsub, chat.inbox, chat.activity, chat.twitchdownloader, chat.helix; "
        "sys.exit('django' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0
