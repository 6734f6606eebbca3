"""A local HTTP server for HLS: a generated VOD, a live playlist that grows, and the faults a download meets.

Used by the VOD and live-recording tests and by ``benchmarks/download.py``: no internet. The server runs
in a thread of the test process; ``hits`` counts requests per path so a test can see a retry happen.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".json": "application/json"}


def make_hls(ffmpeg: str, folder: Path, *, seconds: int = 6, segment: float = 1.0, size: str = "160x90") -> Path:
    """An HLS VOD (H.264 + a 440 Hz tone, ``segment``-second segments) in ``folder``; returns its playlist."""
    folder.mkdir(parents=True, exist_ok=True)
    playlist = folder / "vod.m3u8"
    if not playlist.exists():
        subprocess.run(
            [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=10:duration={seconds}",
             "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}:sample_rate=48000",
             "-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-pix_fmt", "yuv420p",
             "-c:a", "aac", "-b:a", "48k", "-f", "hls", "-hls_time", str(segment), "-hls_playlist_type", "vod",
             "-hls_segment_filename", str(folder / "seg%03d.ts"), str(playlist)],
            check=True,
        )  # fmt: skip
    return playlist


def segment_lines(playlist: Path) -> list[tuple[float, str]]:
    """(EXTINF seconds, segment URI) of a media playlist."""
    lines = playlist.read_text().splitlines()
    return [
        (float(line.split(":", 1)[1].split(",")[0]), lines[index + 1])
        for index, line in enumerate(lines)
        if line.startswith("#EXTINF:")
    ]


@dataclass
class LivePlaylist:
    """A live media playlist over ``segments``: one more appears every ``interval`` seconds, then ENDLIST."""

    segments: list[tuple[float, str]]
    start_with: int = 2
    interval: float = 0.3
    discontinuity_before: set[int] = field(default_factory=set)
    start_date: datetime | None = None  # with it, each segment carries its EXT-X-PROGRAM-DATE-TIME
    shown: int = 0
    ended: bool = False

    def serve(self, _request=None) -> tuple[int, str, bytes]:
        return 200, CONTENT_TYPES[".m3u8"], self.text().encode()

    def grow(self) -> None:
        self.shown = min(self.start_with, len(self.segments))
        while self.shown < len(self.segments):
            time.sleep(self.interval)
            self.shown += 1
        time.sleep(self.interval)
        self.ended = True

    def text(self) -> str:
        target = max(round(seconds) for seconds, _ in self.segments) or 1
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target}", "#EXT-X-MEDIA-SEQUENCE:0"]
        at = 0.0
        for index, (seconds, uri) in enumerate(self.segments[: self.shown]):
            if index in self.discontinuity_before:
                lines.append("#EXT-X-DISCONTINUITY")
            if self.start_date is not None:
                date = self.start_date + timedelta(seconds=at)
                lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{date.isoformat(timespec='milliseconds')}")
            at += seconds
            lines += [f"#EXTINF:{seconds:.6f},", uri]
        if self.ended:
            lines.append("#EXT-X-ENDLIST")
        return "\n".join(lines) + "\n"


class HLSServer:
    """Serves ``root`` over HTTP on 127.0.0.1, with faults on chosen paths.

    ``drops[path] = n``: the first n answers send half the body (with the full Content-Length) and close
    the connection. ``forbidden``: 403. ``routes``: path -> callable taking the request and giving (status,
    content type, body): fake APIs and live playlists.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.hits: Counter[str] = Counter()
        self.drops: Counter[str] = Counter()
        self.forbidden: set[str] = set()
        self.routes: dict[str, Callable[[BaseHTTPRequestHandler], tuple[int, str, bytes]]] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                server.handle(self)

            def do_POST(self) -> None:
                server.handle(self)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                pass  # a client that hangs up (yt-dlp retrying, streamlink closing) is no news

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> HLSServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.split("?", 1)[0]
        self.hits[path] += 1
        length = int(request.headers.get("Content-Length") or 0)
        request.body = request.rfile.read(length) if length else b""
        if path in self.routes:
            status, content_type, body = self.routes[path](request)
            return self._send(request, status, content_type, body)
        if path in self.forbidden:
            return self._send(request, 403, "text/plain", b"Forbidden")
        file = (self.root / path.lstrip("/")).resolve()
        if not file.is_relative_to(self.root.resolve()) or not file.is_file():
            return self._send(request, 404, "text/plain", b"Not Found")
        body = file.read_bytes()
        content_type = CONTENT_TYPES.get(file.suffix, "text/html")
        if self.hits[path] <= self.drops[path]:
            request.send_response(200)
            request.send_header("Content-Type", content_type)
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body[: len(body) // 2])
            request.wfile.flush()
            request.close_connection = True
            return None
        return self._send(request, 200, content_type, body)

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, content_type: str, body: bytes) -> None:
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(body)
