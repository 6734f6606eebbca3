"""The embed step on a real Celery worker (the ``gpu`` queue, on the CPU here): rows stored, a bad clip fails alone."""

import pytest

from pipeline.workflows import start_stream_processing
from tests.pipeline.test_workflows import wait_finished
from tests.transcription.test_embed_service import MINECRAFT, RUST
from transcription.search.models import SearchChunk


@pytest.mark.slow
def test_the_embed_step_runs_on_a_worker_and_a_clip_without_transcript_fails_alone(
    transactional_db, celery_worker, transcribed_clip, user
):
    talk = transcribed_clip(RUST, name="talk.mkv")
    raw = transcribed_clip(MINECRAFT, name="raw.mkv", stream=talk.stream, start_time=60.0)
    raw.transcript.delete()

    run = wait_finished(start_stream_processing(talk.stream_id, user, steps=("embed",)).id)

    assert run.status == "failed" and "raw.mkv / embed: raw.mkv: not transcribed yet" in run.error
    steps = {step.label: (step.status, step.progress) for step in run.steps.all()}
    assert steps == {"talk.mkv": ("completed", 100.0), "raw.mkv": ("failed", 0.0)}
    assert SearchChunk.objects.filter(clip=talk, owner=user, model_name="all-MiniLM-L6-v2").count() == 2
