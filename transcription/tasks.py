"""Transcription tasks (queue ``gpu``; a ``cpu`` worker can take them where there is no GPU)."""

from __future__ import annotations

from celery import shared_task

from pipeline.models import RunStatus
from pipeline.steps import run_step
from pipeline.tasks import MediaTask
from transcription.services import transcript_create


@shared_task(base=MediaTask, name="transcription.tasks.transcribe_clip")
def transcribe_clip(step_id: int) -> None:
    run_step(
        step_id,
        RunStatus.TRANSCRIBING,
        lambda step, progress: transcript_create(clip_id=step.clip_id, progress=progress),
    )
