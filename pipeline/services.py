"""Writing a run's status: one place, so the admin, API, websockets and progress bars agree."""

from __future__ import annotations

from celery import current_task
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from pipeline.models import FINISHED, PipelineRun, RunStatus, StepRun, StepStatus
from pipeline.notify import notify_run_changed


def run_create(*, owner, kind: str, stream=None, episode=None, steps: list[dict] | None = None) -> PipelineRun:
    """A queued run with its planned steps (``[{name, clip?, label?, weight?}]``)."""
    with transaction.atomic():
        run = PipelineRun.objects.create(owner=owner, kind=kind, stream=stream, episode=episode)
        StepRun.objects.bulk_create(
            StepRun(run=run, position=position, **step) for position, step in enumerate(steps or [])
        )
    return run


def run_set_status(run_id: int, status: str, *, error: str = "") -> None:
    """Move a run to ``status``; finished runs stay finished (a late task cannot revive them)."""
    now = timezone.now()
    old = PipelineRun.objects.filter(id=run_id).values_list("status", flat=True).first()
    fields: dict = {"status": status, "updated_at": now}
    if status == RunStatus.COMPLETED:
        fields["progress"] = 100.0
    if status in FINISHED:
        fields["finished_at"] = now
    if error:
        fields["error"] = error
    updated = PipelineRun.objects.filter(id=run_id).exclude(status__in=FINISHED).update(**fields)
    PipelineRun.objects.filter(id=run_id, started_at__isnull=True).update(started_at=now)
    if updated:
        notify_run_changed(run_id, old_status=old)


def _current_task_id() -> str:
    """The Celery task id of this delivery ('' when a command runs the step in its own process)."""
    request = getattr(current_task, "request", None)
    return (getattr(request, "id", None) or "") if request is not None else ""


def step_claim(step_id: int, *, task_id: str | None = None) -> bool:
    """Claim a step for this delivery in one conditional UPDATE; the row count says who won.

    A queued or failed step can be claimed. A running one only by a delivery of the same Celery task:
    tasks are acknowledged late, so the same message comes back only when the worker that held it
    died. A completed or skipped step, or one another task is running, is not claimed (False).
    """
    task_id = _current_task_id() if task_id is None else task_id
    claimable = Q(status__in=(StepStatus.QUEUED, StepStatus.FAILED))
    if task_id:
        claimable |= Q(status=StepStatus.RUNNING, task_id=task_id)
    now = timezone.now()
    claimed = StepRun.objects.filter(claimable, id=step_id).update(
        status=StepStatus.RUNNING,
        task_id=task_id,
        started_at=now,
        finished_at=None,
        error="",
        progress=0.0,
        attempts=F("attempts") + 1,
    )
    if claimed:
        PipelineRun.objects.filter(steps__id=step_id, started_at__isnull=True).update(started_at=now)
    return claimed == 1


def run_advance(run_id: int, status: str, *, forward: tuple[str, ...]) -> bool:
    """Move a run to ``status`` only from a status before it in ``forward``, in one conditional UPDATE:
    a late or redelivered task cannot move a run back."""
    earlier = forward[: forward.index(status)]
    old = PipelineRun.objects.filter(id=run_id).values_list("status", flat=True).first()
    now = timezone.now()
    moved = PipelineRun.objects.filter(id=run_id, status__in=earlier).update(status=status, updated_at=now)
    if moved:
        PipelineRun.objects.filter(id=run_id, started_at__isnull=True).update(started_at=now)
        notify_run_changed(run_id, old_status=old)
    return moved == 1


def step_progress(step_id: int, percent: float) -> None:
    """Record a step's progress and roll it up into its run's weighted percentage."""
    percent = max(0.0, min(100.0, percent))
    run_id = StepRun.objects.filter(id=step_id).values_list("run_id", flat=True).get()
    StepRun.objects.filter(id=step_id).update(progress=percent)
    _roll_up(run_id)


def step_finish(step_id: int, *, status: str = StepStatus.COMPLETED, error: str = "") -> None:
    progress = 100.0 if status in (StepStatus.COMPLETED, StepStatus.SKIPPED) else F("progress")
    StepRun.objects.filter(id=step_id).update(status=status, error=error, finished_at=timezone.now(), progress=progress)
    run_id = StepRun.objects.filter(id=step_id).values_list("run_id", flat=True).get()
    _roll_up(run_id)


def run_finish(run_id: int) -> PipelineRun:
    """Completed when every step succeeded; failed (naming the failed steps) otherwise."""
    failed = list(StepRun.objects.filter(run_id=run_id, status=StepStatus.FAILED).values_list("label", "name", "error"))
    if failed:
        message = "\n".join(f"{label or '-'} / {name}: {error}" for label, name, error in failed)
        run_set_status(run_id, RunStatus.FAILED, error=message)
    else:
        run_set_status(run_id, RunStatus.COMPLETED)
    return PipelineRun.objects.get(id=run_id)


def _roll_up(run_id: int) -> None:
    totals = StepRun.objects.filter(run_id=run_id).aggregate(
        total_weight=Sum("weight"), weighted_done=Sum(F("weight") * F("progress"))
    )
    if not totals["total_weight"]:
        return
    percent = round(totals["weighted_done"] / totals["total_weight"], 2)
    PipelineRun.objects.filter(id=run_id).exclude(status__in=FINISHED).update(
        progress=percent, updated_at=timezone.now()
    )
    notify_run_changed(run_id)
