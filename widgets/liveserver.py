"""A real ASGI server process (uvicorn or daphne) on a loopback port, for browser tests and benchmarks.

pytest-django's ``live_server`` speaks only HTTP; OBS pages need websockets, so these start the project's
ASGI application the way production does.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


SERVERS = ("uvicorn", "daphne")


def server_argv(kind: str, *, host: str, port: int) -> list[str]:
    """How production starts the web process (Dockerfile, docker-compose.yml), on ``host:port``."""
    if kind == "uvicorn":
        # uvloop, httptools and the sans-I/O websockets protocol (no tasks of its own per connection):
        # pushes to 500 OBS pages cost about half of daphne's Twisted/autobahn path, and there are fewer
        # live objects for the garbage collector to walk (benchmarks/widget_fanout.py --asgi-servers).
        return [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", host, "--port", str(port),
                "--loop", "uvloop", "--http", "httptools", "--ws", "websockets-sansio", "--no-access-log",
                "--log-level", "warning"]
    if kind == "daphne":
        return [sys.executable, "-m", "daphne", "-b", host, "-p", str(port), "config.asgi:application"]
    raise ValueError(f"unknown ASGI server {kind!r}: choose from {', '.join(SERVERS)}")


class AsgiServer:
    def __init__(
        self, *, log_path: Path, env: dict | None = None, port: int | None = None, kind: str = "uvicorn"
    ) -> None:
        self.kind = kind
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **(env or {})}
        self.process: subprocess.Popen | None = None

    def websocket_url(self, token: str) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/widgets/?token={token}"

    def start(self, timeout: float = 60) -> None:
        argv = server_argv(self.kind, host="127.0.0.1", port=self.port)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with {self.process.returncode}:\n{self._log_tail()}")
            try:
                with urlopen(f"{self.url}/widgets/0/", timeout=2):
                    return
            except HTTPError:
                return  # any HTTP answer (here a 403) means the app is serving
            except (URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.kind} did not answer on {self.url} within {timeout:.0f} s:\n{self._log_tail()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def cpu_seconds(self) -> float:
        """User + system CPU time the server has used so far (Linux), to measure work independent of load."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]
