"""Render tasks (queue ``cpu`` by the ``*`` route; route ``rendering.tasks.render_*`` to ``gpu`` and set
``RENDER_PRESET=nvenc`` where workers have NVENC)."""

from __future__ import annotations

from celery import shared_task

from pipeline.tasks import MediaTask
from rendering import services
from rendering.proxy import clip_make_proxy
from rendering.publishing.tasks import archive_episode, publish_episode, publish_tiktok  # noqa: F401  (autodiscovery)
from rendering.vertical_service import vertical_clip_run


class RenderTask(MediaTask):
    # Hours of 1440p60 re-encoded on a few cores; the broker's visibility timeout (6 h) stays above this.
    soft_time_limit = 5 * 60 * 60
    time_limit = 5 * 60 * 60 + 300


@shared_task(base=RenderTask, name="rendering.tasks.render_episode")
def render_episode(run_id: int, preset: str | None = None, mode: str | None = None) -> None:
    services.episode_render(run_id=run_id, preset=preset, mode=mode)


@shared_task(base=RenderTask, name="rendering.tasks.render_vertical_clip")
def render_vertical_clip(run_id: int, clip_id: int, start: float, end: float) -> None:
    vertical_clip_run(run_id=run_id, clip_id=clip_id, start=start, end=end)


@shared_task(base=MediaTask, name="rendering.tasks.make_proxy")
def make_proxy(clip_id: int) -> None:
    clip_make_proxy(clip_id=clip_id)
