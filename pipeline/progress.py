"""Throttled progress reports (no Django).

Decoders, Whisper and ffmpeg report progress many times a second; each write of a step's progress is a
database update plus a websocket push to the owner's pages, so every step reports through one throttle.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class ProgressThrottle:
    """Pass a percentage on to ``write`` when it moved ``every_percent`` since the last write, when
    ``every_seconds`` passed, or when it reaches 100; drop it otherwise. The first report always passes."""

    def __init__(
        self,
        write: Callable[[float], None],
        *,
        every_percent: float = 1.0,
        every_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.write, self.every_percent, self.every_seconds, self.clock = write, every_percent, every_seconds, clock
        self.last_percent: float | None = None
        self.last_at = 0.0

    def __call__(self, percent: float) -> None:
        now = self.clock()
        if (
            self.last_percent is None
            or percent - self.last_percent >= self.every_percent
            or now - self.last_at >= self.every_seconds
            or (percent >= 100 > self.last_percent)
        ):
            self.last_percent, self.last_at = percent, now
            self.write(percent)
