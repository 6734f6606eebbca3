"""The pipelines, in one place. Each is a Celery chain of immutable signatures over StepRun ids.

Processing a stream: analyse every clip (a group on the ``cpu`` queue), then transcribe every clip
(``gpu`` queue), then finish the run. Every step reads its inputs from the database and storage and
replaces its outputs, so a step or a whole run can be started again at any time. The body the steps
share is in ``pipeline/steps.py``; the tasks import that, and this module imports the tasks.
"""

from __future__ import annotations

from typing import Any

from celery import chord, group
from django.db import transaction

from pipeline.models import PipelineRun
from pipeline.services import run_create
from pipeline.steps import ANALYSE, PROCESS_STEPS, STEP_WEIGHTS, TRANSCRIBE
from pipeline.tasks import finish_processing
from streams.models import Stream
from streams.tasks import analyse_clip
from transcription.tasks import transcribe_clip


def _steps_for(stream: Stream, steps: tuple[str, ...], clip_ids: list[int] | None) -> list[dict]:
    clips = stream.clips.order_by("order")
    if clip_ids is not None:
        clips = clips.filter(id__in=clip_ids)
    return [
        {"name": name, "clip": clip, "label": clip.original_name, "weight": STEP_WEIGHTS[name] * max(clip.duration, 1)}
        for name in PROCESS_STEPS
        if name in steps
        for clip in clips
    ]


def stages(run: PipelineRun, *, audio_track: int | None = None) -> list[tuple[Any, list[tuple]]]:
    """The run's plan in order: [(task, [args per parallel call])]. The chain and ``run_here`` both follow it."""
    by_name: dict[str, list[int]] = {}
    for step_id, name in run.steps.order_by("position").values_list("id", "name"):
        by_name.setdefault(name, []).append(step_id)
    plan: list[tuple[Any, list[tuple]]] = []
    if by_name.get(ANALYSE):
        plan.append((analyse_clip, [(step_id, audio_track) for step_id in by_name[ANALYSE]]))
    if by_name.get(TRANSCRIBE):
        plan.append((transcribe_clip, [(step_id,) for step_id in by_name[TRANSCRIBE]]))
    plan.append((finish_processing, [(run.id,)]))
    return plan


def build_stream_chain(run: PipelineRun, *, audio_track: int | None = None):
    """chord(analyse per clip) -> chord(transcribe per clip) -> finish, from immutable signatures.

    Written out as the nested chords Celery would make of ``group | group | task`` anyway, so the
    shape is explicit: each group's members run in parallel and the next stage starts when all are done.
    """
    *groups, (finish, [finish_args]) = stages(run, audio_track=audio_track)
    workflow = finish.si(*finish_args)
    for task, calls in reversed(groups):
        workflow = chord(group([task.si(*args) for args in calls]), workflow)
    return workflow


def create_process_run(
    stream: Stream,
    *,
    owner,
    steps: tuple[str, ...] = PROCESS_STEPS,
    clip_ids: list[int] | None = None,
    audio_track: int | None = None,
) -> PipelineRun:
    """A queued processing run with one step per clip and stage; bad requests raise ``ValueError``."""
    unknown = set(steps) - set(PROCESS_STEPS)
    if unknown:
        raise ValueError(f"unknown step(s) {', '.join(sorted(unknown))}; choose from {', '.join(PROCESS_STEPS)}")
    if not stream.clips.exists():
        raise ValueError(f"stream {stream.id} ({stream.title}) has no clips to process")
    for clip in stream.clips.all() if audio_track is not None else []:
        if audio_track >= len(clip.audio_tracks):
            raise ValueError(
                f"{clip.original_name}: audio track {audio_track} does not exist (it has {len(clip.audio_tracks)})"
            )
    return run_create(
        owner=owner, kind=PipelineRun.Kind.PROCESS, stream=stream, steps=_steps_for(stream, steps, clip_ids)
    )


def start_stream_processing(
    stream_id: int,
    owner,
    *,
    steps: tuple[str, ...] = PROCESS_STEPS,
    clip_ids: list[int] | None = None,
    audio_track: int | None = None,
) -> PipelineRun:
    """Create a queued processing run for a stream and enqueue its chain once the transaction commits.

    Ingest calls this after storing the clips; ``reprocess`` and the admin actions call it with a
    subset of ``steps`` to re-run them (outputs are replaced, never duplicated).
    """
    stream = Stream.objects.get(id=stream_id)
    run = create_process_run(stream, owner=owner, steps=steps, clip_ids=clip_ids, audio_track=audio_track)
    signature = build_stream_chain(run, audio_track=audio_track)

    def enqueue() -> None:
        result = signature.apply_async()
        PipelineRun.objects.filter(id=run.id).update(celery_task_id=result.id or "")

    transaction.on_commit(enqueue)
    return run


def run_here(run: PipelineRun, *, audio_track: int | None = None) -> PipelineRun:
    """Run the same plan in this process, stage by stage (the command line without a worker)."""
    for task, calls in stages(run, audio_track=audio_track):
        for args in calls:
            task.run(*args)
    return PipelineRun.objects.get(id=run.id)
