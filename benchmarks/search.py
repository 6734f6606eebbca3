"""Hybrid search at scale: index build time, p50/p95 latency of vector, text and hybrid queries, recall@10.

Loads ``--rows`` search rows (384-d clustered synthetic unit vectors; text drawn from a Zipf vocabulary plus
per-cluster topic words, so full-text selectivity is realistic) into a separate embedded PostgreSQL with
pgvector (``var/bench-search``), builds the GIN and HNSW indexes (timed), then runs the project's own query
code (``transcription/search/queries.py``) for each index setting and prints one line per setting:

- vector-only, text-only and hybrid (``search()``: both lists, RRF, the hits' rows) p50 / p95 in ms, with
  and without a 1% stream filter (the rows of one of 100 streams);
- recall@10 of the indexed vector search against exact search (numpy over every vector), unfiltered and
  filtered.

The query vector is given (synthetic vectors are not MiniLM's space); MiniLM's time to embed one query on
this machine is printed apart. Goal (issue 11 §4): hybrid p95 <= 30 ms and recall@10 >= 0.95 at 1M rows.

    python benchmarks/search.py --rows 50000                      # the default setting only
    python benchmarks/search.py --rows 50000 --sweep              # the trade-off table
    python benchmarks/search.py --rows 1000000 --ef-search 200,400,800   # the shipped index (migration 0006)
    python benchmarks/search.py --rows 1000000 --kind vector --m 16 --ef-construction 64   # pgvector's defaults
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import embedded  # noqa: E402

STREAMS = 100
CLUSTERS = 1000
VOCABULARY = 20_000
TOPIC_WORDS = 12
WORDS_PER_ROW = 60
LATENT, SPREAD, NOISE = 8, 0.25, 0.01
BLOCK = 5_000  # rows are generated in blocks (each block's random stream is seeded by its start)
QUERIES = 200
WARMUP = 20
SEED = 7
_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def _database(var_dir: Path) -> None:
    """Point Django at a PostgreSQL of its own, so the benchmark never touches the project's data."""
    os.environ["DATABASE_URL"] = embedded.postgres_url(var_dir)
    os.environ["REDIS_URL"] = os.environ.get("REDIS_URL") or "redis://127.0.0.1:1/0"  # never contacted
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _word(number: int) -> str:
    """A pronounceable made-up word (four syllables, ends in a consonant the english stemmer leaves alone)."""
    parts = []
    for _ in range(4):
        number, syllable = divmod(number, len(_SYLLABLES))
        parts.append(_SYLLABLES[syllable])
    return "".join(parts) + "x"


