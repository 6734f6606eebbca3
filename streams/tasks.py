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


@shared_task(base=MediaTask, name="streams.tasks.fetch_remote_clips")
def fetch_remote_clips(run_id: int, process: bool = True) -> None:
    """Download an S3 ingest's objects into storage (queue ``io``), then queue their processing."""
    # Imported here: s3_ingest imports pipeline.workflows, which imports this module.
    from streams.s3_ingest import remote_clips_fetch

    remote_clips_fetch(run_id=run_id, process=process)
