"""Hybrid search on the real PostgreSQL + pgvector with rows embedded by the real MiniLM."""

import datetime as dt

import numpy as np
import pytest
from django.db import connection, transaction

from tests.transcription import search_rows
from tests.transcription.search_rows import add_rows, make_stream
from transcription.search import queries
from transcription.search.embedders import local_embedder
from transcription.search.fusion import MAX_QUERY_CHARS, QueryError
from transcription.search.models import SearchChunk
from transcription.search.queries import SearchFilters, search

searchable = search_rows.searchable


def texts(hits) -> list[str]:
    return [hit.text for hit in hits]


def test_hybrid_finds_the_moment_with_its_stream_clip_time_snippet_and_score_parts(searchable, user):
    hits = search(user, "borrow checker mutable reference")

    best = hits[0]
    assert best.text.startswith("So the borrow checker complains")
    assert (best.stream_id, best.stream_title, best.clip_id) == (
        searchable.rust.id,
        "Porting the parser",
        searchable.rust.clips.get().id,
    )
    assert (best.start, best.end) == (30.0, 60.0)
    assert "<mark>borrow</mark> <mark>checker</mark>" in best.snippet
    assert best.vector_rank == 1 and 0 <= best.vector_distance < 1
    assert best.text_rank == 1 and best.text_score > 0
    assert best.score == pytest.approx(1 / 61 + 1 / 61)
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)


def test_a_question_is_answered_by_meaning_in_hybrid_and_by_any_of_its_words_in_text_mode(searchable, user):
    question = "when did I talk about the borrow checker?"

    # Hybrid: no passage says "talk", so full-text adds nothing and the vector list decides.
    best = search(user, question)[0]
    assert best.text.startswith("So the borrow checker complains")
    assert (best.vector_rank, best.text_rank) == (1, None)

    # Text mode widens a plain query that no row says whole to rows with some of its words.
    by_words = search(user, question, mode="text")
    assert by_words[0].text.startswith("So the borrow checker complains") and by_words[0].text_rank == 1
    assert search(user, '"talk about" borrow', mode="text") == []  # operators: never widened


def test_vector_mode_finds_a_paraphrase_that_shares_no_word(searchable, user):
    query = "constructing a little timber cabin amid the greenery"

    assert search(user, query, mode="text") == []
    hits = search(user, query, mode="vector", limit=3)
    assert hits[0].text == "Today we are going to build a small wooden house in the forest."
    assert hits[0].text_rank is None and hits[0].vector_rank == 1


def test_text_mode_matches_words_by_stem_and_ranks_only_matches(searchable, user):
    hits = search(user, "chimneys", mode="text")

    assert texts(hits) == ["The roof needs stairs made of spruce planks, and a chimney of cobblestone."]
    assert hits[0].vector_rank is None and hits[0].snippet.count("<mark>") == 1


def test_a_hit_knows_where_it_starts_inside_its_clip(searchable, user):
    # The house clip starts 60 s into the stream; its second window starts at 90 s on the stream timeline.
    hit = search(user, "collect stone and wood", mode="text")[0]

    assert (hit.start, hit.clip_start_time, hit.clip_offset) == (90.0, 60.0, 30.0)
    assert hit.clip_file == "clips/Forest-cabin.mp4"


def test_filters_by_stream_series_and_dates(searchable, user):
    query = "borrow checker wooden house"
    streams = {hit.stream_id for hit in search(user, query)}
    assert streams == {searchable.rust.id, searchable.house.id}

    def found(**filters):
        return {hit.stream_id for hit in search(user, query, **filters)}

    assert found(stream=searchable.house.id) == {searchable.house.id}
    assert found(series=searchable.rust_series.id) == {searchable.rust.id}
    assert found(date_from=dt.date(2026, 3, 5)) == {searchable.house.id}
    assert found(date_to=dt.date(2026, 1, 10)) == {searchable.rust.id}
    assert found(date_from=dt.date(2026, 1, 11), date_to=dt.date(2026, 3, 4)) == set()


def test_another_users_rows_never_appear_in_any_mode(searchable, user, other_user):
    for mode in queries.MODES:
        hits = search(user, "borrow checker mutable reference", mode=mode, limit=100)
        assert hits and searchable.rival.id not in {hit.stream_id for hit in hits}
        # Even naming the rival's stream finds nothing of it.
        assert search(user, "borrow checker", mode=mode, stream=searchable.rival.id) == []

    assert {hit.stream_id for hit in search(other_user, "borrow checker")} == {searchable.rival.id}


