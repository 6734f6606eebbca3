"""SCAFFOLD: replaced by the proposals work (issue 12 §1)."""

from __future__ import annotations

from collections.abc import Callable


def stream_propose(*, stream_id: int, progress: Callable[[float], None] | None = None) -> None:
    """Replace the stream's proposed episodes and automatic highlights (never an accepted or edited one)."""
    raise NotImplementedError("proposals are not built yet")
