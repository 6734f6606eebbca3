"""The webhook as production serves it (``config.asgi``, no Django middleware), with a real Celery worker."""

import json
import time
import uuid
from datetime import UTC, datetime

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator

from chat.models import ChatMessage, EventSubSubscription
from chat.webhook import MAX_BODY_BYTES
from config.asgi import application


@async_to_sync
async def asgi_post(headers: dict, body: bytes, *, method="POST", path="/twitch/eventsub/"):
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(name.lower().encode(), value.encode()) for name, value in headers.items()]
             + [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": body, "more_body": False})
    start = await communicator.receive_output(10)
    content = await communicator.receive_output(10)
    await communicator.wait(5)
    return start["status"], dict(start["headers"]), content["body"]


def signed_post(sign_headers, doc, **signing):
    body = json.dumps(doc).encode()
    return asgi_post(sign_headers(body, **signing), body)


def test_other_paths_and_methods(sign_headers, clean_inbox):
    assert asgi_post({}, b"", method="GET")[0] == 405
    assert asgi_post({}, b"x" * (MAX_BODY_BYTES + 1))[0] == 413
    assert asgi_post({}, b"{}")[0] == 403
    assert asgi_post({}, b"{}", path="/twitch/eventsub")[0] == 403
    assert asgi_post({}, b"", method="GET", path="/api/health/")[0] == 200  # Django still serves the rest


@pytest.mark.slow
def test_webhook_to_stored_rows_through_a_real_worker(transactional_db, celery_worker, sign_headers, clean_inbox,
                                                      make_chat_body, link):
    subscription = EventSubSubscription.objects.create(
        owner=link.owner, link=link, twitch_id="sub-live", status="pending",
        callback_url="https://studio.example.com/twitch/eventsub/")
    verification = {"challenge": "c-123", "subscription": {"id": "sub-live", "type": "channel.chat.message",
                                                           "status": "webhook_callback_verification_pending"}}
    status, headers, body = signed_post(sign_headers, verification, kind="webhook_callback_verification")
    assert (status, body) == (200, b"c-123")
    assert headers[b"content-type"].startswith(b"text/plain")
    subscription.refresh_from_db()
    assert subscription.status == "enabled"

    messages = [make_chat_body(subscription_id="sub-live", message_id=f"chat-{n}", text=f"line {n}")
                for n in range(20)]
    delivery_ids = [str(uuid.uuid4()) for _ in messages]
    answers = [signed_post(sign_headers, doc, message_id=delivery)
               for doc, delivery in zip(messages, delivery_ids, strict=True)]
    repeats = [signed_post(sign_headers, doc, message_id=delivery)
               for doc, delivery in zip(messages[:5], delivery_ids[:5], strict=True)]
    forged = signed_post(sign_headers, make_chat_body(subscription_id="sub-live"), secret="not-the-secret")

    assert {status for status, _, _ in answers} == {204}
    assert all(headers.get(b"x-eventsub-duplicate") == b"1" for _, headers, _ in repeats)
    assert forged[0] == 403

    deadline = time.monotonic() + 60
    while ChatMessage.objects.count() < 20 and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)  # a second copy, if any, would land now
    assert sorted(ChatMessage.objects.values_list("text", flat=True)) == sorted(f"line {n}" for n in range(20))
    assert set(ChatMessage.objects.values_list("owner", flat=True)) == {link.owner_id}

    revocation = {"subscription": {"id": "sub-live", "type": "channel.chat.message", "status": "user_removed"}}
    assert signed_post(sign_headers, revocation, kind="revocation")[0] == 204
    subscription.refresh_from_db()
    assert (subscription.status, subscription.revoked_reason) == ("revoked", "user_removed")
    assert subscription.revoked_at <= datetime.now(UTC)
