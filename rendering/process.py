"""Running one ffmpeg with progress and a way to stop it (no Django).

``streams.ffmpeg.run_ffmpeg`` reports progress but cannot be interrupted; a render must stop within a
second of the admin's cancel and must never leave ffmpeg running when its task dies (time limit,
worker shutdown), so the process is killed in ``finally``.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence

from streams.ffmpeg import FFmpegError, ffmpeg_binary


class RenderCancelled(RuntimeError):
    """Someone cancelled the render; ffmpeg was stopped."""


def run_ffmpeg_until(
    args: Sequence[str],
    *,
    duration: float,
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    check_every: float = 1.0,
) -> None:
    """Run ``ffmpeg <args>``; ``progress(percent)`` as output time advances; stop when ``should_stop()``."""
    argv = [ffmpeg_binary(), "-hide_banner", "-nostdin", "-y", "-progress", "pipe:1", "-stats_period", "0.5", *args]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
    tail: deque[str] = deque(maxlen=200)
    reader = threading.Thread(target=lambda: tail.extend(process.stderr), daemon=True)
    reader.start()
    checked = time.monotonic()
    try:
        for line in process.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and value.isdigit() and progress and duration:
                progress(min(100.0, int(value) / 1e6 / duration * 100))
            if should_stop and time.monotonic() - checked >= check_every:
                checked = time.monotonic()
                if should_stop():
                    raise RenderCancelled("render cancelled")
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        reader.join(timeout=5)
    if process.returncode != 0:
        raise FFmpegError(argv, process.returncode, "".join(tail))
