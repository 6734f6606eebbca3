"""Chat activity over a stream's timeline: messages and distinct chatters per window. Pure: no Django."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

WINDOW_SECONDS = 10.0


@dataclass(frozen=True)
class ActivityWindow:
    start: float  # seconds on the stream timeline
    messages: int
    chatters: int


def activity_series(
    events: Iterable[tuple[float, str]], *, duration: float, window: float = WINDOW_SECONDS
) -> list[ActivityWindow]:
    """One window per ``window`` seconds of ``[0, duration)``, empty ones included, so the series lines up
    with other per-time series (loudness, speech). ``events`` are ``(offset_seconds, chatter)``; events
    outside the stream are ignored.
    """
    if window <= 0:
        raise ValueError("window must be positive")
    count = math.ceil(duration / window) if duration > 0 else 0
    messages = [0] * count
    chatters: list[set[str]] = [set() for _ in range(count)]
    for offset, chatter in events:
        if not 0 <= offset < duration:
            continue
        index = min(int(offset // window), count - 1)
        messages[index] += 1
        chatters[index].add(chatter)
    return [ActivityWindow(start=index * window, messages=messages[index], chatters=len(chatters[index]))
            for index in range(count)]