class Corpus:
    """Rows and queries, generated the same way for the same size and seed."""

    def __init__(self, rows: int, seed: int = SEED):
        rng = np.random.default_rng(seed)
        self.rows = rows
        self.words = [_word(number) for number in range(VOCABULARY)]
        self.centres = _unit(rng.standard_normal((CLUSTERS, 384)).astype(np.float32))
        self.bases = _unit(rng.standard_normal((CLUSTERS, LATENT, 384)).astype(np.float32))
        self.cluster = rng.integers(0, CLUSTERS, rows)
        self.stream = rng.integers(0, STREAMS, rows)
        self.topics = rng.integers(0, VOCABULARY, (CLUSTERS, TOPIC_WORDS))
        zipf = 1.0 / np.arange(1, VOCABULARY + 1)
        self.zipf = zipf / zipf.sum()
        self.rng = rng

    def vectors(self, start: int, stop: int) -> np.ndarray:
        """Each cluster's rows spread along a few directions of its own plus a little isotropic noise: text
        embeddings have a low intrinsic dimension, and without it "the 10 nearest" of a cluster is a coin toss
        among equidistant rows that no index (and no user) could tell apart."""
        rng = np.random.default_rng((SEED, start))
        clusters = self.cluster[start:stop]
        latent = rng.standard_normal((stop - start, LATENT)).astype(np.float32) * SPREAD
        spread = np.einsum("nk,nkd->nd", latent, self.bases[clusters])
        noise = rng.standard_normal((stop - start, 384)).astype(np.float32) * NOISE
        return _unit(self.centres[clusters] + spread + noise)

    def texts(self, start: int, stop: int) -> list[str]:
        rng = np.random.default_rng((SEED, start, 1))
        general = rng.choice(VOCABULARY, (stop - start, WORDS_PER_ROW - 6), p=self.zipf)
        topical = self.topics[self.cluster[start:stop]][
            np.arange(stop - start)[:, None], rng.integers(0, TOPIC_WORDS, (stop - start, 6))
        ]
        words = self.words
        return [" ".join(words[index] for index in row) for row in np.concatenate([topical, general], axis=1)]

    def queries(self, count: int) -> list[tuple[np.ndarray, str, int]]:
        """(vector, text, stream) per query: near a cluster's centre; a topic word and a mid-frequency word."""
        rng = np.random.default_rng((SEED, 2))
        found = []
        for _ in range(count):
            cluster = int(rng.integers(0, CLUSTERS))
            latent = rng.standard_normal(LATENT).astype(np.float32) * SPREAD
            noise = rng.standard_normal(384).astype(np.float32) * NOISE
            vector = _unit(self.centres[cluster] + latent @ self.bases[cluster] + noise)
            topic = self.words[self.topics[cluster, rng.integers(0, TOPIC_WORDS)]]
            text = f"{topic} {self.words[rng.integers(50, 2000)]}"
            found.append((vector, text, int(rng.integers(0, STREAMS))))
        return found


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def _scope():
    """The benchmark's user, its streams (one clip each) and their ids, created once."""
    from django.contrib.auth import get_user_model

    from streams.models import Stream, VideoClip

    owner, _ = get_user_model().objects.get_or_create(username="bench-search")
    streams = list(Stream.objects.filter(owner=owner).order_by("id"))
    for number in range(len(streams), STREAMS):
        stream = Stream.objects.create(owner=owner, title=f"Bench stream {number}", duration=36000)
        VideoClip.objects.create(stream=stream, order=0, file=f"clips/bench-{number}.mp4", duration=36000)
        streams.append(stream)
    streams = list(Stream.objects.filter(owner=owner).order_by("id"))
    clips = {clip.stream_id: clip.id for clip in VideoClip.objects.filter(stream__in=streams)}
    return owner, [(stream.id, clips[stream.id]) for stream in streams]


def load(corpus: Corpus, model_name: str, *, fresh: bool = False, batch: int = BLOCK) -> None:
    """Replace the table's rows with the corpus (COPY BINARY, no index in the way), then ANALYZE."""
    from django.db import connection
    from pgvector.psycopg import register_vector
    from tqdm import tqdm

    owner, streams = _scope()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM transcription_searchchunk WHERE owner_id = %s", [owner.id])
        if cursor.fetchone()[0] == corpus.rows and not fresh:
            # A run stopped while building it leaves the rows without their full-text index.
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {_GIN}")
            print(f"rows: {corpus.rows:,} already loaded")
            return
        cursor.execute("TRUNCATE transcription_searchchunk")
        _drop_indexes(cursor, ("searchchunk_hnsw_384", "searchchunk_text_gin", "searchchunk_hnsw_1536"))
    raw = connection.connection
    register_vector(raw)
    started = time.perf_counter()
    columns = 'owner_id, stream_id, clip_id, kind, start, "end", text, model_name, dimensions, embedding, created_at'
    with tqdm(total=corpus.rows, unit="row", desc="loading", disable=None) as bar:
        for start in range(0, corpus.rows, batch):
            stop = min(corpus.rows, start + batch)
            vectors, texts = corpus.vectors(start, stop), corpus.texts(start, stop)
            with raw.cursor() as cursor, cursor.copy(f"COPY transcription_searchchunk ({columns}) FROM STDIN") as copy:
                for offset, (vector, text) in enumerate(zip(vectors, texts, strict=True)):
                    stream_id, clip_id = streams[corpus.stream[start + offset]]
                    at = float(start + offset) * 15.0 % 36000
                    copy.write_row(
                        (owner.id, stream_id, clip_id, "window", at, at + 30.0, text, model_name, 384, vector, "now")
                    )
            raw.commit()
            bar.update(stop - start)
    with connection.cursor() as cursor:
        started_gin = time.perf_counter()
        cursor.execute(f"CREATE INDEX {_GIN}")
        gin_seconds = time.perf_counter() - started_gin
        cursor.execute("VACUUM ANALYZE transcription_searchchunk")
    print(f"rows: {corpus.rows:,} loaded in {time.perf_counter() - started:.0f} s (GIN index {gin_seconds:.0f} s)")


