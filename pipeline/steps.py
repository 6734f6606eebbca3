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
SUMMARISE = "summarise"
EMBED = "embed"
PROPOSE = "propose"
# Processing a stream, in order (ARCHITECTURE.md): a test pins it.
PROCESS_STEPS = (ANALYSE, TRANSCRIBE, SUMMARISE, EMBED, PROPOSE)
# One step for the whole stream rather than one per clip.
PER_STREAM_STEPS = (PROPOSE,)
# Clips one after another in recording order: each clip's summary rolls its context forward to the next.
SEQUENTIAL_STEPS = (SUMMARISE,)
# Share of a clip's progress per second of audio: transcription is the slow part.
STEP_WEIGHTS = {ANALYSE: 1.0, TRANSCRIBE: 3.0, SUMMARISE: 0.3, EMBED: 0.3, PROPOSE: 0.2}
STEP_STATUS = {
    ANALYSE: RunStatus.ANALYSING,
    TRANSCRIBE: RunStatus.TRANSCRIBING,
    SUMMARISE: RunStatus.SUMMARISING,
    EMBED: RunStatus.EMBEDDING,
    PROPOSE: RunStatus.PROPOSING,
}
# A clip's step is skipped when one of these failed (or was skipped) for the same clip in the same run.
PREREQUISITES = {TRANSCRIBE: (ANALYSE,), SUMMARISE: (TRANSCRIBE,), EMBED: (TRANSCRIBE,)}
# A processing run only moves forward through these; a late or redelivered task cannot move it back.
PROCESS_FORWARD = (RunStatus.QUEUED, *(STEP_STATUS[name] for name in PROCESS_STEPS))


def run_step(step_id: int, run_status: str, work: Callable[[StepRun, Callable[[float], None]], object]) -> None:
    """Claim the step, move the run on, do the work, record the outcome.

    Failures are recorded on the step and not raised, so one bad clip never stops the chain: the
    other clips complete and the finishing step reports the failure by clip and step. A delivery that
    loses the claim (the step is done, or another delivery holds it) returns without working.
    """
    step = StepRun.objects.select_related("run", "clip").get(id=step_id)
    if step.run.is_finished:
        return
    failed = _failed_prerequisite(step)
    if failed:
        step_finish(step_id, status=StepStatus.SKIPPED, error=f"skipped: the {failed} step failed for this clip")
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


def _failed_prerequisite(step: StepRun) -> str | None:
    """The name of an earlier step that failed or was skipped for this clip in this run, if any."""
    if step.clip_id is None:
        return None
    return (
        StepRun.objects.filter(
            run_id=step.run_id,
            clip_id=step.clip_id,
            name__in=PREREQUISITES.get(step.name, ()),
            status__in=(StepStatus.FAILED, StepStatus.SKIPPED),
        )
        .values_list("name", flat=True)
        .first()
    )
