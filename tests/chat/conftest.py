"""Chat fixtures: a local Twitch (Helix + OAuth) that speaks the documented endpoints, signed EventSub posts."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from chat.eventsub import format_timestamp, message_headers

EVENTSUB_SECRET = "test-eventsub-secret-0123"
CLIENT_ID = "fake-client-id"
CLIENT_SECRET = "fake-client-secret"


class FakeTwitch:
    """State of the fake Twitch: registered users, issued tokens, subscriptions."""

    def __init__(self) -> None:
        self.users = {
            "streamer": {"id": "1971641", "login": "streamer", "display_name": "Streamer"},
            "otherstreamer": {"id": "5550001", "login": "otherstreamer", "display_name": "OtherStreamer"},
        }
        self.tokens: set[str] = set()
        self.token_requests = 0
        self.subscriptions: dict[str, dict] = {}
        self.page_size = 100
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def add_subscription(self, **fields) -> dict:
        record = {
            "id": str(uuid.uuid4()), "status": "enabled", "type": "channel.chat.message", "version": "1",
            "condition": {}, "created_at": "2026-05-01T12:00:00.000000000Z",
            "transport": {"method": "webhook", "callback": "https://studio.example.com/twitch/eventsub/"}, "cost": 0,
            **fields,
        }
        self.subscriptions[record["id"]] = record
        return record


def _handler(twitch: FakeTwitch):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep test output clean
            pass

        def _send(self, status: int, body: dict | None = None) -> None:
            payload = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _error(self, status: int, message: str) -> None:
            self._send(status, {"error": self.responses[status][0], "status": status, "message": message})

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _authorized(self) -> bool:
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            if self.headers.get("Client-Id") != CLIENT_ID:
                self._error(401, "Client-Id header required")
                return False
            if token not in twitch.tokens:
                self._error(401, "Invalid OAuth token")
                return False
            return True

        def _route(self, method: str) -> None:
            url = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            with twitch.lock:
                twitch.requests.append((method, url.path))
            if method == "POST" and url.path == "/oauth2/token":
                return self._token(parse_qs(self._body().decode()))
            if not url.path.startswith("/helix/"):
                return self._error(404, "not found")
            if not self._authorized():
                return None
            route = (method, url.path.removeprefix("/helix"))
            if route == ("GET", "/users"):
                found = [twitch.users[query["login"]]] if query.get("login") in twitch.users else []
                return self._send(200, {"data": found})
            if route == ("POST", "/eventsub/subscriptions"):
                return self._create(self._body())
            if route == ("GET", "/eventsub/subscriptions"):
                return self._list(query)
            if route == ("DELETE", "/eventsub/subscriptions"):
                if twitch.subscriptions.pop(query.get("id", ""), None) is None:
                    return self._error(404, "subscription not found")
                return self._send(204)
            return self._error(404, "not found")

        def _token(self, form: dict) -> None:
            if form.get("grant_type") != ["client_credentials"]:
                return self._error(400, "unsupported grant type")
            if form.get("client_id") != [CLIENT_ID] or form.get("client_secret") != [CLIENT_SECRET]:
                return self._error(403, "invalid client secret")
            token = uuid.uuid4().hex
            with twitch.lock:
                twitch.tokens.add(token)
                twitch.token_requests += 1
            return self._send(200, {"access_token": token, "expires_in": 5011271, "token_type": "bearer"})

        def _create(self, raw: bytes) -> None:
            try:
                body = json.loads(raw)
            except ValueError:
                return self._error(400, "malformed JSON")
            transport = body.get("transport") or {}
            if transport.get("method") != "webhook" or not str(transport.get("callback", "")).startswith("https://"):
                return self._error(400, "transport.callback must be an https URL")
            if not 10 <= len(transport.get("secret") or "") <= 100:
                return self._error(400, "transport.secret must be between 10 and 100 characters")
            if body.get("type") != "channel.chat.message" or body.get("version") != "1":
                return self._error(400, "unsupported type or version")
            condition = body.get("condition") or {}
            if set(condition) != {"broadcaster_user_id", "user_id"}:
                return self._error(400, "condition needs broadcaster_user_id and user_id")
            if any(item["condition"] == condition and item["type"] == body["type"]
                   for item in twitch.subscriptions.values()):
                return self._error(409, "subscription already exists")
            record = twitch.add_subscription(
                status="webhook_callback_verification_pending", condition=condition,
                transport={"method": "webhook", "callback": transport["callback"]}, cost=0,
            )
            return self._send(202, {"data": [record], "total": len(twitch.subscriptions), "total_cost": 0,
                                    "max_total_cost": 10000})

        def _list(self, query: dict) -> None:
            items = [
                item for item in twitch.subscriptions.values()
                if query.get("status", item["status"]) == item["status"]
                and query.get("type", item["type"]) == item["type"]
                and (not query.get("user_id") or query["user_id"] in item["condition"].values())
            ]
            start = int(query.get("after") or 0)
            page = items[start:start + twitch.page_size]
            more = start + twitch.page_size < len(items)
            return self._send(200, {"data": page, "total": len(items), "total_cost": 0, "max_total_cost": 10000,
                                    "pagination": {"cursor": str(start + twitch.page_size)} if more else {}})

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_DELETE(self) -> None:
            self._route("DELETE")

    return Handler


@pytest.fixture
def fake_twitch(settings):
    """A running fake Twitch on loopback; settings point the real Helix client at it."""
    from chat.services import _client

    twitch = FakeTwitch()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(twitch))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    settings.TWITCH_CLIENT_ID = CLIENT_ID
    settings.TWITCH_CLIENT_SECRET = CLIENT_SECRET
    settings.TWITCH_API_URL = base + "/helix"
    settings.TWITCH_AUTH_URL = base + "/oauth2/token"
    twitch.base_url = base
    _client.cache_clear()
    yield twitch
    server.shutdown()
    server.server_close()
    _client.cache_clear()


@pytest.fixture
def eventsub_secret(settings):
    settings.TWITCH_EVENTSUB_SECRET = EVENTSUB_SECRET
    return EVENTSUB_SECRET


@pytest.fixture
def clean_inbox(db):
    """The webhook's Redis keys start empty and are left empty."""
    from chat.services import redis_client

    client = redis_client()

    def wipe() -> None:
        keys = list(client.scan_iter(match="chat:eventsub:*", count=1000))
        if keys:
            client.delete(*keys)

    wipe()
    yield client
    wipe()


