"""The stream processing chain: its order, and real runs through real Celery workers."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import threading
import time

import pytest
from celery import chord
from celery.canvas import _chain
from channels.layers import get_channel_layer
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from pipeline.models import PipelineRun, StepRun
from pipeline.notify import user_group
from pipeline.workflows import build_stream_chain, create_process_run, start_stream_processing
from streams.analysis.services import clip_analyse
from tests.conftest import start_worker, stop_worker
from tests.transcription.conftest import SPEECH, SPEECH_TEXT
from transcription.models import Segment, Transcript
from transcription.wer import word_error_rate


def wait_finished(run_id: int, timeout: float = 240) -> PipelineRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = PipelineRun.objects.get(id=run_id)
        if run.is_finished:
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} still {PipelineRun.objects.get(id=run_id).status} after {timeout} s")


def _flatten(workflow) -> list:
    """The chain's stages in order: a chord's header as a list, a sequential stage's calls one by one."""
    stages = []
    while True:
        if isinstance(workflow, chord):
            stages.append(list(workflow.tasks))
            workflow = workflow.body
        elif isinstance(workflow, _chain):
            *calls, workflow = workflow.tasks
            stages += calls
        else:
            return [*stages, workflow]


@pytest.mark.django_db
def test_chain_is_analyse_transcribe_summarise_embed_propose_then_finish(ingest, make_video):
    stream = ingest(make_video("a.mp4", seconds=1, size="64x36"), make_video("b.mp4", seconds=1, size="64x36"))
    run = create_process_run(stream, owner=stream.owner)
    steps = {step.id: step for step in run.steps.all()}

    analyse, transcribe, summarise_a, summarise_b, embed, propose, finish = _flatten(build_stream_chain(run))

    def named(signatures):
        return [
            (s.task, steps[s.args[0]].name, steps[s.args[0]].clip and steps[s.args[0]].clip.original_name)
            for s in signatures
        ]

    # per clip in parallel, except summaries: one clip after another in recording order (context rolls forward)
    assert named(analyse) == [
        ("streams.tasks.analyse_clip", "analyse", "a.mp4"),
        ("streams.tasks.analyse_clip", "analyse", "b.mp4"),
    ]
    assert named(transcribe) == [("transcription.tasks.transcribe_clip", "transcribe", n) for n in ("a.mp4", "b.mp4")]
    assert named([summarise_a, summarise_b]) == [
        ("transcription.tasks.summarise_clip", "summarise", n) for n in ("a.mp4", "b.mp4")
    ]
    assert named(embed) == [("transcription.tasks.embed_clip", "embed", n) for n in ("a.mp4", "b.mp4")]
    # one proposals step for the whole stream
    assert named([propose]) == [("episodes.tasks.propose_stream", "propose", None)]
    assert (finish.task, finish.args) == ("pipeline.tasks.finish_processing", (run.id,))
    assert all(s.immutable for s in [*analyse, *transcribe, summarise_a, summarise_b, *embed, propose, finish])


@pytest.mark.django_db
def test_only_the_named_steps_are_planned_and_bad_steps_are_refused(speech_stream):
    run = create_process_run(speech_stream, owner=speech_stream.owner, steps=("transcribe",))
    transcribe, finish = _flatten(build_stream_chain(run))
    assert [s.task for s in transcribe] == ["transcription.tasks.transcribe_clip"]
    assert finish.task == "pipeline.tasks.finish_processing"

    run = create_process_run(speech_stream, owner=speech_stream.owner, steps=("embed", "summarise"))
    assert [getattr(s, "task", None) or [t.task for t in s] for s in _flatten(build_stream_chain(run))] == [
        "transcription.tasks.summarise_clip",
        ["transcription.tasks.embed_clip"],
        "pipeline.tasks.finish_processing",
    ]
    with pytest.raises(ValueError, match="unknown step"):
        create_process_run(speech_stream, owner=speech_stream.owner, steps=("render",))


class GroupListener(threading.Thread):
    """Listens to a channel-layer group from its own event loop (the pub/sub layer delivers only to
    channels created in-process) until a run finishes or nothing comes for ``idle`` seconds."""

    def __init__(self, group: str, idle: float = 120):
        super().__init__(daemon=True)
        self.group, self.idle, self.messages, self.ready = group, idle, [], threading.Event()

    def run(self) -> None:
        asyncio.run(self._listen())

    async def _listen(self) -> None:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(self.group, channel)
        self.ready.set()
        while True:
            try:
                message = await asyncio.wait_for(layer.receive(channel), timeout=self.idle)
            except TimeoutError:
                return
            self.messages.append(message)
            if message["task"]["status"] in ("completed", "failed"):
                return


