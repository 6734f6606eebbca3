"""Hybrid search over the owner's search rows: vector nearest neighbours and full-text, fused by reciprocal rank.

Two ranked lists, one round trip each, both over ``transcription_searchchunk`` alone (the owner is copied onto
every row), both limited to rows made by the query's embedding model:

- vector: cosine distance over ``embedding::halfvec(N)``, exactly the expression the partial HNSW index of
  migration 0006 covers (``WHERE dimensions = N``), so the planner can use it. pgvector's iterative index scan
  (``relaxed_order``) keeps walking the graph while a filter (owner, series, dates) rejects rows, so a narrow
  filter still fills the list; the rows are re-sorted by distance here. Within one stream (a few thousand rows
  at most) every row is measured instead: exact, and faster than walking the whole graph for 1% of it.
- text: ``websearch_to_tsquery('english', q)`` against the generated ``search_vector`` (GIN), ranked by
  ``ts_rank_cd``.

:func:`transcription.search.fusion.reciprocal_rank_fusion` merges them; a third query loads the hits' rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from transcription.search.embedders import Embedder, embedder_from_settings
from transcription.search.fusion import (
    QueryError,
    is_plain,
    query_terms,
    reciprocal_rank_fusion,
    snippet,
    validate_query,
)
from transcription.search.models import SearchChunk

MODES = ("hybrid", "vector", "text")
# Date filters are made aware in the current time zone and the end one is moved a day on: far dates overflow.
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(9998, 12, 31)
MAX_LIMIT = 100
# Each list brings at least this many candidates to the fusion: a hit ranked low by one list and high by the
# other must be in both lists to be fused.
MIN_CANDIDATES = 40
# HNSW search breadth and the iterative scan's budget. benchmarks/search.py at 1M rows (halfvec, m 24,
# ef_construction 128, migration 0006): recall@10 0.968 at ef_search 200, 0.988 at 400 (hybrid p95 25.4 ms).
EF_SEARCH = 400
MAX_SCAN_TUPLES = 20_000
# The widening pass of full-text (any word of a plain query) ranks at most this many matching rows. Text mode
# widens; hybrid does not by default: there the vector list already answers questions in other words, and
# rows sharing a common word with the question only push its answers down (search_retrieval.py measures it).
WIDEN_ROWS = 2000
WIDEN_IN_HYBRID = False
# Fusion weights (vector, text) and k; benchmarks/search_retrieval.py measures them against a known corpus.
RRF_K = 60
WEIGHTS = (1.0, 1.0)
# A full-text row with only some of a plain query's words counts for this share of one with all of them.
PARTIAL_MATCH = 0.3
# The type the HNSW indexes of migration 0006 are built over (a cast of the dimensionless column).
ANN_TYPE = "halfvec"


@dataclass(frozen=True)
class SearchFilters:
    """Narrowing a search; every field is optional. Dates are inclusive and compare with the stream's start."""

    series_id: int | None = None
    stream_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@dataclass(frozen=True)
class SearchHit:
    """One row found, with where it is and why it ranked where it did."""

    chunk_id: int
    kind: str
    stream_id: int
    stream_title: str
    clip_id: int
    clip_file: str
    clip_start_time: float
    start: float
    end: float
    text: str
    snippet: str
    score: float
    vector_rank: int | None
    vector_distance: float | None
    text_rank: int | None
    text_score: float | None

    @property
    def clip_offset(self) -> float:
        """Where the hit starts inside its clip's file (a player's ``#t=``)."""
        return max(0.0, self.start - self.clip_start_time)


def _default_embedder() -> Embedder:
    """The embedder the embed step uses, so a query compares rows of its own model."""
    return embedder_from_settings()


def _vector_literal(vector: Sequence[float]) -> str:
    return "[" + ",".join(f"{float(value):.7g}" for value in vector) + "]"


def _where(owner_id: int, model_name: str, filters: SearchFilters) -> tuple[str, str, list]:
    """The join (when a filter needs the stream) and the WHERE clauses every list shares, with their params."""
    clauses = ["c.owner_id = %s", "c.model_name = %s"]
    params: list = [owner_id, model_name]
    join = ""
    if filters.stream_id is not None:
        clauses.append("c.stream_id = %s")
        params.append(filters.stream_id)
    if filters.series_id is not None or filters.date_from or filters.date_to:
        join = "JOIN streams_stream s ON s.id = c.stream_id"
    if filters.series_id is not None:
        clauses.append("s.series_id = %s")
        params.append(filters.series_id)
    if filters.date_from:
        clauses.append("s.recorded_at >= %s")
        params.append(timezone.make_aware(dt.datetime.combine(filters.date_from, dt.time.min)))
    if filters.date_to:
        clauses.append("s.recorded_at < %s")
        params.append(timezone.make_aware(dt.datetime.combine(filters.date_to + dt.timedelta(days=1), dt.time.min)))
    return join, " AND ".join(clauses), params


