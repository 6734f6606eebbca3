"""Vertical (9:16) clips, captioned from the transcript, saved to storage: of a moment in a recording, or of
an episode's render (the one ``manage.py publish --tiktok`` posts)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from django.db import transaction

from episodes.cutlist import CutListError
from episodes.models import Episode
from episodes.services import cut_list_validate
from pipeline.ffmpeg import FFmpegError
from pipeline.media import local_path, save_output
from pipeline.models import PipelineRun, RunStatus, StepRun, StepStatus
from pipeline.progress import ProgressThrottle
from pipeline.services import run_create, run_finish, run_set_status, step_claim, step_finish, step_progress
from rendering.subtitles import timeline_cues
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


def episode_vertical_key(episode_id: int) -> str:
    """Where an episode's vertical render lives: one per episode, so rendering it again replaces it."""
    return f"vertical/episode-{episode_id}.mp4"


def episode_render_vertical(
    *,
    episode_id: int,
    start: float = 0.0,
    end: float | None = None,
    progress: Callable[[float], None] | None = None,
) -> str:
    """Render seconds [start, end) of the episode's render as 1080x1920, captioned from its transcript.

    No logo: this is what ``publish --tiktok`` posts, and TikTok forbids adding a watermark or branding.
    """
    episode = Episode.objects.select_related("stream").get(id=episode_id)
    if not episode.rendered_file:
        raise ValueError(f"episode {episode.pk} has no render yet: render it first")
    cut_list = _valid_cut_list(episode)
    length = cut_list.output_frames / cut_list.frame_rate if cut_list else episode.duration
    end = length if end is None else end
    if not 0 <= start < end <= length + 0.001:
        raise ValueError(f"episode {episode.pk}: need 0 <= start < end <= {length:.3f} s (got {start}..{end})")
    segments = []
    if cut_list:
        transcripts = {clip.file.name: clip_segments(clip) for clip in episode.stream.clips.all()}
        segments = [
            {"start": cue.start, "end": cue.end, "text": cue.text, "words": [_word(*word) for word in cue.words]}
            for cue in timeline_cues(cut_list, transcripts)
        ]
    key = episode_vertical_key(episode.id)
    with local_path(episode.rendered_file) as source, tempfile.TemporaryDirectory(prefix="vertical-") as tmp:
        output = Path(tmp) / "vertical.mp4"
        render_vertical(source, start, end, output, segments=segments, progress=progress)
        return save_output(output, key)


def _valid_cut_list(episode: Episode):
    """The cut list the render was made from (its timeline places the captions); None when there is none."""
    if not episode.cut_list:
        return None
    try:
        return cut_list_validate(document=episode.cut_list, owner=episode.owner_id)
    except CutListError:
        return None


def _word(start: float, end: float, word: str) -> dict:
    return {"start": start, "end": end, "word": word}


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