@pytest.mark.slow
def test_stream_is_analysed_and_transcribed_by_workers_with_live_status(
    transactional_db, celery_worker, ingest, speech_video, make_video, user
):
    # given two clips: the speech sample, and a recording whose file is cut short after ingest
    broken_source = make_video("broken.mkv", seconds=25, speech=SPEECH, size="64x36", rate=5)
    stream = ingest(speech_video, broken_source)
    broken = stream.clips.get(original_name="broken.mkv")
    stored = default_storage.path(broken.file.name)
    data = open(stored, "rb").read()
    os.unlink(stored)  # ingest may hard-link the session's media: never cut the shared file
    open(stored, "wb").write(data[: len(data) // 2])
    listener = GroupListener(user_group(user.id))
    listener.start()
    assert listener.ready.wait(10)

    # when
    run = start_stream_processing(stream.id, user)
    run = wait_finished(run.id)

    # then the good clip goes through every step, the broken one fails alone with a message naming it and the step
    good = stream.clips.get(original_name="talk.mp4")
    assert word_error_rate(SPEECH_TEXT, Transcript.objects.get(clip=good).text) < 0.15
    assert not Transcript.objects.filter(clip=broken).exists()
    assert run.status == "failed"
    assert "broken.mkv / analyse: broken.mkv: audio track 0 stops at" in run.error
    steps = {(s.clip and s.clip.original_name, s.name): s.status for s in run.steps.select_related("clip")}
    assert steps == {
        ("talk.mp4", "analyse"): "completed",
        ("broken.mkv", "analyse"): "failed",
        ("talk.mp4", "transcribe"): "completed",
        ("broken.mkv", "transcribe"): "skipped",
        ("talk.mp4", "summarise"): "completed",
        ("broken.mkv", "summarise"): "skipped",
        ("talk.mp4", "embed"): "completed",
        ("broken.mkv", "embed"): "skipped",
        (None, "propose"): "completed",
    }
    assert good.summary.keywords and good.search_chunks.filter(kind="window").exists()
    # and the owner's websocket group saw the lifecycle with a moving percentage
    listener.join(30)
    updates = [m["task"] for m in listener.messages if m["task"]["id"] == run.id]
    statuses, progress = [u["status"] for u in updates], [u["progress"] for u in updates]
    assert list(dict.fromkeys(statuses)) == [
        "analysing",
        "transcribing",
        "summarising",
        "embedding",
        "proposing",
        "failed",
    ]
    assert len(set(progress)) > 4


@pytest.mark.slow
def test_reprocess_command_replaces_the_transcript(transactional_db, celery_worker, speech_stream, capsys):
    call_command("reprocess", str(speech_stream.id), "--timeout", "240")
    clip = speech_stream.clips.get()
    segments = list(Segment.objects.filter(transcript__clip=clip).values_list("start", "text"))

    call_command("reprocess", speech_stream.title, "--step", "transcribe", "--timeout", "240")

    assert list(Segment.objects.filter(transcript__clip=clip).values_list("start", "text")) == segments
    assert Transcript.objects.filter(clip=clip).count() == 1
    out = capsys.readouterr().out
    assert "completed (100%)" in out
    assert re.search(r"\[00:00:0[67]\.\d{3}\] Today we are going to build a small wooden house", out)
    assert PipelineRun.objects.filter(stream=speech_stream, kind="process").count() == 2


@pytest.mark.django_db
def test_reprocess_here_runs_without_workers_and_reports_bad_input(speech_stream, capsys):
    call_command("reprocess", str(speech_stream.id), "--here")
    assert "wooden house" in capsys.readouterr().out

    with pytest.raises(CommandError, match="no stream with id or title 'nope'"):
        call_command("reprocess", "nope")
    with pytest.raises(CommandError, match="audio track 4 does not exist"):
        call_command("reprocess", str(speech_stream.id), "--here", "--step", "analyse", "--track", "4")


@pytest.mark.slow
def test_worker_killed_mid_transcription_redelivers_without_duplicates(transactional_db, speech_stream):
    from transcription.tasks import transcribe_clip

    clip = speech_stream.clips.get()
    clip_analyse(clip_id=clip.id)
    run = create_process_run(speech_stream, owner=speech_stream.owner, steps=("transcribe",))
    step = run.steps.get()
    queue = f"killtest-{os.getpid()}"
    # A private queue: no other worker of the session can take the task.
    first = start_worker(queues=queue, name="doomed")
    try:
        transcribe_clip.apply_async(args=[step.id], queue=queue)
        deadline = time.monotonic() + 120
        while StepRun.objects.get(id=step.id).status != "running":
            assert time.monotonic() < deadline, "the worker never started the transcription"
            time.sleep(0.05)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        assert StepRun.objects.get(id=step.id).status == "running", "killed too late: the step had finished"
        assert not Transcript.objects.filter(clip=clip).exists()
    finally:
        stop_worker(first, signal.SIGKILL)

    # Redis redelivers an unacknowledged message after the visibility timeout: make it short for the new worker.
    time.sleep(1.5)
    second = start_worker(queues=queue, name="rescuer", extra_env={"CELERY_VISIBILITY_TIMEOUT": "1"})
    try:
        deadline = time.monotonic() + 180
        while StepRun.objects.get(id=step.id).status != "completed":
            assert time.monotonic() < deadline, "the task was not redelivered"
            time.sleep(0.2)
    finally:
        stop_worker(second)

    step.refresh_from_db()
    assert step.attempts == 2
    transcript = Transcript.objects.get(clip=clip)
    indexes = list(transcript.segments.values_list("index", flat=True))
    assert indexes == list(range(len(indexes))) and len(indexes) >= 4
    assert word_error_rate(SPEECH_TEXT, transcript.text) < 0.15
