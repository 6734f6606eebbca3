"""A local HTTP server speaking the parts of Google's OAuth token endpoint and YouTube Data API v3 we use.

It is strict where YouTube is: a chunk must start exactly at the next byte the server holds, so a client that
resumes from the wrong byte (the reference's off-by-one) gets a 400 instead of a silently corrupt video.
Faults are scripted per request kind (``init``, ``chunk``, ``status``, ``playlist``) and consumed in order.
"""

from __future__ import annotations

import json
import re
import socket
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from tests.rendering.fake_server import FakeServer

REFRESH_TOKEN = "1//fake-refresh-token-never-log-me"
UPLOAD_PATH = "/upload/youtube/v3/videos"


@dataclass
class Fault:
    on: str  # init | chunk | status | playlist
    kind: str  # drop | partial | 429 | quota | 503
    keep: int | None = None  # drop/partial: bytes of the chunk the server keeps (default: half)
    retry_after: str | None = None
    skip: int = 0  # let this many matching requests through first


@dataclass
class Session:
    total: int
    content_type: str
    metadata: dict
    data: bytearray = field(default_factory=bytearray)
    video_id: str | None = None


@dataclass
class Seen:
    method: str
    path: str
    content_range: str | None
    status: int


class FakeYouTube(FakeServer):
    def __init__(self):
        super().__init__(_handler_for(self))
        self.sessions: dict[str, Session] = {}
        self.videos: dict[str, Session] = {}
        self.playlists: dict[str, list[str]] = {"PLseries": []}
        self.log: list[Seen] = []
        self.tokens_issued = 0
        self.refresh_token = REFRESH_TOKEN

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    def fail(self, on: str, kind: str, **options) -> None:
        self.faults.append(Fault(on=on, kind=kind, **options))

    def chunk_ranges(self) -> list[str]:
        return [seen.content_range for seen in self.log if seen.method == "PUT" and "*" not in seen.content_range]


