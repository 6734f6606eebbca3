"""A local HTTP server speaking OpenAI's ``POST /v1/embeddings`` (CONTRACTS.md §10), for the real client to call.

It checks what OpenAI checks (the key, ``model``, ``input`` as a list of non-empty strings, ``dimensions``) and
answers each text with a deterministic unit-free vector made from the text's hash, so a test knows exactly
which vector belongs to which text. Replies can be scripted, consumed in order: a status with a body and
headers, a delay (for time limits), or a change to the proper reply (for malformed ones).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np


def vector_for(text: str, dimensions: int) -> list[float]:
    """The fake model's embedding of ``text``: the same numbers every time, not normalised (clients must)."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    return [round(float(x), 6) for x in np.random.default_rng(seed).normal(size=dimensions) * 3.0]


@dataclass
class Scripted:
    status: int = 200
    body: dict | str | None = None  # None: the proper reply
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    trickle: float = 0.0  # seconds between the reply's pieces (10 of them)
    change: Callable[[dict], dict | str] | None = None  # turns the proper reply into another


@dataclass
class Seen:
    body: dict | None
    authorization: str | None
    status: int


class FakeEmbeddings:
    def __init__(self, *, dimensions: int = 8, api_key: str = "sk-test-never-log-me"):
        self.dimensions = dimensions
        self.api_key = api_key
        self.script: list[Scripted] = []
        self.seen: list[Seen] = []  # answered requests, as they were answered
        self.received = 0  # valid requests, counted on arrival (a slow answer is still being written)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def then(self, status: int = 200, body: dict | str | None = None, **options) -> FakeEmbeddings:
        self.script.append(Scripted(status=status, body=body, **options))
        return self

    def take(self) -> Scripted:
        with self.lock:
            return self.script.pop(0) if self.script else Scripted()

    def inputs(self) -> list[list[str]]:
        return [seen.body["input"] for seen in self.seen if seen.status == 200]

    def start(self) -> FakeEmbeddings:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _split(payload: bytes, parts: int) -> list[bytes]:
    size = max(1, -(-len(payload) // parts))
    return [payload[start : start + size] for start in range(0, len(payload), size)]


def _error(message: str, kind: str = "invalid_request_error") -> dict:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


def _handler_for(fake: FakeEmbeddings):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - quiet test output
            pass

        def _send(
            self, status: int, body: dict | str, headers: dict, seen_body: dict | None, trickle: float = 0.0
        ) -> None:
            payload = (body if isinstance(body, str) else json.dumps(body)).encode()
            fake.seen.append(Seen(seen_body, self.headers.get("Authorization"), status))
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                pieces = _split(payload, 10 if trickle else 1)
                for piece in pieces:
                    self.wfile.write(piece)
                    self.wfile.flush()
                    time.sleep(trickle)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped waiting (its time limit): what a real server sees too

        def do_POST(self):  # noqa: N802 - http.server's name
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw)
            except ValueError:
                return self._send(400, _error("We could not parse the JSON body of your request."), {}, None)
            if self.path != "/v1/embeddings":
                return self._send(404, _error(f"Invalid URL (POST {self.path})"), {}, body)
            if fake.api_key and self.headers.get("Authorization") != f"Bearer {fake.api_key}":
                return self._send(401, _error("Incorrect API key provided.", "authentication_error"), {}, body)
            problem = _request_problem(body)
            if problem:
                return self._send(400, _error(problem), {}, body)
            scripted = fake.take()
            with fake.lock:
                fake.received += 1
            time.sleep(scripted.delay)
            dimensions = body.get("dimensions") or fake.dimensions
            proper = {
                "object": "list",
                "data": [
                    {"object": "embedding", "index": index, "embedding": vector_for(text, dimensions)}
                    for index, text in enumerate(body["input"])
                ],
                "model": body["model"],
                "usage": {"prompt_tokens": 1, "total_tokens": 1},
            }
            if scripted.change:
                reply = scripted.change(proper)
            elif scripted.body is not None:
                reply = scripted.body
            elif scripted.status != 200:
                reply = _error("The server had an error while processing your request.", "server_error")
            else:
                reply = proper
            return self._send(scripted.status, reply, scripted.headers, body, scripted.trickle)

    return Handler


def _request_problem(body: object) -> str | None:
    if not isinstance(body, dict) or not isinstance(body.get("model"), str) or not body["model"]:
        return "you must provide a model parameter"
    texts = body.get("input")
    if not isinstance(texts, list) or not texts or not all(isinstance(text, str) and text for text in texts):
        return "'input' must be a non-empty list of non-empty strings"
    dimensions = body.get("dimensions")
    if dimensions is not None and (not isinstance(dimensions, int) or dimensions < 1):
        return "'dimensions' must be a positive integer"
    return None
