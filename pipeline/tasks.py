"""Pipeline-wide tasks and the base class every media step uses."""

from __future__ import annotations

import socket
from datetime import timedelta

from celery import Task, shared_task
from django.utils import timezone

from pipeline.models import FINISHED, PipelineRun, RunStatus
from pipeline.services import run_finish


class MediaTask(Task):
    """Long media work: acknowledged after it finishes, so a killed worker's task is delivered again.

    Subclasses must be idempotent (deterministic output names, replace-not-append), which our
    services guarantee by status checks and ``update_or_create``.
    """

    acks_late = True
    reject_on_worker_lost = True
    soft_time_limit = 60 * 60
    time_limit = 65 * 60


@shared_task(bind=True, name="pipeline.tasks.heartbeat", acks_late=False)
def heartbeat(self) -> dict:
    """Answered by any worker: proves a queue has a live consumer (health endpoint, tests)."""
    return {
        "hostname": socket.gethostname(),
        "worker": self.request.hostname,
        "queue": (self.request.delivery_info or {}).get("routing_key"),
    }


@shared_task(name="pipeline.tasks.fail_stale_runs")
def fail_stale_runs(hours: int = 24) -> int:
    """Runs untouched for a day lost their worker for good; say so instead of spinning forever."""
    cutoff = timezone.now() - timedelta(hours=hours)
    return (
        PipelineRun.objects.exclude(status__in=FINISHED)
        .filter(updated_at__lt=cutoff)
        .update(status=RunStatus.FAILED, error=f"no progress for {hours} h: worker lost", finished_at=timezone.now())
    )


@shared_task(base=MediaTask, name="pipeline.tasks.finish_processing")
def finish_processing(run_id: int) -> str:
    """The last link of a processing chain: completed, or failed naming each failed clip and step."""
    return run_finish(run_id).status
