"""Episode tasks (queue ``cpu``): thin shells that take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from episodes.proposals.services import stream_propose
from pipeline.models import RunStatus
from pipeline.steps import run_step
from pipeline.tasks import MediaTask


@shared_task(base=MediaTask, name="episodes.tasks.propose_stream")
def propose_stream(step_id: int) -> None:
    run_step(
        step_id,
        RunStatus.PROPOSING,
        lambda step, progress: stream_propose(stream_id=step.run.stream_id, progress=progress),
    )
