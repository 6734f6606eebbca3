"""A run's progress as a terminal progress bar, read from the database (the worker writes it there)."""

from __future__ import annotations

import time

from tqdm import tqdm

from pipeline.models import PipelineRun


def follow_run(run_id: int, *, poll: float = 0.5, timeout: float | None = None, file=None) -> PipelineRun:
    """Show the run's percentage and status until it finishes (or ``timeout`` seconds pass)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    with tqdm(total=100, unit="%", bar_format="{l_bar}{bar}| {n:.0f}% [{elapsed}] {postfix}", file=file) as bar:
        while True:
            run = PipelineRun.objects.get(id=run_id)
            step = run.steps.filter(status="running").order_by("position").first()
            bar.set_description(run.status)
            bar.set_postfix_str(f"{step.name} {step.label}"[:50] if step else "")
            bar.update(run.progress - bar.n)
            if run.is_finished or (deadline is not None and time.monotonic() > deadline):
                return run
            time.sleep(poll)
