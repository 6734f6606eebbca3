"""The body every per-clip step shares: claim the step, move its run forward, do the work, record the outcome.

The step names and their order live here too, so the tasks (which call ``run_step``) and the chains
(``pipeline/workflows.py``, which import the tasks) both depend on this module and never on each other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from pipeline.models import RunStatus, StepRun, StepStatus
from pipeline.progress import ProgressThrottle
from pipeline.services import run_advance, step_claim, step_finish, step_progress

log = logging.getLogger(__name__)

ANALYSE = "analyse"
TRANSCRIBE = "transcribe"
PROCESS_STEPS = (ANALYSE, TRANSCRIBE)
# Share of a clip's progress per second of audio: transcription is the slow part.
STEP_WEIGHTS = {ANALYSE: 1.0, TRANSCRIBE: 3.0}
# A processing run only moves forward through these; a late or redelivered task cannot move it back.
PROCESS_FORWARD = (RunStatus.QUEUED, RunStatus.ANALYSING, RunStatus.TRANSCRIBING)


def run_step(step_id: int, run_status: str, work: Callable[[StepRun, Callable[[float], None]], object]) -> None:
    """Claim the step, move the run on, do the work, record the outcome.

    Failures are recorded on the step and not raised, so one bad clip never stops the chain: the
    other clips complete and the finishing step reports the failure by clip and step. A delivery that
    loses the claim (the step is done, or another delivery holds it) returns without working.
    """
    step = StepRun.objects.select_related("run", "clip").get(id=step_id)
    if step.run.is_finished:
        return
    if step.name == TRANSCRIBE and _analysis_failed(step):
        step_finish(step_id, status=StepStatus.SKIPPED, error="skipped: the analyse step failed for this clip")
        return
    if not step_claim(step_id):
        return
    run_advance(step.run_id, run_status, forward=PROCESS_FORWARD)
    try:
        work(step, ProgressThrottle(partial(step_progress, step_id)))
    except Exception as error:  # noqa: BLE001  (recorded on the step; the chain goes on)
        log.warning("%s of %s failed", step.name, step.label, exc_info=True)
        message = str(error) if isinstance(error, RuntimeError | ValueError) else f"{type(error).__name__}: {error}"
        step_finish(step_id, status=StepStatus.FAILED, error=message)
        return
    step_finish(step_id)


def _analysis_failed(step: StepRun) -> bool:
    return StepRun.objects.filter(
        run_id=step.run_id, clip_id=step.clip_id, name=ANALYSE, status=StepStatus.FAILED
    ).exists()
