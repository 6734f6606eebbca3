"""A run's progress, read from the database (the worker writes it there): a bar on a terminal, else lines."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator

from tqdm import tqdm

from pipeline.models import PipelineRun, StepRun


def follow_run(run_id: int, *, poll: float = 0.5, timeout: float | None = None, file=None) -> PipelineRun:
    """Show the run's percentage and step until it finishes (or ``timeout`` seconds pass).

    A terminal gets a progress bar; a log file or pipe gets one line per step, not carriage returns.
    """
    file = file or sys.stderr
    updates = _updates(run_id, poll, timeout)
    if file.isatty():
        return _follow_with_bar(updates, file)
    return _follow_with_lines(updates, file)


def _updates(run_id: int, poll: float, timeout: float | None) -> Iterator[tuple[PipelineRun, StepRun | None]]:
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        run = PipelineRun.objects.get(id=run_id)
        yield run, run.steps.filter(status="running").order_by("position").first()
        if run.is_finished or (deadline is not None and time.monotonic() > deadline):
            return
        time.sleep(poll)


def _follow_with_bar(updates, file) -> PipelineRun:
    with tqdm(total=100, unit="%", bar_format="{l_bar}{bar}| {n:.0f}% [{elapsed}] {postfix}", file=file) as bar:
        for run, step in updates:
            bar.set_description(run.status)
            bar.set_postfix_str(f"{step.name} {step.label}"[:50] if step else "")
            bar.update(run.progress - bar.n)
    return run


def _follow_with_lines(updates, file) -> PipelineRun:
    shown = None
    for run, step in updates:
        now = (run.status, step.id if step else None)
        if now != shown:
            doing = ": ".join(filter(None, [step.name, step.label])) if step else ""
            file.write(f"  {run.progress:3.0f}%  {run.status}  {doing}".rstrip() + "\n")
            file.flush()
            shown = now
    return run