def chat_body(*, subscription_id="sub-1", message_id=None, text="Hi chat", chatter="viewer32",
              broadcaster_id="1971641", subscription_type="channel.chat.message") -> dict:
    """A ``channel.chat.message`` notification body as Twitch documents it."""
    return {
        "subscription": {
            "id": subscription_id, "status": "enabled", "type": subscription_type, "version": "1",
            "condition": {"broadcaster_user_id": broadcaster_id, "user_id": broadcaster_id},
            "transport": {"method": "webhook", "callback": "https://studio.example.com/twitch/eventsub/"},
            "created_at": "2026-05-01T12:00:00.000000000Z", "cost": 0,
        },
        "event": {
            "broadcaster_user_id": broadcaster_id, "broadcaster_user_login": "streamer",
            "broadcaster_user_name": "Streamer", "chatter_user_id": "4145994", "chatter_user_login": chatter,
            "chatter_user_name": chatter.title(), "message_id": message_id or str(uuid.uuid4()),
            "message": {"text": text, "fragments": [{"type": "text", "text": text}]},
            "color": "#00FF00", "badges": [], "message_type": "text",
        },
    }


@pytest.fixture
def make_chat_body():
    return chat_body


def signed_headers(body: bytes, *, kind="notification", message_id=None, timestamp=None,
                   secret=EVENTSUB_SECRET) -> dict:
    return message_headers(secret, body, message_id=message_id or str(uuid.uuid4()),
                           timestamp=timestamp or format_timestamp(datetime.now(UTC)), message_type=kind)


@pytest.fixture
def sign_headers(eventsub_secret):
    """``sign_headers(body_bytes, kind=, message_id=, timestamp=, secret=)``: headers as Twitch signs them."""
    return signed_headers


@pytest.fixture
def post_eventsub(client, eventsub_secret, clean_inbox):
    """POST a signed EventSub message to the webhook: ``post_eventsub(doc, kind=..., headers=...)``."""

    def post(doc=None, *, raw: bytes | None = None, headers: dict | None = None, **signing):
        body = raw if raw is not None else json.dumps(doc).encode()
        sent = headers if headers is not None else signed_headers(body, **signing)
        return client.post("/twitch/eventsub/", data=body, content_type="application/json", headers=sent)

    return post


@pytest.fixture
def link(user):
    from chat.models import TwitchLink

    return TwitchLink.objects.create(owner=user, twitch_user_id="1971641", login="streamer", display_name="Streamer")


@pytest.fixture
def subscription(link):
    from chat.models import EventSubSubscription

    return EventSubSubscription.objects.create(
        owner=link.owner, link=link, twitch_id="sub-1", status="enabled", twitch_status="enabled",
        condition={"broadcaster_user_id": link.twitch_user_id, "user_id": link.twitch_user_id},
        callback_url="https://studio.example.com/twitch/eventsub/",
    )


@pytest.fixture
def drain():
    """Run what the drain task runs, in this process (a worker would, against the same Redis and database)."""
    from chat.services import eventsub_inbox_drain

    return lambda task_id="test-drain": eventsub_inbox_drain(task_id=task_id)
