"""The pipelines, in one place. Each is a Celery chain of immutable signatures over StepRun ids.

Processing a stream: analyse every clip (a group on the ``cpu`` queue), transcribe every clip (``gpu``),
summarise the clips one after another in recording order (``cpu``; each clip's context rolls forward to the
next), embed every clip (``gpu``), propose episodes and highlights for the stream (``cpu``), then finish.
Every step reads its inputs from the database and storage and replaces its outputs, so a step or a whole
run can be started again at any time. The body the steps share is in ``pipeline/steps.py``; the tasks
import that, and this module imports the tasks.
"""

from __future__ import annotations

from typing import Any

from celery import chain, chord, group
from django.db import transaction

from episodes.tasks import propose_stream
from pipeline.models import PipelineRun
from pipeline.services import run_create
from pipeline.steps import (
    ANALYSE,
    EMBED,
    PER_STREAM_STEPS,
    PROCESS_STEPS,
    PROPOSE,
    SEQUENTIAL_STEPS,
    STEP_WEIGHTS,
    SUMMARISE,
    TRANSCRIBE,
)
from pipeline.tasks import finish_processing
from streams.models import Stream
from streams.tasks import analyse_clip
from transcription.tasks import embed_clip, summarise_clip, transcribe_clip

# The task that does each step. Every one takes the StepRun id first.
STEP_TASKS = {
    ANALYSE: analyse_clip,
    TRANSCRIBE: transcribe_clip,
    SUMMARISE: summarise_clip,
    EMBED: embed_clip,
    PROPOSE: propose_stream,
}


def _steps_for(stream: Stream, steps: tuple[str, ...], clip_ids: list[int] | None) -> list[dict]:
    clips = list(stream.clips.order_by("order") if clip_ids is None else stream.clips.filter(id__in=clip_ids))
    planned = []
    for name in (name for name in PROCESS_STEPS if name in steps):
        if name in PER_STREAM_STEPS:
            seconds = sum(clip.duration for clip in clips)
            planned.append({"name": name, "clip": None, "label": stream.title, "weight": STEP_WEIGHTS[name] * seconds})
            continue
        planned += [
            {
                "name": name,
                "clip": clip,
                "label": clip.original_name,
                "weight": STEP_WEIGHTS[name] * max(clip.duration, 1),
            }
            for clip in clips
        ]
    return planned


def stages(run: PipelineRun, *, audio_track: int | None = None) -> list[tuple[Any, list[tuple], bool]]:
    """The run's plan in order: [(task, [args per call], sequential)]. The chain and ``run_here`` both follow it.

    A stage's calls run in parallel unless ``sequential``, when they run one after another in the order given.
    """
    by_name: dict[str, list[int]] = {}
    for step_id, name in run.steps.order_by("position", "id").values_list("id", "name"):
        by_name.setdefault(name, []).append(step_id)
    plan: list[tuple[Any, list[tuple], bool]] = []
    for name in PROCESS_STEPS:
        if by_name.get(name):
            extra = (audio_track,) if name == ANALYSE else ()
            calls = [(step_id, *extra) for step_id in by_name[name]]
            plan.append((STEP_TASKS[name], calls, name in SEQUENTIAL_STEPS or name in PER_STREAM_STEPS))
    plan.append((finish_processing, [(run.id,)], False))
    return plan


def build_stream_chain(run: PipelineRun, *, audio_track: int | None = None):
    """analyse → transcribe → summarise → embed → propose → finish, from immutable signatures.

    A parallel stage is a chord (its members run at once; the rest starts when all are done), written
    out as the nested chords Celery would make of ``group | group | task`` anyway, so the shape is
    explicit. A sequential stage is a plain chain of its calls in front of the rest.
    """
    *earlier, (finish, [finish_args], _) = stages(run, audio_track=audio_track)
    workflow = finish.si(*finish_args)
    for task, calls, sequential in reversed(earlier):
        signatures = [task.si(*args) for args in calls]
        workflow = chain(*signatures, workflow) if sequential else chord(group(signatures), workflow)
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
    for task, calls, _ in stages(run, audio_track=audio_track):
        for args in calls:
            task.run(*args)
    return PipelineRun.objects.get(id=run.id)