_GIN = "searchchunk_text_gin ON transcription_searchchunk USING gin (search_vector)"


def _drop_indexes(cursor, names) -> None:
    for name in names:
        cursor.execute(f"DROP INDEX IF EXISTS {name}")


def build_index(kind: str, m: int, ef_construction: int) -> tuple[float, int]:
    """(seconds, bytes) of building the 384-d HNSW index the queries use, as migration 0006 shapes it."""
    from django.db import connection

    with connection.cursor() as cursor:
        _drop_indexes(cursor, ("searchchunk_hnsw_384",))
        cursor.execute("SET maintenance_work_mem = '6GB'")
        cursor.execute("SET max_parallel_maintenance_workers = 2")
        started = time.perf_counter()
        cursor.execute(
            f"CREATE INDEX searchchunk_hnsw_384 ON transcription_searchchunk USING hnsw "
            f"((embedding::{kind}(384)) {kind}_cosine_ops) WITH (m = {m}, ef_construction = {ef_construction}) "
            "WHERE dimensions = 384"
        )
        seconds = time.perf_counter() - started
        cursor.execute("SELECT pg_relation_size('searchchunk_hnsw_384')")
        return seconds, cursor.fetchone()[0]


def exact_top(corpus: Corpus, queries, ids: np.ndarray, k: int = 10) -> tuple[list, list]:
    """Exact top-k row ids per query, unfiltered and within the query's stream, by brute force in numpy."""
    scores = np.zeros((len(queries), corpus.rows), dtype=np.float32)
    probes = np.stack([vector for vector, _, _ in queries])
    for start in range(0, corpus.rows, BLOCK):
        stop = min(corpus.rows, start + BLOCK)
        scores[:, start:stop] = probes @ corpus.vectors(start, stop).T
    top, top_filtered = [], []
    for number, (_, _, stream) in enumerate(queries):
        top.append(set(ids[np.argsort(-scores[number])[:k]].tolist()))
        inside = np.flatnonzero(corpus.stream == stream)
        top_filtered.append(set(ids[inside[np.argsort(-scores[number, inside])[:k]]].tolist()))
    return top, top_filtered


class GivenVector:
    """An embedder that hands back the query's synthetic vector, so search() runs unchanged."""

    dimensions = 384

    def __init__(self, model_name: str):
        self.model_name = model_name
        self.vector = None

    def embed(self, texts):
        return self.vector[None, :]


def _ms(samples: list[float]) -> str:
    quantiles = statistics.quantiles(samples, n=100, method="inclusive")
    return f"{statistics.median(samples) * 1000:6.1f} {quantiles[94] * 1000:6.1f}"


def measure(owner, streams, queries, truth, model_name: str) -> dict:
    """Latency samples (seconds) per query kind and recall@10, with the module's current settings."""
    from transcription.search import queries as search_queries
    from transcription.search.queries import SearchFilters, search, text_candidates, vector_candidates

    embedder = GivenVector(model_name)
    timings = {name: [] for name in ("vector", "vector 1%", "text", "text 1%", "hybrid", "hybrid 1%")}
    hits = {"all": [], "1%": []}
    for number, (vector, text, stream) in enumerate(queries):  # the first WARMUP are not timed
        warm = number < WARMUP
        stream_id = streams[stream][0]
        embedder.vector = vector
        for label, filters in (("", SearchFilters()), (" 1%", SearchFilters(stream_id=stream_id))):
            scope = {"owner_id": owner.id, "model_name": model_name, "filters": filters}
            started = time.perf_counter()
            found = vector_candidates(vector, count=10, **scope)
            vector_seconds = time.perf_counter() - started
            started = time.perf_counter()
            text_candidates(text, count=search_queries.MIN_CANDIDATES, **scope)
            text_seconds = time.perf_counter() - started
            started = time.perf_counter()
            search(owner, text, stream=filters.stream_id, limit=20, embedder=embedder)
            hybrid_seconds = time.perf_counter() - started
            if warm:
                continue
            timings["vector" + label].append(vector_seconds)
            timings["text" + label].append(text_seconds)
            timings["hybrid" + label].append(hybrid_seconds)
            expected = truth[0 if not label else 1][number - WARMUP]
            hits["all" if not label else "1%"].append(len(expected & {row_id for row_id, _ in found}) / 10)
    return {"timings": timings, "recall": {key: statistics.mean(values) for key, values in hits.items()}}


