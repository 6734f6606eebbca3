"""The EventSub webhook over HTTP: verification, revocation, notifications, duplicates, refusals."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from chat import inbox
from chat.eventsub import HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, HEADER_TYPE, format_timestamp
from chat.models import ChatMessage, EventSubSubscription

pytestmark = pytest.mark.django_db


def test_notification_is_acknowledged_at_once_and_stored_by_the_drain(
    post_eventsub, make_chat_body, subscription, clean_inbox, drain
):
    body = make_chat_body(message_id="chat-1", text="first!")
    now_ish = datetime.now(UTC) - timedelta(seconds=3)

    response = post_eventsub(body, timestamp=format_timestamp(now_ish))

    assert response.status_code == 204
    assert clean_inbox.llen(inbox.INBOX) == 1
    assert clean_inbox.exists(inbox.DRAIN_SCHEDULED)
    assert ChatMessage.objects.count() == 0  # not stored in the request
    assert drain().stored == 1
    message = ChatMessage.objects.get()
    assert (message.owner, message.twitch_message_id, message.text) == (subscription.owner, "chat-1", "first!")
    assert (message.chatter_login, message.chatter_display_name, message.chatter_user_id) == (
        "viewer32",
        "Viewer32",
        "4145994",
    )
    assert message.broadcaster_user_id == "1971641"
    assert message.sent_at == now_ish  # event time from the signed header, not when we stored it
    assert clean_inbox.llen(inbox.INBOX) == 0


def test_repeated_message_id_is_acknowledged_and_stored_once(post_eventsub, make_chat_body, subscription, drain):
    body = json.dumps(make_chat_body(message_id="chat-1")).encode()
    first = post_eventsub(raw=body, message_id="evt-1")
    again = post_eventsub(raw=body, message_id="evt-1")

    assert (first.status_code, again.status_code) == (204, 204)
    assert "X-Eventsub-Duplicate" not in first
    assert again["X-Eventsub-Duplicate"] == "1"
    drain()
    assert ChatMessage.objects.count() == 1


def test_same_chat_message_under_a_new_delivery_id_is_still_stored_once(
    post_eventsub, make_chat_body, subscription, drain
):
    body = make_chat_body(message_id="chat-1")
    post_eventsub(body, message_id="evt-1")
    post_eventsub(body, message_id="evt-2")
    drain()
    drain()
    assert ChatMessage.objects.filter(twitch_message_id="chat-1").count() == 1


def test_verification_answers_the_raw_challenge_and_enables_the_subscription(post_eventsub, subscription):
    EventSubSubscription.objects.filter(pk=subscription.pk).update(status="pending")
    body = {
        "challenge": "pogchamp-kappa-360noscope-vohiyo",
        "subscription": {
            "id": "sub-1",
            "status": "webhook_callback_verification_pending",
            "type": "channel.chat.message",
            "version": "1",
        },
    }

    response = post_eventsub(body, kind="webhook_callback_verification")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"pogchamp-kappa-360noscope-vohiyo"
    subscription.refresh_from_db()
    assert subscription.status == "enabled"


def test_verification_for_a_subscription_not_yet_saved_is_still_answered(post_eventsub, db):
    body = {"challenge": "abc", "subscription": {"id": "not-saved-yet", "status": "x", "type": "channel.chat.message"}}
    assert post_eventsub(body, kind="webhook_callback_verification").content == b"abc"


def test_revocation_marks_the_subscription_revoked_with_its_reason(post_eventsub, subscription):
    stamp = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    body = {
        "subscription": {
            "id": "sub-1",
            "status": "authorization_revoked",
            "type": "channel.chat.message",
            "version": "1",
            "condition": {},
            "transport": {},
            "created_at": "x",
            "cost": 0,
        }
    }

    response = post_eventsub(body, kind="revocation", timestamp=format_timestamp(stamp))

    assert response.status_code == 204
    subscription.refresh_from_db()
    assert (subscription.status, subscription.revoked_reason, subscription.twitch_status) == (
        "revoked",
        "authorization_revoked",
        "authorization_revoked",
    )
    assert subscription.revoked_at == stamp


def test_revocation_of_an_unknown_subscription_is_acknowledged(post_eventsub, db):
    body = {"subscription": {"id": "gone", "status": "user_removed", "type": "channel.chat.message"}}
    assert post_eventsub(body, kind="revocation").status_code == 204


@pytest.mark.parametrize(
    ("missing", "status"), [(HEADER_ID, 403), (HEADER_TIMESTAMP, 403), (HEADER_SIGNATURE, 403), (HEADER_TYPE, 400)]
)
def test_each_missing_header_is_refused_and_nothing_queued(
    post_eventsub, make_chat_body, sign_headers, clean_inbox, missing, status
):
    body = json.dumps(make_chat_body()).encode()
    headers = {name: value for name, value in sign_headers(body).items() if name != missing}

    response = post_eventsub(raw=body, headers=headers)

    assert response.status_code == status
    assert f"missing {missing} header" in response.content.decode()
    assert clean_inbox.llen(inbox.INBOX) == 0


@pytest.mark.parametrize(
    ("case", "tamper", "reason"),
    [
        (
            "wrong prefix",
            lambda h, b: ({**h, HEADER_SIGNATURE: h[HEADER_SIGNATURE].replace("sha256=", "md5=")}, b),
            "must start with sha256=",
        ),
        ("bad hex", lambda h, b: ({**h, HEADER_SIGNATURE: "sha256=" + "g" * 64}, b), "not a 64-digit hex"),
        ("tampered body", lambda h, b: (h, b.replace(b"Hi chat", b"Hi chaT")), "signature does not match"),
        ("empty body", lambda h, b: (h, b""), "signature does not match"),
        ("stale timestamp", None, "older than 10 minutes"),
    ],
)
def test_bad_signatures_and_replays_are_403_with_a_reason(
    post_eventsub, make_chat_body, sign_headers, clean_inbox, case, tamper, reason
):
    body = json.dumps(make_chat_body()).encode()
    if tamper is None:
        stale = format_timestamp(datetime.now(UTC) - timedelta(minutes=11))
        headers = sign_headers(body, timestamp=stale)
    else:
        headers, body = tamper(sign_headers(body), body)

    response = post_eventsub(raw=body, headers=headers)

    assert response.status_code == 403, case
    assert reason in response.content.decode(), case
    assert clean_inbox.llen(inbox.INBOX) == 0


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"", "empty body"),
        (b'"just a string"', "must be a JSON object"),
        (
            b'{"subscription": {"id": "s", "type": "channel.chat.message"}, "event": {"message_id": "m"}}',
            "event.message.text",
        ),
    ],
)
def test_malformed_but_signed_bodies_are_400(post_eventsub, clean_inbox, raw, reason):
    response = post_eventsub(raw=raw)
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert clean_inbox.llen(inbox.INBOX) == 0


def test_get_is_not_allowed(client):
    assert client.get("/twitch/eventsub/").status_code == 405


def test_unset_secret_is_503_not_500(client, settings, make_chat_body, sign_headers):
    body = json.dumps(make_chat_body()).encode()
    headers = sign_headers(body)
    settings.TWITCH_EVENTSUB_SECRET = ""
    response = client.post("/twitch/eventsub/", data=body, content_type="application/json", headers=headers)
    assert response.status_code == 503
    assert b"not configured" in response.content


def test_unreachable_redis_is_503_so_twitch_retries(post_eventsub, make_chat_body, settings, tmp_path):
    settings.REDIS_URL = f"unix://{tmp_path}/no-redis.sock"
    response = post_eventsub(make_chat_body())
    assert response.status_code == 503


def test_a_queued_notification_is_taken_even_if_its_drain_cannot_be_scheduled(
    post_eventsub, make_chat_body, clean_inbox, monkeypatch
):
    from kombu.exceptions import OperationalError

    from chat import webhook

    def broker_gone():
        raise OperationalError("Error 111 connecting to the broker")

    monkeypatch.setattr(webhook, "_schedule_drain", broker_gone)
    response = post_eventsub(make_chat_body())
    assert response.status_code == 204  # a 5xx would bring it back only as a duplicate
    assert clean_inbox.llen(inbox.INBOX) == 1


def test_other_event_types_are_acknowledged_but_not_queued(post_eventsub, make_chat_body, clean_inbox):
    response = post_eventsub(make_chat_body(subscription_type="channel.follow"))
    assert response.status_code == 204
    assert clean_inbox.llen(inbox.INBOX) == 0


def test_forged_notification_is_403_and_not_queued(post_eventsub, make_chat_body, clean_inbox, subscription):
    response = post_eventsub(make_chat_body(), secret="guessed-secret-123")
    assert response.status_code == 403
    assert b"signature does not match" in response.content
    assert clean_inbox.llen(inbox.INBOX) == 0


def test_a_signed_body_nested_too_deeply_is_400_and_nothing_queued(post_eventsub, clean_inbox, db):
    body = b'{"subscription": {"id": "s", "type": "channel.chat.message"}, "event": ' + b"[" * 100_000
    body += b"]" * 100_000 + b"}"

    response = post_eventsub(raw=body)

    assert response.status_code == 400
    assert "nested too deeply" in response.content.decode()
    assert clean_inbox.llen(inbox.INBOX) == 0
