"""Publishing and archiving as pipeline runs (kind ``publish``): created when the work is asked for, so the
admin, the API, the websocket ``TASK_UPDATE`` and the commands show their status and percentage like a render's."""

from __future__ import annotations

from pipeline.models import FINISHED, PipelineRun, RunStatus, StepRun, StepStatus
from pipeline.services import run_create, run_finish, run_set_status, step_claim, step_finish, step_progress

ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.PUBLISHING)


def publish_run_create(*, episode, steps: list[dict]) -> PipelineRun:
    """A queued ``publish`` run of ``episode`` with its steps (``[{name, label?, weight?}]``)."""
    return run_create(owner=episode.owner, kind=PipelineRun.Kind.PUBLISH, episode=episode, steps=steps)


def step_begin(step: StepRun) -> None:
    """The run is publishing and this step running. The publish record's own claim already decided who works,
    so a step still marked running by a worker that died is taken over (no task id to match in a command)."""
    step_claim(step.id, task_id=step.task_id)
    PipelineRun.objects.filter(id=step.run_id).exclude(status__in=FINISHED).update(error="")  # a pause's reason
    run_set_status(step.run_id, RunStatus.PUBLISHING)


def step_percent(step: StepRun, percent: float) -> None:
    step_progress(step.id, percent)


def step_pause(step: StepRun, message: str) -> None:
    """Waiting (throttled): the step stops, claimable again, and the run says why while it stays open."""
    step_finish(step.id, status=StepStatus.FAILED, error=message)
    run_set_status(step.run_id, RunStatus.PUBLISHING, error=message)


def step_done(step: StepRun, *, error: str = "", last: bool = True) -> None:
    """Finish the step (failed when ``error``); the run too when it was the last step."""
    step_finish(step.id, status=StepStatus.FAILED if error else StepStatus.COMPLETED, error=error)
    if last:
        run_finish(step.run_id)


def first_step(run_id: int | None) -> StepRun | None:
    if run_id is None:
        return None
    return StepRun.objects.filter(run_id=run_id).order_by("position").first()