def vector_sql(dimensions: int, join: str, where: str) -> str:
    """Nearest rows by cosine distance, over the exact expression the partial HNSW index is built on.

    The index orders by half precision; the distance returned is measured on the row's full-precision
    vector, so the caller's sort puts the candidates in their exact order.
    """
    column = f"c.embedding::{ANN_TYPE}({dimensions})"
    probe = f"%s::{ANN_TYPE}({dimensions})"
    exact = f"c.embedding::vector({dimensions}) <=> %s::vector({dimensions})"
    return (
        f"SELECT c.id, {exact} AS distance FROM transcription_searchchunk c {join} "
        f"WHERE c.dimensions = {dimensions} AND {where} ORDER BY {column} <=> {probe} LIMIT %s"
    )


def exact_vector_sql(dimensions: int, join: str, where: str) -> str:
    """Nearest rows by cosine distance, every candidate measured: for one stream, a few thousand rows at most.

    The rows are gathered first (a materialised CTE, through the stream index), so the planner cannot walk
    the whole table's HNSW graph for them, which at 1% of the rows misses a fifth of the true neighbours.
    """
    return (
        f"WITH rows AS MATERIALIZED (SELECT c.id, c.embedding FROM transcription_searchchunk c {join} "
        f"WHERE c.dimensions = {dimensions} AND {where}) "
        f"SELECT id, embedding::vector({dimensions}) <=> %s::vector({dimensions}) AS distance FROM rows "
        "ORDER BY distance LIMIT %s"
    )


def vector_candidates(
    vector: Sequence[float], *, owner_id: int, model_name: str, filters: SearchFilters, count: int
) -> list[tuple[int, float]]:
    """``(row id, cosine distance)`` of the nearest ``count`` rows, nearest first (exact within one stream)."""
    join, where, params = _where(owner_id, model_name, filters)
    literal = _vector_literal(vector)
    with transaction.atomic(), connection.cursor() as cursor:
        if filters.stream_id is not None:
            cursor.execute(exact_vector_sql(len(vector), join, where), [*params, literal, count])
            return [(row_id, float(distance)) for row_id, distance in cursor.fetchall()]
        cursor.execute(
            "SELECT set_config('hnsw.ef_search', %s, true), set_config('hnsw.iterative_scan', 'relaxed_order', true),"
            " set_config('hnsw.max_scan_tuples', %s, true)",
            [str(min(1000, max(EF_SEARCH, count))), str(MAX_SCAN_TUPLES)],
        )
        cursor.execute(vector_sql(len(vector), join, where), [literal, *params, literal, count])
        rows = cursor.fetchall()
    # relaxed_order may hand rows back slightly out of order, and the index orders by half precision.
    return sorted(((row_id, float(distance)) for row_id, distance in rows), key=lambda row: row[1])


_EVERY_WORD = "websearch_to_tsquery('english', %s)"
# plainto_tsquery's text form quotes each (already stemmed) lexeme, so only its AND operators become OR; the
# 'simple' configuration then reads the lexemes back as they are.
_ANY_WORD = "to_tsquery('simple', replace(plainto_tsquery('english', %s)::text, ' & ', ' | '))"


def text_sql(join: str, where: str, *, any_word: bool = False) -> str:
    """Rows matching the web-style query (quotes, ``or``, ``-word``; every word by default), by cover density.

    ``any_word``: the widening pass for a plain query, rows with some of its words but not all of them. A
    common word can match a good part of a large table, and ranking every match costs per row, so only the
    first ``WIDEN_ROWS`` matches the GIN index hands back are ranked.
    """
    if not any_word:
        return (
            "SELECT c.id, ts_rank_cd(c.search_vector, query) AS rank "
            f"FROM transcription_searchchunk c {join}, {_EVERY_WORD} query "
            f"WHERE c.search_vector @@ query AND {where} ORDER BY rank DESC, c.id LIMIT %s"
        )
    return (
        "SELECT id, ts_rank_cd(search_vector, query) AS rank FROM ("
        f"SELECT c.id, c.search_vector, query FROM transcription_searchchunk c {join}, {_ANY_WORD} query, "
        f"{_EVERY_WORD} every_word WHERE c.search_vector @@ query AND NOT c.search_vector @@ every_word AND {where} "
        f"LIMIT {WIDEN_ROWS}) widened ORDER BY rank DESC, id LIMIT %s"
    )


