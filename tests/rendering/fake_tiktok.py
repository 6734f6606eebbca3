"""A local HTTP server speaking the parts of TikTok's Content Posting API we use (CONTRACTS.md section 9).

Strict where TikTok is: bearer tokens must be ones it issued and not revoked; a refresh needs the client key and
secret and a live refresh token; ``source_info`` must follow the chunk rules (5-64 MB chunks, the last up to
128 MB, ``total_chunk_count == floor(video_size / chunk_size)``, 1-1000 chunks); chunks must arrive in order
with a ``Content-Range`` naming exactly the next bytes; more than ``rate_limit`` API calls a minute per token
get ``rate_limit_exceeded``; a direct post's privacy level must be one the creator info offered. Every answer
carries TikTok's ``{"data", "error": {"code", "message", "log_id"}}`` envelope. Faults are scripted per request
kind (``token``, ``creator``, ``init``, ``chunk``, ``status``, ``outcome``) and consumed in order.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from tests.rendering.fake_server import FakeServer

REFRESH_TOKEN = "rft.fake-tiktok-refresh-never-log-me"
CLIENT_KEY, CLIENT_SECRET = "fake-client-key", "fake-client-secret"
MB = 1024 * 1024
# The HTTP status TikTok answers each documented error code with.
ERROR_STATUS = {
    "invalid_param": 400,
    "privacy_level_option_mismatch": 400,
    "invalid_file_upload": 400,
    "access_token_invalid": 401,
    "scope_not_authorized": 401,
    "spam_risk_too_many_posts": 403,
    "spam_risk_user_banned_from_posting": 403,
    "unaudited_client_can_only_post_to_private_accounts": 403,
    "reached_active_user_cap": 403,
    "rate_limit_exceeded": 429,
    "internal_error": 500,
}


@dataclass
class Fault:
    on: str  # token | creator | init | chunk | status; "outcome": the post FAILs with ``code`` as fail_reason
    code: str  # a documented error code, or "http500" (a bare 5xx)
    skip: int = 0  # let this many matching requests through first


@dataclass
class Upload:
    publish_id: str
    mode: str  # direct | inbox
    post_info: dict | None
    video_size: int
    chunk_size: int
    chunk_count: int
    token: str
    data: bytearray = field(default_factory=bytearray)
    chunks: list[str] = field(default_factory=list)
    polls: int = 0
    failed: str = ""


@dataclass
class Seen:
    method: str
    path: str
    status: int
    code: str = ""
    content_range: str | None = None


class FakeTikTok(FakeServer):
    def __init__(self, *, processing_polls: int = 1, rate_limit: int = 6):
        super().__init__(_handler_for(self))
        self.refresh_tokens = {REFRESH_TOKEN}
        self.access_tokens: set[str] = set()
        self.privacy_level_options = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]
        self.processing_polls = processing_polls  # status polls answered "processing" before the outcome
        self.rate_limit = rate_limit
        self.calls: dict[str, list[float]] = {}
        self.uploads: dict[str, Upload] = {}
        self.log: list[Seen] = []

    def fail(self, on: str, code: str, *, skip: int = 0) -> None:
        self.faults.append(Fault(on=on, code=code, skip=skip))

    def revoke(self) -> None:
        """The streamer removed the app in TikTok: every token it holds stops working."""
        self.refresh_tokens.clear()
        self.access_tokens.clear()

    def codes(self) -> list[str]:
        return [seen.code for seen in self.log if seen.code]


def _handler_for(fake: FakeTikTok):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - quiet test output
            pass

        # --- plumbing ------------------------------------------------------------------------------
        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _send(self, status: int, body: dict, code: str = "") -> None:
            payload = json.dumps(body).encode()
            fake.log.append(Seen(self.command, self.path, status, code, self.headers.get("Content-Range")))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _api(self, data: dict | None = None, code: str = "ok", message: str = "") -> None:
            status = 200 if code == "ok" else ERROR_STATUS.get(code, 400)
            error = {"code": code, "message": message, "log_id": uuid.uuid4().hex}
            self._send(status, {"data": data or {}, "error": error}, "" if code == "ok" else code)

        def _fault(self, on: str) -> bool:
            fault = fake.take_fault(on)
            if fault is None:
                return False
            if fault.code == "http500":
                self._send(500, {"message": "upstream unavailable"}, "http500")
            else:
                self._api(code=fault.code, message=f"scripted {fault.code}")
            return True

        def _token(self) -> str | None:
            """The bearer token, if it is live and within its rate limit; otherwise the error is sent."""
            match = re.fullmatch(r"Bearer (\S+)", self.headers.get("Authorization", ""))
            token = match[1] if match else ""
            if token not in fake.access_tokens:
                self._api(code="access_token_invalid", message="The access token is invalid or not found")
                return None
            with fake.lock:
                now = time.monotonic()
                recent = [t for t in fake.calls.get(token, []) if now - t < 60]
                limited = len(recent) >= fake.rate_limit
                if not limited:
                    recent.append(now)
                fake.calls[token] = recent
            if limited:
                self._api(code="rate_limit_exceeded", message="Too many requests for this access token")
                return None
            return token

        def _json(self) -> dict | None:
            try:
                return json.loads(self._body() or b"{}")
            except ValueError:
                self._api(code="invalid_param", message="body is not JSON")
                return None

        # --- routes --------------------------------------------------------------------------------
        def do_POST(self):  # noqa: N802 - http.server's naming
            path = urlsplit(self.path).path
            if path == "/v2/oauth/token/":
                return self._refresh()
            routes = {
                "/v2/post/publish/creator_info/query/": ("creator", self._creator_info),
                "/v2/post/publish/video/init/": ("init", lambda token, body: self._init(token, body, "direct")),
                "/v2/post/publish/inbox/video/init/": ("init", lambda token, body: self._init(token, body, "inbox")),
                "/v2/post/publish/status/fetch/": ("status", self._status),
            }
            if path not in routes:
                return self._send(404, {"error": {"code": "not_found"}})
            kind, route = routes[path]
            token = self._token()
            if token is None or self._fault(kind):
                return None
            body = self._json()
            if body is not None:
                route(token, body)
            return None

        def _refresh(self) -> None:
            form = {key: values[0] for key, values in parse_qs(self._body().decode()).items()}
            if self._fault("token"):
                return
            if (form.get("client_key"), form.get("client_secret")) != (CLIENT_KEY, CLIENT_SECRET):
                return self._send(
                    401, {"error": "invalid_client", "error_description": "Client key or secret is wrong"}
                )
            if form.get("grant_type") != "refresh_token":
                return self._send(400, {"error": "unsupported_grant_type", "error_description": "grant_type"})
            if form.get("refresh_token") not in fake.refresh_tokens:
                return self._send(
                    400,
                    {"error": "invalid_grant", "error_description": "Refresh token is invalid or expired."},
                    "invalid_grant",
                )
            access = f"act.{uuid.uuid4().hex}"
            fake.access_tokens.add(access)
            return self._send(
                200,
                {
                    "access_token": access,
                    "expires_in": 86400,
                    "open_id": "open-id-1",
                    "refresh_token": form["refresh_token"],
                    "refresh_expires_in": 31536000,
                    "scope": "user.info.basic,video.publish,video.upload",
                    "token_type": "Bearer",
                },
            )

        def _creator_info(self, token: str, body: dict) -> None:
            self._api(
                {
                    "creator_username": "streamer",
                    "creator_nickname": "The Streamer",
                    "privacy_level_options": fake.privacy_level_options,
                    "comment_disabled": False,
                    "duet_disabled": True,
                    "stitch_disabled": False,
                    "max_video_post_duration_sec": 600,
                }
            )

        def _init(self, token: str, body: dict, mode: str) -> None:
            source = body.get("source_info") or {}
            post_info = body.get("post_info")
            if mode == "direct":
                if not isinstance(post_info, dict) or "privacy_level" not in post_info:
                    return self._api(code="invalid_param", message="post_info.privacy_level is required")
                if post_info["privacy_level"] not in fake.privacy_level_options:
                    return self._api(code="privacy_level_option_mismatch", message="privacy_level not allowed")
            problem = chunk_rule_problem(source)
            if problem:
                return self._api(code="invalid_param", message=problem)
            publish_id = f"v_pub_file~v2-1.{uuid.uuid4().int % 10**18}"
            fake.uploads[publish_id] = Upload(
                publish_id,
                mode,
                post_info,
                source["video_size"],
                source["chunk_size"],
                source["total_chunk_count"],
                token,
            )
            return self._api({"publish_id": publish_id, "upload_url": f"{fake.url}/upload/?upload_id={publish_id}"})

        def _status(self, token: str, body: dict) -> None:
            upload = fake.uploads.get(body.get("publish_id", ""))
            if upload is None or upload.token not in fake.access_tokens:
                return self._api(code="invalid_publish_id", message="publish_id not found")
            outcome = fake.take_fault("outcome")
            if outcome:
                upload.failed = outcome.code
            if upload.failed:
                return self._api({"status": "FAILED", "fail_reason": upload.failed})
            if len(upload.data) < upload.video_size:
                return self._api({"status": "PROCESSING_UPLOAD", "uploaded_bytes": len(upload.data)})
            upload.polls += 1
            if upload.polls <= fake.processing_polls:
                return self._api({"status": "PROCESSING_UPLOAD", "uploaded_bytes": upload.video_size})
            if upload.mode == "inbox":
                return self._api({"status": "SEND_TO_USER_INBOX"})
            return self._api({"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [7300000000000000001]})

        def do_PUT(self):  # noqa: N802
            query = parse_qs(urlsplit(self.path).query)
            upload = fake.uploads.get((query.get("upload_id") or [""])[0])
            data = self._body()
            if upload is None:
                return self._send(404, {"error": {"code": "upload_not_found"}})
            if self._fault("chunk"):
                return None
            match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", self.headers.get("Content-Range", ""))
            if not match:
                return self._send(400, {"error": {"code": "invalid_param", "message": "Content-Range missing"}})
            first, last, total = map(int, match.groups())
            index = len(upload.chunks)
            expected_first = index * upload.chunk_size
            final = index == upload.chunk_count - 1
            expected_last = upload.video_size - 1 if final else expected_first + upload.chunk_size - 1
            if index >= upload.chunk_count or (first, last, total) != (
                expected_first,
                expected_last,
                upload.video_size,
            ):
                message = f"expected bytes {expected_first}-{expected_last}/{upload.video_size}"
                return self._send(400, {"error": {"code": "invalid_param", "message": message}}, "chunk_out_of_order")
            if len(data) != last - first + 1:
                return self._send(400, {"error": {"code": "invalid_param", "message": "Content-Length mismatch"}})
            upload.data += data
            upload.chunks.append(self.headers["Content-Range"])
            return self._send(201 if final else 206, {})

    return Handler


def chunk_rule_problem(source: dict) -> str:
    """What breaks TikTok's FILE_UPLOAD rules in ``source_info`` (empty when nothing does)."""
    if source.get("source") != "FILE_UPLOAD":
        return "source_info.source must be FILE_UPLOAD"
    try:
        size, chunk, count = int(source["video_size"]), int(source["chunk_size"]), int(source["total_chunk_count"])
    except (KeyError, TypeError, ValueError):
        return "source_info needs video_size, chunk_size and total_chunk_count"
    if size <= 0 or chunk <= 0:
        return "video_size and chunk_size must be positive"
    if size < 5 * MB:
        return "" if (chunk, count) == (size, 1) else "a video under 5 MB is uploaded whole, in one chunk"
    if not 5 * MB <= chunk <= 64 * MB:
        return "chunk_size must be 5-64 MB"
    if count != size // chunk or not 1 <= count <= 1000:
        return "total_chunk_count must be floor(video_size / chunk_size), 1-1000"
    if size - (count - 1) * chunk > 128 * MB:
        return "the last chunk may hold at most 128 MB"
    return ""
