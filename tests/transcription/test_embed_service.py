"""Embedding a clip: real MiniLM, real pgvector; rows replaced whole, owner-scoped, kept when embedding fails."""

import threading

import numpy as np
import pytest
from pgvector.django import CosineDistance

from transcription.models import ClipSummary
from transcription.search import embedders
from transcription.search.embedders import EmbeddingError, LocalEmbedder, OpenAIEmbedder
from transcription.search.models import SearchChunk
from transcription.search.services import clip_embed, summary_text_for

pytestmark = pytest.mark.django_db


RUST = [
    (0.0, 12.0, "Today we fight the borrow checker in Rust because this function keeps two mutable references."),
    (12.0, 25.0, "The compiler says the lifetime of the slice does not live long enough so we clone it."),
    (27.0, 40.0, "Now the references are fine and the program compiles without unsafe code at all."),
]
MINECRAFT = [
    (0.0, 10.0, "We dig down into the cave and light it with torches so the creepers cannot spawn."),
    (10.0, 20.0, "Then we build a house of spruce planks with a stone roof next to the river."),
]


def rows_of(clip) -> list[tuple]:
    return list(SearchChunk.objects.filter(clip=clip).order_by("start").values_list("id", "kind", "start", "end"))


def test_a_clip_becomes_overlapping_windows_on_the_stream_timeline(transcribed_clip, user):
    clip = transcribed_clip(RUST, start_time=90.0)

    count = clip_embed(clip_id=clip.id)

    chunks = list(SearchChunk.objects.filter(clip=clip).order_by("start"))
    assert count == len(chunks) == 2
    assert [c.kind for c in chunks] == ["window", "window"]
    assert (chunks[0].start, chunks[-1].end) == (90.0, 130.0) and chunks[0].end > chunks[1].start
    assert chunks[0].text.startswith("Today we fight the borrow checker") and chunks[1].text.endswith("at all.")
    assert {(c.owner_id, c.stream_id, c.model_name, c.dimensions) for c in chunks} == {
        (user.id, clip.stream_id, "all-MiniLM-L6-v2", 384)
    }
    vector = np.asarray(chunks[0].embedding)
    np.testing.assert_allclose(vector, LocalEmbedder().embed([chunks[0].text])[0], atol=1e-5)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-4)


def test_the_nearest_row_to_a_question_is_the_moment_it_was_talked_about(transcribed_clip):
    rust, cave = transcribed_clip(RUST, name="rust.mkv"), transcribed_clip(MINECRAFT, name="cave.mkv")
    clip_embed(clip_id=rust.id)
    clip_embed(clip_id=cave.id)
    (question,) = LocalEmbedder().embed(["when did I build a wooden house?"])

    nearest = SearchChunk.objects.order_by(CosineDistance("embedding", question.tolist())).first()

    assert nearest.clip == cave and "spruce planks" in nearest.text


def test_embedding_again_replaces_the_rows_never_duplicates_them(transcribed_clip):
    clip = transcribed_clip(RUST)
    clip_embed(clip_id=clip.id)
    first = rows_of(clip)

    clip_embed(clip_id=clip.id)

    again = rows_of(clip)
    assert [row[1:] for row in again] == [row[1:] for row in first]
    assert not {row[0] for row in again} & {row[0] for row in first}


def test_a_failed_embed_keeps_the_old_rows(transcribed_clip, fake_embeddings):
    clip = transcribed_clip(RUST)
    clip_embed(clip_id=clip.id)
    before = rows_of(clip)
    fake_embeddings.then(500).then(503)
    failing = OpenAIEmbedder(
        base_url=fake_embeddings.base_url, model_name="m", api_key=fake_embeddings.api_key, max_retries=1, backoff=0
    )

    with pytest.raises(EmbeddingError, match=r"HTTP 503: .* \(gave up after 2 tries\)"):
        clip_embed(clip_id=clip.id, embedder=failing)

    assert rows_of(clip) == before
    assert set(SearchChunk.objects.filter(clip=clip).values_list("model_name", flat=True)) == {"all-MiniLM-L6-v2"}


