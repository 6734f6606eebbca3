"""Transcription tasks: transcribe and embed (queue ``gpu``; a ``cpu`` worker can take them where there is no
GPU), summarise (queue ``cpu``)."""

from __future__ import annotations

from celery import shared_task

from pipeline.models import RunStatus
from pipeline.steps import run_step
from pipeline.tasks import MediaTask
from transcription.search.services import clip_embed
from transcription.services import transcript_create
from transcription.summaries.services import clip_summarise


@shared_task(base=MediaTask, name="transcription.tasks.transcribe_clip")
def transcribe_clip(step_id: int) -> None:
    run_step(
        step_id,
        RunStatus.TRANSCRIBING,
        lambda step, progress: transcript_create(clip_id=step.clip_id, progress=progress),
    )


@shared_task(base=MediaTask, name="transcription.tasks.summarise_clip")
def summarise_clip(step_id: int) -> None:
    run_step(
        step_id,
        RunStatus.SUMMARISING,
        lambda step, progress: clip_summarise(clip_id=step.clip_id, progress=progress),
    )


@shared_task(base=MediaTask, name="transcription.tasks.embed_clip")
def embed_clip(step_id: int) -> None:
    run_step(
        step_id,
        RunStatus.EMBEDDING,
        lambda step, progress: clip_embed(clip_id=step.clip_id, progress=progress),
    )
