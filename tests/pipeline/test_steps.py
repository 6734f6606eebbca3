"""Claiming a step and moving a run forward: one conditional UPDATE each, whose row count says who won."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import pytest
from django.db import connection

from pipeline.models import PipelineRun, RunStatus, StepRun, StepStatus
from pipeline.services import run_advance, run_create, step_claim, step_finish
from pipeline.steps import PROCESS_FORWARD

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def step(user):
    run = run_create(owner=user, kind=PipelineRun.Kind.PROCESS, steps=[{"name": "analyse", "label": "a.mp4"}])
    return run.steps.get()


@pytest.mark.django_db
def test_a_queued_step_goes_to_the_first_delivery_only(step):
    assert step_claim(step.id, task_id="task-a") is True
    assert step_claim(step.id, task_id="task-b") is False  # another task is running it

    step.refresh_from_db()
    assert (step.status, step.task_id, step.attempts) == (StepStatus.RUNNING, "task-a", 1)
    assert step.run.started_at is not None


@pytest.mark.django_db
def test_the_same_task_delivered_again_takes_over_a_running_step(step):
    # Tasks are acknowledged late: the same message comes back only when the worker holding it died.
    assert step_claim(step.id, task_id="task-a")
    assert step_claim(step.id, task_id="task-a") is True
    step.refresh_from_db()
    assert step.attempts == 2


@pytest.mark.django_db
def test_a_completed_or_skipped_step_is_never_claimed_again(step, user):
    assert step_claim(step.id, task_id="task-a")
    step_finish(step.id)
    assert step_claim(step.id, task_id="task-a") is False
    assert step_claim(step.id, task_id="") is False

    other = run_create(owner=user, kind=PipelineRun.Kind.PROCESS, steps=[{"name": "transcribe"}]).steps.get()
    step_finish(other.id, status=StepStatus.SKIPPED)
    assert step_claim(other.id, task_id="task-c") is False


@pytest.mark.django_db
def test_a_step_run_in_process_has_no_task_and_cannot_take_over_a_running_one(step):
    assert step_claim(step.id, task_id="") is True  # manage.py reprocess --here
    assert step_claim(step.id, task_id="") is False


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_have_exactly_one_winner(user):
    steps = [
        run_create(owner=user, kind=PipelineRun.Kind.PROCESS, steps=[{"name": "analyse"}]).steps.get()
        for _ in range(10)
    ]
    for item in steps:
        barrier, wins = threading.Barrier(2), []

        def claim(task_id: str, step_id: int = item.id, barrier=barrier, wins=wins) -> None:
            try:
                barrier.wait()
                wins.append(step_claim(step_id, task_id=task_id))
            finally:
                connection.close()

        threads = [threading.Thread(target=claim, args=(name,)) for name in ("task-a", "task-b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(wins) == [False, True]
        assert StepRun.objects.get(id=item.id).attempts == 1


@pytest.mark.django_db
def test_a_run_moves_forward_only(user):
    run = run_create(owner=user, kind=PipelineRun.Kind.PROCESS)
    assert run_advance(run.id, RunStatus.TRANSCRIBING, forward=PROCESS_FORWARD) is True
    assert run_advance(run.id, RunStatus.ANALYSING, forward=PROCESS_FORWARD) is False  # a late analysis step
    assert PipelineRun.objects.get(id=run.id).status == RunStatus.TRANSCRIBING


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module, imported inside a function) for every import in a file."""
    tree = ast.parse(path.read_text())
    nested = {
        id(node)
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, id(node) in nested))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, id(node) in nested) for alias in node.names)
    return found


def test_the_chains_import_the_tasks_and_the_tasks_never_import_the_chains():
    apps = ("streams", "transcription", "episodes", "rendering", "chat", "widgets")
    for name in ("steps", "services", "tasks", "models", "notify"):
        imported = [module for module, _ in _imports(ROOT / "pipeline" / f"{name}.py")]
        assert not [m for m in imported if m.split(".")[0] in apps], f"pipeline/{name}.py imports an app"
    for tasks in ROOT.glob("*/tasks*.py"):
        assert "pipeline.workflows" not in [module for module, _ in _imports(tasks)], tasks
    assert not [module for module, inside in _imports(ROOT / "pipeline" / "workflows.py") if inside]