def _handler_for(fake: FakeYouTube):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - quiet test output
            pass

        # --- plumbing ------------------------------------------------------------------------------
        def _body(self, limit: int | None = None) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length if limit is None else min(limit, length))

        def _send(self, status: int, body: dict | None = None, headers: dict | None = None) -> None:
            payload = json.dumps(body).encode() if body is not None else b""
            # Logged before answering: the client may read the answer and look at the log at once.
            fake.log.append(Seen(self.command, self.path, self.headers.get("Content-Range"), status))
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _error(self, status: int, reason: str, message: str, headers: dict | None = None) -> None:
            body = {"error": {"code": status, "message": message, "errors": [{"reason": reason, "message": message}]}}
            self._send(status, body, headers)

        def _drop(self) -> None:
            fake.log.append(Seen(self.command, self.path, self.headers.get("Content-Range"), 0))
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

        def _authorized(self) -> bool:
            if re.fullmatch(r"Bearer access-\d+", self.headers.get("Authorization", "")):
                return True
            self._body()
            self._error(401, "authError", "Invalid Credentials")
            return False

        def _scripted(self, on: str) -> bool:
            """Answer with the next scripted fault for this kind of request; False when there is none."""
            fault = fake.take_fault(on)
            if fault is None or fault.kind in ("drop", "partial"):
                self.fault = fault
                return False
            self._body()
            if fault.kind == "429":
                self._error(429, "rateLimitExceeded", "Too many requests", {"Retry-After": fault.retry_after or "7"})
            elif fault.kind == "quota":
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                self._error(403, "quotaExceeded", "The request cannot be completed: quota exceeded.", headers)
            else:
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                self._error(int(fault.kind), "backendError", "Backend Error", headers)
            return True

        # --- routes --------------------------------------------------------------------------------
        def do_POST(self):
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            if url.path == "/token":
                return self._token()
            if not self._authorized():
                return None
            if url.path == UPLOAD_PATH:
                return self._init(query)
            if url.path == "/youtube/v3/playlistItems":
                return self._playlist_insert(query)
            self._body()
            return self._error(404, "notFound", f"no route {url.path}")

        def do_PUT(self):
            url = urlsplit(self.path)
            if not self._authorized():
                return None
            upload_id = parse_qs(url.query).get("upload_id", [""])[0]
            session = fake.sessions.get(upload_id)
            if url.path != UPLOAD_PATH or session is None:
                self._body()
                return self._error(404, "notFound", "upload session not found")
            content_range = self.headers.get("Content-Range", "")
            if content_range == f"bytes */{session.total}":
                return self._status(session)
            return self._chunk(session, content_range)

        def _token(self):
            form = parse_qs(self._body().decode())
            grant, token = form.get("grant_type", [""])[0], form.get("refresh_token", [""])[0]
            if grant != "refresh_token" or token != fake.refresh_token:
                return self._send(400, {"error": "invalid_grant", "error_description": "Token has been revoked."})
            fake.tokens_issued += 1
            return self._send(
                200, {"access_token": f"access-{fake.tokens_issued}", "expires_in": 3600, "token_type": "Bearer"}
            )

        def _init(self, query):
            if query.get("uploadType") != ["resumable"] or query.get("part") != ["snippet,status"]:
                self._body()
                return self._error(400, "invalidParameter", f"bad query {query}")
            if self._scripted("init"):
                return None
            metadata = json.loads(self._body() or b"{}")
            total = self.headers.get("X-Upload-Content-Length", "")
            if not total.isdigit() or not metadata.get("snippet", {}).get("title"):
                return self._error(400, "invalidMetadata", "X-Upload-Content-Length and snippet.title are required")
            upload_id = f"up{len(fake.sessions) + 1}"
            fake.sessions[upload_id] = Session(int(total), self.headers.get("X-Upload-Content-Type", ""), metadata)
            location = f"{fake.url}{UPLOAD_PATH}?uploadType=resumable&upload_id={upload_id}"
            return self._send(200, None, {"Location": location})

        def _status(self, session: Session):
            if self._scripted("status"):
                return None
            self._body()
            if session.video_id:
                return self._send(200, {"id": session.video_id, **session.metadata})
            return self._send(308, None, self._range(session))

        def _chunk(self, session: Session, content_range: str):
            match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", content_range)
            if not match or int(match[3]) != session.total:
                self._body()
                return self._error(400, "badContentRange", f"bad Content-Range {content_range!r}")
            start, end = int(match[1]), int(match[2])
            if start != len(session.data):
                self._body()
                return self._error(400, "badContentRange", f"chunk starts at {start}, server has {len(session.data)}")
            if self._scripted("chunk"):
                return None
            fault = self.fault
            if fault and fault.kind == "drop":
                session.data += self._body(limit=fault.keep if fault.keep is not None else (end - start + 1) // 2)
                return self._drop()
            data = self._body()
            if len(data) != end - start + 1:
                return self._error(400, "badContentRange", "body length does not match Content-Range")
            if fault and fault.kind == "partial":
                data = data[: fault.keep if fault.keep is not None else len(data) // 2]
            session.data += data
            if len(session.data) < session.total:
                return self._send(308, None, self._range(session))
            session.video_id = f"vid{len(fake.videos) + 1}"
            fake.videos[session.video_id] = session
            return self._send(201, {"id": session.video_id, "kind": "youtube#video", **session.metadata})

        def _range(self, session: Session) -> dict:
            return {"Range": f"bytes=0-{len(session.data) - 1}"} if session.data else {}

        def _playlist_insert(self, query):
            if self._scripted("playlist"):
                return None
            body = json.loads(self._body() or b"{}")
            snippet = body.get("snippet", {})
            playlist, video = snippet.get("playlistId"), snippet.get("resourceId", {}).get("videoId")
            if query.get("part") != ["snippet"] or playlist not in fake.playlists:
                return self._error(404, "playlistNotFound", f"playlist {playlist!r} not found")
            if video not in fake.videos:
                return self._error(404, "videoNotFound", f"video {video!r} not found")
            fake.playlists[playlist].append(video)
            return self._send(200, {"id": f"PLI-{playlist}-{len(fake.playlists[playlist])}", "snippet": snippet})

    return Handler
