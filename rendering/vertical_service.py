"""A vertical (9:16) clip of a moment in a recording, captioned from its transcript, saved to storage."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from pipeline.media import local_path, save_output
from rendering.vertical import render_vertical
from streams.models import VideoClip
from transcription.selectors import clip_segments


def clip_render_vertical(
    *,
    clip_id: int,
    start: float,
    end: float,
    logo: Path | None = None,
    progress: Callable[[float], None] | None = None,
) -> str:
    """Render clip seconds [start, end) as 1080x1920 with burned-in word-timed captions; returns the storage key.

    The key is derived from the clip and the times, so rendering the same moment again replaces it.
    """
    clip = VideoClip.objects.get(id=clip_id)
    if not 0 <= start < end <= clip.duration + 0.001:
        raise ValueError(f"{clip.original_name}: need 0 <= start < end <= {clip.duration:.3f} s (got {start}..{end})")
    key = f"vertical/clip-{clip.id}-{start:.3f}-{end:.3f}.mp4"
    with local_path(clip.file) as source, tempfile.TemporaryDirectory(prefix="vertical-") as tmp:
        output = Path(tmp) / "vertical.mp4"
        render_vertical(source, start, end, output, segments=clip_segments(clip), logo=logo, progress=progress)
        return save_output(output, key)
