"""Embedding again: ``manage.py reembed`` after a change of model, ``reprocess --step embed``, the stream action."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from pipeline.models import PipelineRun
from tests.transcription.test_embed_service import MINECRAFT, RUST
from transcription.search.embedders import OpenAIEmbedder
from transcription.search.models import SearchChunk
from transcription.search.services import clip_embed

pytestmark = pytest.mark.django_db


def reembed(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("reembed", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def ids(clip) -> set[int]:
    return set(SearchChunk.objects.filter(clip=clip).values_list("id", flat=True))


def models(clip) -> set[str]:
    return set(SearchChunk.objects.filter(clip=clip).values_list("model_name", flat=True))


@pytest.fixture
def three_clips(transcribed_clip, fake_embeddings):
    """One clip embedded by another model, one never embedded, one already embedded by the configured model."""
    endpoint = OpenAIEmbedder(
        base_url=fake_embeddings.base_url, model_name="old-model", api_key=fake_embeddings.api_key
    )
    elsewhere = transcribed_clip(RUST, name="elsewhere.mkv")
    never = transcribed_clip(MINECRAFT, name="never.mkv", stream=elsewhere.stream)
    current = transcribed_clip(MINECRAFT, name="current.mkv")
    clip_embed(clip_id=elsewhere.id, embedder=endpoint)
    clip_embed(clip_id=current.id)
    return elsewhere, never, current


def test_clips_another_model_embedded_or_none_did_are_embedded_with_the_configured_one(three_clips):
    elsewhere, never, current = three_clips
    untouched = ids(current)

    out, err = reembed()

    assert "Embedded 2 clip(s) with all-MiniLM-L6-v2" in out and "2/2" in err
    assert models(elsewhere) == models(never) == {"all-MiniLM-L6-v2"}
    assert set(SearchChunk.objects.filter(clip=elsewhere).values_list("dimensions", flat=True)) == {384}
    assert ids(current) == untouched
    assert reembed()[0] == "Nothing to embed: every transcribed clip has rows from all-MiniLM-L6-v2.\n"


def test_all_embeds_every_clip_again_and_stream_narrows_it(three_clips):
    elsewhere, never, current = three_clips
    before = ids(current)

    reembed("--stream", str(elsewhere.stream_id))
    assert ids(current) == before

    out, _ = reembed("--all", "--stream", str(current.stream_id))
    assert "Embedded 1 clip(s)" in out and ids(current) and not ids(current) & before


def test_a_clip_that_fails_keeps_its_rows_and_is_named(settings, three_clips, fake_embeddings):
    elsewhere, never, current = three_clips
    settings.EMBEDDING_ENGINE, settings.EMBEDDING_MODEL, settings.EMBEDDING_MAX_RETRIES = "openai", "new-model", 0
    settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY = fake_embeddings.base_url, fake_embeddings.api_key
    fake_embeddings.then(400, {"error": {"message": "This model's maximum context length is 8192 tokens"}})
    before = ids(elsewhere)

    with pytest.raises(CommandError, match=r"1 clip\(s\) failed[\s\S]*elsewhere\.mkv: .*maximum context length"):
        reembed()

    assert ids(elsewhere) == before and models(elsewhere) == {"old-model"}
    assert models(never) == models(current) == {"new-model"}


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--stream", "999"], "no stream with id 999"), (["--stream", "x"], "invalid int value: 'x'")],
)
def test_a_bad_stream_is_refused(args, message):
    with pytest.raises(CommandError, match=message):
        reembed(*args)


def test_a_bad_engine_setting_is_refused_before_any_work(settings, three_clips):
    settings.EMBEDDING_ENGINE = "magic"

    with pytest.raises(CommandError, match="EMBEDDING_ENGINE='magic': choose local or openai"):
        reembed()


def test_reprocess_step_embed_here_embeds_every_clip_of_the_stream(transcribed_clip):
    first = transcribed_clip(RUST, name="first.mkv")
    second = transcribed_clip(MINECRAFT, name="second.mkv", stream=first.stream, start_time=60.0)
    out = StringIO()

    call_command("reprocess", str(first.stream_id), "--step", "embed", "--here", stdout=out)

    run = PipelineRun.objects.get(stream=first.stream)
    assert f"Pipeline run #{run.id}: completed (100%)" in out.getvalue()
    assert sorted(run.steps.values_list("name", "label", "status")) == [
        ("embed", "first.mkv", "completed"),
        ("embed", "second.mkv", "completed"),
    ]
    assert models(first) == models(second) == {"all-MiniLM-L6-v2"}
    assert min(SearchChunk.objects.filter(clip=second).values_list("start", flat=True)) == 60.0


def test_reprocess_step_embed_names_a_clip_not_transcribed_yet(transcribed_clip):
    clip = transcribed_clip(RUST, name="raw.mkv")
    clip.transcript.delete()

    with pytest.raises(CommandError, match=r"raw\.mkv.*not transcribed yet"):
        call_command("reprocess", str(clip.stream_id), "--step", "embed", "--here", stdout=StringIO())


def test_the_embed_again_action_queues_an_embed_run_over_the_transcribed_clips(admin_client, transcribed_clip):
    clip = transcribed_clip(RUST, name="talk.mkv")
    silent = transcribed_clip(MINECRAFT, name="silent.mkv")
    silent.transcript.delete()

    response = admin_client.post(
        reverse("admin:streams_stream_changelist"),
        {"action": "embed_streams", "_selected_action": [clip.stream_id, silent.stream_id]},
        follow=True,
    )

    run = PipelineRun.objects.get(stream=clip.stream)
    assert list(run.steps.values_list("name", "label")) == [("embed", "talk.mkv")]
    assert not PipelineRun.objects.filter(stream=silent.stream).exists()
    shown = [str(message) for message in response.context["messages"]]
    assert any("nothing to embed (no clip is transcribed yet)" in message for message in shown)
    assert any(f"embed queued as pipeline run #{run.id}" in message for message in shown)