def text_candidates(
    query: str, *, owner_id: int, model_name: str, filters: SearchFilters, count: int
) -> list[tuple[int, float]]:
    """``(row id, ts_rank_cd)`` of the best ``count`` full-text matches, best first.

    Rows with every word come first. A plain query (no quotes, ``or`` or ``-word``) that finds fewer is
    widened to rows with any of its words: people type questions ("when did I talk about the borrow
    checker"), and few passages say every word of one.
    """
    return [
        (row_id, rank)
        for row_id, rank, _ in text_matches(
            query, owner_id=owner_id, model_name=model_name, filters=filters, count=count
        )
    ]


def text_matches(
    query: str, *, owner_id: int, model_name: str, filters: SearchFilters, count: int, widen: bool = True
) -> list[tuple[int, float, bool]]:
    """:func:`text_candidates` with, per row, whether it has every word (False: found by the widening pass)."""
    join, where, params = _where(owner_id, model_name, filters)
    with connection.cursor() as cursor:
        cursor.execute(text_sql(join, where), [query, *params, count])
        found = [(row_id, float(rank), True) for row_id, rank in cursor.fetchall()]
        if widen and len(found) < count and is_plain(query) and len(query_terms(query)) > 1:
            cursor.execute(text_sql(join, where, any_word=True), [query, query, *params, count - len(found)])
            found += [(row_id, float(rank), False) for row_id, rank in cursor.fetchall()]
    return found


def search(
    owner,
    query: str,
    *,
    series: int | None = None,
    stream: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int = 20,
    mode: str = "hybrid",
    embedder: Embedder | None = None,
) -> list[SearchHit]:
    """The owner's best ``limit`` hits for ``query``; :class:`QueryError` for a query or option that cannot run.

    Only rows embedded by ``embedder``'s model (the configured one by default) are searched, in every mode, so
    a half-finished re-embed never mixes two models' rows or shows a passage twice.
    """
    query = validate_query(query)
    if mode not in MODES:
        raise QueryError(f"Unknown mode {mode!r}: choose one of {', '.join(MODES)}.")
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"The limit must be between 1 and {MAX_LIMIT}.")
    if date_from and date_to and date_from > date_to:
        raise QueryError("The start date is after the end date.")
    if any(day and not FIRST_DATE <= day <= LAST_DATE for day in (date_from, date_to)):
        raise QueryError(f"Dates must be between {FIRST_DATE} and {LAST_DATE}.")
    embedder = embedder or _default_embedder()
    filters = SearchFilters(series_id=series, stream_id=stream, date_from=date_from, date_to=date_to)
    scope = {"owner_id": owner.pk, "model_name": embedder.model_name, "filters": filters}
    count = max(limit, MIN_CANDIDATES)
    by_vector, matches = [], []
    if mode in ("hybrid", "vector"):
        by_vector = vector_candidates(embedder.embed([query])[0], count=count, **scope)
    if mode in ("hybrid", "text"):
        matches = text_matches(query, count=count, widen=mode == "text" or WIDEN_IN_HYBRID, **scope)
    by_text = [(row_id, rank) for row_id, rank, _ in matches]
    fused = reciprocal_rank_fusion(
        [[row_id for row_id, _ in by_vector], [row_id for row_id, _ in by_text]],
        k=RRF_K,
        weights=WEIGHTS,
        discounts=[{}, {row_id: PARTIAL_MATCH for row_id, _, every_word in matches if not every_word}],
    )[:limit]
    return _hits(owner, query, fused, by_vector, by_text)


def _hits(owner, query: str, fused, by_vector, by_text) -> list[SearchHit]:
    vector_parts = {row_id: (rank, distance) for rank, (row_id, distance) in enumerate(by_vector, start=1)}
    text_parts = {row_id: (rank, score) for rank, (row_id, score) in enumerate(by_text, start=1)}
    rows = (
        SearchChunk.objects.filter(owner=owner, id__in=[row_id for row_id, _ in fused])
        .select_related("stream", "clip")
        .only("kind", "start", "end", "text", "stream__title", "clip__file", "clip__start_time")
        .in_bulk()
    )
    terms = query_terms(query)
    hits = []
    for row_id, score in fused:
        row = rows.get(row_id)
        if row is None:  # deleted between the lists and this read
            continue
        vector_rank, distance = vector_parts.get(row_id, (None, None))
        text_rank, text_score = text_parts.get(row_id, (None, None))
        hits.append(
            SearchHit(
                chunk_id=row.id,
                kind=row.kind,
                stream_id=row.stream_id,
                stream_title=row.stream.title,
                clip_id=row.clip_id,
                clip_file=row.clip.file.name,
                clip_start_time=row.clip.start_time,
                start=row.start,
                end=row.end,
                text=row.text,
                snippet=snippet(row.text, terms),
                score=score,
                vector_rank=vector_rank,
                vector_distance=distance,
                text_rank=text_rank,
                text_score=text_score,
            )
        )
    return hits
