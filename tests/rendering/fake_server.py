"""What the local fakes of third-party APIs share: a threaded HTTP server on a free port and scripted faults."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeServer:
    """Subclasses give the request handler class; faults have ``on`` (the request kind) and ``skip``."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]):
        self.faults: list = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def take_fault(self, on: str):
        """The next scripted fault for this kind of request, in order; None while its ``skip`` lets one pass."""
        with self.lock:
            for index, fault in enumerate(self.faults):
                if fault.on == on:
                    if fault.skip:
                        fault.skip -= 1
                        return None
                    return self.faults.pop(index)
        return None

    def start(self):
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