def test_another_users_clip_is_untouched(transcribed_clip, other_user):
    mine, theirs = transcribed_clip(RUST, name="mine.mkv"), transcribed_clip(RUST, name="theirs.mkv", owner=other_user)
    clip_embed(clip_id=theirs.id)
    their_rows = rows_of(theirs)

    clip_embed(clip_id=mine.id)
    clip_embed(clip_id=mine.id)

    assert rows_of(theirs) == their_rows
    assert set(SearchChunk.objects.filter(clip=theirs).values_list("owner", flat=True)) == {other_user.id}
    assert SearchChunk.objects.filter(clip=mine).exclude(owner=mine.stream.owner).count() == 0


def test_the_openai_engine_records_its_model_and_the_length_it_answered_with(
    settings, transcribed_clip, fake_embeddings
):
    settings.EMBEDDING_ENGINE, settings.EMBEDDING_MODEL = "openai", "text-embedding-3-small"
    settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY = fake_embeddings.base_url, fake_embeddings.api_key
    clip = transcribed_clip(MINECRAFT)

    clip_embed(clip_id=clip.id)

    (chunk,) = SearchChunk.objects.filter(clip=clip)
    assert (chunk.model_name, chunk.dimensions, len(chunk.embedding)) == ("text-embedding-3-small", 8, 8)
    assert fake_embeddings.inputs() == [[chunk.text]]


def test_progress_moves_by_batch_up_to_one_hundred(settings, transcribed_clip):
    settings.EMBEDDING_BATCH_SIZE = 1
    settings.EMBEDDING_WINDOW_SECONDS = 10.0
    clip = transcribed_clip(RUST)
    reported: list[float] = []

    count = clip_embed(clip_id=clip.id, progress=reported.append)

    assert count > 3 and len(reported) == count + 1
    assert reported == sorted(reported) and reported[-1] == 100.0 and reported[-2] < 100.0


def test_a_clip_without_a_transcript_fails_with_a_clear_message(transcribed_clip):
    clip = transcribed_clip(RUST, name="rust.mkv")
    clip.transcript.delete()

    with pytest.raises(EmbeddingError, match=r"rust\.mkv: not transcribed yet \(run the transcribe step first\)"):
        clip_embed(clip_id=clip.id)


def test_a_clip_whose_speech_is_gone_loses_its_rows(transcribed_clip):
    clip = transcribed_clip(RUST)
    clip_embed(clip_id=clip.id)
    clip.transcript.segments.all().delete()

    assert clip_embed(clip_id=clip.id) == 0
    assert rows_of(clip) == []


def test_impossible_window_settings_fail_the_step_with_their_name(settings, transcribed_clip):
    settings.EMBEDDING_WINDOW_OVERLAP = 1.5
    clip = transcribed_clip(RUST)

    with pytest.raises(EmbeddingError, match="search windows: overlap is a fraction"):
        clip_embed(clip_id=clip.id)


def test_a_clip_without_a_summary_has_no_summary_row(transcribed_clip):
    clip = transcribed_clip(RUST)

    assert summary_text_for(clip) is None
    clip_embed(clip_id=clip.id)
    assert not SearchChunk.objects.filter(clip=clip, kind="summary").exists()


def test_a_summarised_clip_gets_one_summary_row_spanning_the_clip(transcribed_clip):
    clip = transcribed_clip(RUST, start_time=600.0)
    ClipSummary.objects.create(
        clip=clip,
        title="Borrow checker fights",
        keywords=["borrow checker", "lifetimes"],
        summary_main_discussion="Why the borrow checker refused the parser.",
    )

    clip_embed(clip_id=clip.id)
    clip_embed(clip_id=clip.id)  # a re-run replaces it

    (row,) = SearchChunk.objects.filter(clip=clip, kind="summary")
    assert (row.start, row.end) == (600.0, 600.0 + clip.duration)
    assert row.text.splitlines() == [
        "Borrow checker fights",
        "borrow checker, lifetimes",
        "Why the borrow checker refused the parser.",
    ]
    assert row.dimensions == 384 and len(row.embedding) == 384


def test_a_threads_pool_worker_loads_one_model_for_all_its_threads():
    embedders._local_model.cache_clear()
    barrier, results = threading.Barrier(4), []

    def embed() -> None:
        barrier.wait()
        results.append(LocalEmbedder().embed(["one model for every thread"]))

    threads = [threading.Thread(target=embed) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert embedders._local_model.cache_info().misses == 1 and len(results) == 4
    np.testing.assert_allclose(results[0], results[3])
