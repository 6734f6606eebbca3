"""A local HTTP server speaking OpenAI's chat-completions protocol, scripted per test (CONTRACTS.md §10).

The real client code talks to it over a socket; the test decides each reply: a JSON object as the model's
content, a raw content string, a finish reason, an HTTP error with headers, a delay, or a trickled body.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    content: object = None  # a dict is sent as JSON text; a str as it is
    finish_reason: str = "stop"
    status: int = 200
    headers: dict = field(default_factory=dict)
    error: str = ""  # for an error status: the OpenAI-style error.message
    delay: float = 0.0  # seconds before answering
    trickle: float = 0.0  # seconds between single bytes of the body

    def body(self) -> bytes:
        if self.status != 200:
            return json.dumps({"error": {"message": self.error, "type": "test"}}).encode()
        content = self.content if isinstance(self.content, str) else json.dumps(self.content)
        return json.dumps(
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": self.finish_reason,
                    }
                ],
            }
        ).encode()


class ChatServer:
    """``replies``: a list taken in order, or a function of the request body giving the reply."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self.replies: list[Reply] | Callable[[dict], Reply] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                server.headers.append(dict(self.headers))
                if self.path != "/v1/chat/completions":
                    reply = Reply(status=404, error=f"no route {self.path}")
                elif callable(server.replies):
                    reply = server.replies(body)
                else:
                    reply = server.replies.pop(0)
                time.sleep(reply.delay)
                payload = reply.body()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    if reply.trickle:
                        for byte in payload:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(reply.trickle)
                    else:
                        self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ChatServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def user_prompts(self) -> list[str]:
        return [
            message["content"] for body in self.requests for message in body["messages"] if message["role"] == "user"
        ]
