"""Analysis tasks (queue ``cpu``): thin shells that take ids and call the analysis service."""

from __future__ import annotations

from celery import shared_task

from pipeline.models import RunStatus
from pipeline.steps import run_step
from pipeline.tasks import MediaTask
from streams.analysis.services import clip_analyse


@shared_task(base=MediaTask, name="streams.tasks.analyse_clip")
def analyse_clip(step_id: int, audio_track: int | None = None) -> None:
    run_step(
        step_id,
        RunStatus.ANALYSING,
        lambda step, progress: clip_analyse(clip_id=step.clip_id, audio_track=audio_track, progress=progress),
    )

