"""Rendering episodes: start, run (in the task), cancel. Thin: the work is in ``rendering.render``."""

from __future__ import annotations

import logging
import tempfile
from contextlib import ExitStack
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction

from episodes.cutlist import CutList, CutListError, validate_cut_list
from episodes.models import Episode
from episodes.services import cut_list_validate, episode_set_status
from pipeline.ffmpeg import Cancelled, FFmpegError, run_ffmpeg
from pipeline.media import local_path, save_output
from pipeline.models import PipelineRun, RunStatus, StepRun, StepStatus
from pipeline.progress import ProgressThrottle
from pipeline.services import run_create, run_finish, run_set_status, step_claim, step_finish, step_progress
from rendering.argv import OutputPreset, get_preset
from rendering.chapters import Chapter, build_chapters, chapter_candidates, ffmetadata
from rendering.render import missing_media, render_cut_list
from rendering.subtitles import cue_tuples, mux_extras_args, timeline_cues
from transcription.selectors import clip_segments
from transcription.subtitles import srt as srt_text

log = logging.getLogger(__name__)
ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.RENDERING)


class RenderError(ValueError):
    """The episode cannot be rendered now (already rendering, no cut list, ...)."""


def render_preset(name: str | None = None) -> OutputPreset:
    return get_preset(
        name or settings.RENDER_PRESET,
        video_codec=settings.RENDER_VIDEO_CODEC,
        crf=settings.RENDER_CRF,
        speed=settings.RENDER_SPEED,
        width=settings.RENDER_WIDTH,
        height=settings.RENDER_HEIGHT,
        audio_bitrate=settings.RENDER_AUDIO_BITRATE,
    )


def episode_transcripts(episode: Episode) -> dict[str, list[dict]]:
    """Clip transcripts by storage key, as ``{start, end, text, words}`` segments in clip seconds."""
    return {clip.file.name: clip_segments(clip) for clip in episode.stream.clips.all()}


def episode_chapters(*, episode: Episode, cut_list: CutList | None = None) -> list[Chapter]:
    cut_list = cut_list or validate_cut_list(episode.cut_list)
    titles = [f"Part {k + 1}" for k in range(len(cut_list.output))]
    candidates = chapter_candidates(cut_list, section_titles=titles)
    return build_chapters(candidates, cut_list.output_frames / cut_list.frame_rate)


def episode_render_start(*, episode: Episode, preset: str | None = None, mode: str | None = None) -> PipelineRun:
    """Queue a render of the episode's cut list; refuses a second render of the same episode."""
    from rendering.tasks import render_episode

    if not episode.cut_list:
        raise RenderError(f"{episode}: no cut list (build it from the tracks first)")
    try:
        cut_list_validate(document=episode.cut_list, owner=episode.owner_id)
    except CutListError as error:
        raise RenderError(f"{episode}: {error}") from error
    with transaction.atomic():
        locked = Episode.objects.select_for_update().get(id=episode.id)
        if PipelineRun.objects.filter(episode=locked, kind=PipelineRun.Kind.RENDER, status__in=ACTIVE).exists():
            raise RenderError(f"{episode}: already rendering")
        run = run_create(
            owner=locked.owner,
            kind=PipelineRun.Kind.RENDER,
            episode=locked,
            steps=[{"name": "render", "label": f"{preset or settings.RENDER_PRESET} / {mode or settings.RENDER_MODE}"}],
        )
        episode_set_status(episode_id=locked.id, status=Episode.Status.RENDERING)
        transaction.on_commit(lambda: render_episode.apply_async((run.id,), {"preset": preset, "mode": mode}))
    episode.status = Episode.Status.RENDERING
    return run


def render_cancel(*, run: PipelineRun) -> bool:
    """Mark the run cancelled; the worker sees it within a second and stops ffmpeg."""
    if run.is_finished:
        return False
    run_set_status(run.id, RunStatus.CANCELLED, error="cancelled by the user")
    if run.episode_id:
        episode_set_status(episode_id=run.episode_id, status=Episode.Status.READY, only_from=[Episode.Status.RENDERING])
    return True


def episode_render(*, run_id: int, preset: str | None = None, mode: str | None = None) -> None:
    """Render the run's episode into ``renders/episode-<id>.mp4``, with chapters and soft subtitles."""
    run = PipelineRun.objects.select_related("episode").get(id=run_id)
    step = StepRun.objects.filter(run=run).order_by("position").first()
    if run.is_finished or not step_claim(step.id):
        return
    episode = run.episode
    run_set_status(run.id, RunStatus.RENDERING)

    def cancelled() -> bool:
        return PipelineRun.objects.filter(id=run.id, status=RunStatus.CANCELLED).exists()

    try:
        # 97%: the last 3% are the chapters and subtitles pass.
        progress = ProgressThrottle(lambda percent: step_progress(step.id, percent * 0.97))
        key = _render(episode, render_preset(preset), mode or settings.RENDER_MODE, progress, cancelled)
    except Cancelled:
        step_finish(step.id, status=StepStatus.CANCELLED, error="cancelled")
        return
    except (CutListError, FFmpegError, ValueError) as error:
        _fail(run, step, episode, str(error))
        return
    except Exception as error:
        _fail(run, step, episode, f"{type(error).__name__}: {error}")
        raise
    episode_set_status(episode_id=episode.id, status=Episode.Status.RENDERED, rendered_file=key)
    step_finish(step.id)
    run_finish(run.id)


def _fail(run: PipelineRun, step: StepRun, episode: Episode, message: str) -> None:
    step_finish(step.id, status=StepStatus.FAILED, error=message)
    run_finish(run.id)
    episode_set_status(episode_id=episode.id, status=Episode.Status.FAILED)


def _render(episode: Episode, preset: OutputPreset, mode: str, progress, cancelled) -> str:
    # Checked again here: the cut list may have changed (or been stored unchecked) since the render was queued.
    cut_list = cut_list_validate(document=episode.cut_list, owner=episode.owner_id)
    missing_media(cut_list, lambda index, location: default_storage.exists(location))
    with ExitStack() as stack:
        paths = [
            stack.enter_context(local_path(SimpleNamespace(storage=default_storage, name=media.location)))
            for media in cut_list.inputs
        ]
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="episode-")))
        video = render_cut_list(
            cut_list, paths, tmp / "video.mp4", preset=preset, mode=mode, progress=progress, should_stop=cancelled
        ).output
        final = _with_extras(episode, cut_list, video, tmp, cancelled)
        return save_output(final, f"renders/episode-{episode.id}.mp4")


def _with_extras(episode: Episode, cut_list: CutList, video: Path, tmp: Path, cancelled) -> Path:
    """Chapters (MP4 metadata) and soft subtitles (mov_text) added by a stream-copy pass."""
    duration = cut_list.output_frames / cut_list.frame_rate
    chapters = episode_chapters(episode=episode, cut_list=cut_list)
    cues = timeline_cues(cut_list, episode_transcripts(episode)) if settings.RENDER_SOFT_SUBTITLES else []
    if not chapters and not cues:
        return video
    meta = srt = None
    if chapters:
        meta = tmp / "chapters.txt"
        meta.write_text(ffmetadata(chapters, duration, title=episode.title), encoding="utf-8")
    if cues:
        srt = tmp / "episode.srt"
        srt.write_text(srt_text(cue_tuples(cues)), encoding="utf-8")
    final = tmp / "final.mp4"
    run_ffmpeg(
        mux_extras_args(
            str(video), str(final), subtitles=str(srt) if srt else None, chapters=str(meta) if meta else None
        ),
        duration=duration,
        should_stop=cancelled,
    )
    return final
