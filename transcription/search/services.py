"""SCAFFOLD: replaced by the embeddings work (issue 11 §3)."""

from __future__ import annotations

from collections.abc import Callable


def clip_embed(*, clip_id: int, progress: Callable[[float], None] | None = None) -> None:
    """Replace the clip's search rows: its transcript windows and its summary, embedded."""
    raise NotImplementedError("embeddings are not built yet")