def test_rows_of_another_embedding_model_are_never_compared(searchable, user):
    stream, clip = make_stream(user, "Old embeddings", day=dt.date(2026, 2, 1))
    twin = "So the borrow checker complains here because we hold a mutable reference while reading the vector."
    vector = local_embedder().embed([twin])
    add_rows(stream, clip, [twin], vectors=vector, model="text-embedding-3-small")

    for mode in queries.MODES:
        assert stream.id not in {hit.stream_id for hit in search(user, twin, mode=mode, limit=100)}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"query": ""}, "Enter something"),
        ({"query": "x" * (MAX_QUERY_CHARS + 1)}, "too long"),
        ({"mode": "fuzzy"}, "Unknown mode"),
        ({"limit": 0}, "between 1 and"),
        ({"limit": queries.MAX_LIMIT + 1}, "between 1 and"),
        ({"date_from": dt.date(2026, 2, 1), "date_to": dt.date(2026, 1, 1)}, "after the end date"),
        ({"date_to": dt.date.max}, "Dates must be between"),
    ],
)
def test_a_search_that_cannot_run_says_why(db, user, arguments, message):
    with pytest.raises(QueryError, match=message):
        search(user, **{"query": "borrow checker", **arguments})


def _unit_vectors(count: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((count, 384)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture
def crowded(db, user):
    """1,500 rows in a big stream and 25 in a small one: a filter on the small one keeps 1.6% of rows."""
    big, big_clip = make_stream(user, "Big", day=dt.date(2026, 1, 1))
    small, small_clip = make_stream(user, "Small", day=dt.date(2026, 1, 2))
    add_rows(big, big_clip, [f"big {n}" for n in range(1500)], vectors=_unit_vectors(1500, 1))
    add_rows(small, small_clip, [f"small {n}" for n in range(25)], vectors=_unit_vectors(25, 2))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE transcription_searchchunk")
    return small


def _only_the_hnsw_index_can_order():
    # The test table is small, so the planner would rather sort; without a sort or a sequential scan the HNSW
    # index is the one way to produce rows in distance order.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off")


def test_the_vector_query_uses_the_hnsw_index(crowded, user):
    join, where, params = queries._where(user.id, local_embedder().model_name, SearchFilters())
    literal = queries._vector_literal(_unit_vectors(1, 3)[0])
    with transaction.atomic(), connection.cursor() as cursor:
        _only_the_hnsw_index_can_order()
        cursor.execute("EXPLAIN " + queries.vector_sql(384, join, where), [literal, *params, literal, 20])
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Index Scan using searchchunk_hnsw_384" in plan
    assert "Sort" not in plan


def test_a_narrow_filter_still_fills_the_list_through_the_iterative_index_scan(crowded, user):
    model = local_embedder().model_name
    probe = _unit_vectors(1, 4)[0]
    narrow = SearchFilters(date_from=dt.date(2026, 1, 2))  # only the small stream's day

    with transaction.atomic():
        _only_the_hnsw_index_can_order()
        found = queries.vector_candidates(probe, owner_id=user.id, model_name=model, filters=narrow, count=20)
    assert len(found) == 20
    assert [distance for _, distance in found] == sorted(distance for _, distance in found)

    # The same index scan without iterative scanning stops after ef_search candidates, most of them filtered out.
    join, where, params = queries._where(user.id, model, narrow)
    literal = queries._vector_literal(probe)
    with transaction.atomic(), connection.cursor() as cursor:
        _only_the_hnsw_index_can_order()
        cursor.execute("SET LOCAL hnsw.iterative_scan = off; SET LOCAL hnsw.ef_search = 40")
        cursor.execute("EXPLAIN " + queries.vector_sql(384, join, where), [literal, *params, literal, 20])
        assert "searchchunk_hnsw_384" in "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(queries.vector_sql(384, join, where), [literal, *params, literal, 20])
        assert len(cursor.fetchall()) < 20


def test_within_one_stream_the_nearest_rows_are_exact(crowded, user):
    model = local_embedder().model_name
    probe = _unit_vectors(1, 5)[0]
    rows = SearchChunk.objects.filter(stream=crowded).values_list("id", "embedding")
    exact = sorted(rows, key=lambda row: -float(np.dot(row[1], probe)))[:10]

    found = queries.vector_candidates(
        probe, owner_id=user.id, model_name=model, filters=SearchFilters(stream_id=crowded.id), count=10
    )

    assert [row_id for row_id, _ in found] == [row_id for row_id, _ in exact]


def test_a_long_rows_embedding_stays_in_the_row_not_in_the_toast_table(db, user):
    """Distances read from the table (exact search within a stream) must not cost a TOAST fetch per row."""
    stream, clip = make_stream(user, "Long windows", day=dt.date(2026, 3, 1))
    rng = np.random.default_rng(3)
    words = ["".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), 9)) for _ in range(120)]
    rows = add_rows(stream, clip, [" ".join(words)], vectors=rng.standard_normal((1, 384)).astype(np.float32))

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_toast_chunk_id(embedding), pg_column_toast_chunk_id(search_vector)"
            " FROM transcription_searchchunk WHERE id = %s",
            [rows[0].id],
        )
        embedding_chunk, text_index_chunk = cursor.fetchone()
    assert text_index_chunk is not None  # the row was over the threshold: its tsvector went out of line
    assert embedding_chunk is None