def _row_ids(owner) -> np.ndarray:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM transcription_searchchunk WHERE owner_id = %s ORDER BY id", [owner.id])
        return np.array([row[0] for row in cursor.fetchall()])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=QUERIES)
    parser.add_argument("--kind", default="halfvec", help="vector, halfvec or both (vector,halfvec)")
    parser.add_argument("--m", default="24", help="comma-separated")
    parser.add_argument("--ef-construction", default="128", help="comma-separated")
    parser.add_argument("--ef-search", default="", help="comma-separated (default: queries.EF_SEARCH)")
    parser.add_argument("--sweep", action="store_true", help="the trade-off table: m 16/24, efc 64/128, both kinds")
    parser.add_argument("--reload", action="store_true", help="load the rows again even if as many are there")
    parser.add_argument("--var-dir", default=str(ROOT / "var" / "bench-search"))
    args = parser.parse_args()
    _database(Path(args.var_dir))

    from django.core.management import call_command

    from transcription.search import queries as search_queries
    from transcription.search.embedders import local_embedder

    call_command("migrate", verbosity=0)
    embedder = local_embedder()
    embedder.embed(["warm up"])
    started = time.perf_counter()
    for _ in range(20):
        embedder.embed(["when did I talk about the borrow checker"])
    print(f"MiniLM: one query embedded in {(time.perf_counter() - started) / 20 * 1000:.1f} ms on this machine")

    corpus = Corpus(args.rows)
    load(corpus, embedder.model_name, fresh=args.reload)
    owner, streams = _scope()
    queries = corpus.queries(args.queries + WARMUP)
    queries, warmup = queries[WARMUP:], queries[:WARMUP]
    truth = exact_top(corpus, queries, _row_ids(owner))
    queries = [*warmup, *queries]

    kinds = ["vector", "halfvec"] if args.sweep else args.kind.split(",")
    ms = [16, 24] if args.sweep else [int(value) for value in args.m.split(",")]
    efcs = [64, 128] if args.sweep else [int(value) for value in args.ef_construction.split(",")]
    ef_searches = [int(value) for value in args.ef_search.split(",")] if args.ef_search else [search_queries.EF_SEARCH]
    if args.sweep and not args.ef_search:
        ef_searches = [40, 100, 200]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"\n{args.rows:,} rows x 384-d, {STREAMS} streams (1% filter = one stream), {args.queries} queries")
    print(
        "kind     m  efc  build_s  index_MB  ef_search | recall@10 all  1% | p50/p95 ms: vector       vector 1%"
        "     text          text 1%       hybrid        hybrid 1%"
    )
    for kind in kinds:
        for m in ms:
            for efc in efcs:
                seconds, size = build_index(kind, m, efc)
                search_queries.ANN_TYPE = kind
                for ef_search in ef_searches:
                    search_queries.EF_SEARCH = ef_search
                    result = measure(owner, streams, queries, truth, embedder.model_name)
                    timings, recall = result["timings"], result["recall"]
                    print(
                        f"{kind:7} {m:3} {efc:4} {seconds:8.0f} {size / 2**20:9.0f} {ef_search:10} |"
                        f" {recall['all']:13.3f} {recall['1%']:5.3f} |            "
                        + "  ".join(_ms(timings[name]) for name in timings),
                        flush=True,
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
