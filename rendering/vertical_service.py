"""A vertical (9:16) clip of a moment in a recording, captioned from its transcript, saved to storage."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from django.db import transaction

from pipeline.ffmpeg import FFmpegError
from pipeline.media import local_path, save_output
from pipeline.models import PipelineRun, RunStatus, StepRun, StepStatus
from pipeline.progress import ProgressThrottle
from pipeline.services import run_create, run_finish, run_set_status, step_claim, step_finish, step_progress
from rendering.vertical import render_vertical
from streams.models import VideoClip
from transcription.selectors import clip_segments


def vertical_key(clip_id: int, start: float, end: float) -> str:
    return f"vertical/clip-{clip_id}-{start:.3f}-{end:.3f}.mp4"


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
    key = vertical_key(clip.id, start, end)
    with local_path(clip.file) as source, tempfile.TemporaryDirectory(prefix="vertical-") as tmp:
        output = Path(tmp) / "vertical.mp4"
        render_vertical(source, start, end, output, segments=clip_segments(clip), logo=logo, progress=progress)
        return save_output(output, key)


def vertical_clip_start(*, owner, clip_id: int, start: float, end: float) -> tuple[PipelineRun, str]:
    """Queue :func:`clip_render_vertical` as a render run (progress pushed like any run); returns the run and
    the storage key the clip will have."""
    from rendering.tasks import render_vertical_clip

    clip = VideoClip.objects.select_related("stream").get(id=clip_id, stream__owner=owner)
    if not 0 <= start < end <= clip.duration + 0.001:
        raise ValueError(f"{clip.original_name}: need 0 <= start < end <= {clip.duration:.3f} s (got {start}..{end})")
    key = vertical_key(clip.id, start, end)
    run = run_create(
        owner=owner,
        kind=PipelineRun.Kind.RENDER,
        stream=clip.stream,
        steps=[{"name": "vertical", "clip": clip, "label": key}],
    )
    transaction.on_commit(lambda: render_vertical_clip.apply_async((run.id, clip.id, start, end)))
    return run, key


def vertical_clip_run(*, run_id: int, clip_id: int, start: float, end: float) -> None:
    """The task's body: claim the step, render with progress, finish the run (failed with ffmpeg's words)."""
    step = StepRun.objects.filter(run_id=run_id).order_by("position").first()
    if step is None or not step_claim(step.id):
        return
    run_set_status(run_id, RunStatus.RENDERING)
    progress = ProgressThrottle(lambda percent: step_progress(step.id, percent))
    try:
        clip_render_vertical(clip_id=clip_id, start=start, end=end, progress=progress)
    except (FFmpegError, ValueError) as error:
        step_finish(step.id, status=StepStatus.FAILED, error=str(error))
    else:
        step_finish(step.id)
    run_finish(run_id)
