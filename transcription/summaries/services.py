"""SCAFFOLD: replaced by the summaries work (issue 11 §2)."""

from __future__ import annotations

from collections.abc import Callable


def clip_summarise(*, clip_id: int, progress: Callable[[float], None] | None = None) -> None:
    """Summarise one clip's speech (rolling the previous clip's context forward) and replace its summary."""
    raise NotImplementedError("summaries are not built yet")
