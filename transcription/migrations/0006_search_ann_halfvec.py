"""The search HNSW indexes rebuilt over half-precision vectors with a denser graph (m 24, ef_construction 128).

benchmarks/search.py at 1,000,000 rows x 384-d on 2 cores (pgvector 0.8, clustered synthetic vectors):

- migration 0004's ``vector``, m 16, ef_construction 64: index 1,953 MB, recall@10 0.785 / 0.841 / 0.880 at
  ef_search 100 / 200 / 400;
- this one, ``halfvec``, m 24, ef_construction 128: build 657 s, index 1,162 MB, recall@10 0.968 / 0.988 /
  0.993 at ef_search 200 / 400 / 800, hybrid p95 25.4 ms at 400 (queries.EF_SEARCH).

Half precision halves the vectors the graph holds, so the denser graph still takes less memory than the old
one; the rows keep full precision and the queries measure the returned rows' distances on them. Same names,
same partial expressions over the dimensionless column (``WHERE dimensions = N``), as queries.py expects.
"""

from django.db import migrations

INDEXES = {384: "searchchunk_hnsw_384", 1536: "searchchunk_hnsw_1536"}
M = 24
EF_CONSTRUCTION = 128


def _create(dimensions: int, name: str, kind: str, m: int, ef_construction: int) -> str:
    return (
        f"CREATE INDEX {name} ON transcription_searchchunk USING hnsw "
        f"((embedding::{kind}({dimensions})) {kind}_cosine_ops) WITH (m = {m}, ef_construction = {ef_construction}) "
        f"WHERE dimensions = {dimensions}"
    )


class Migration(migrations.Migration):
    dependencies = [("transcription", "0005_search_embedding_inline")]

    operations = [
        operation
        for dimensions, name in INDEXES.items()
        for operation in (
            migrations.RunSQL(f"DROP INDEX IF EXISTS {name}", _create(dimensions, name, "vector", 16, 64)),
            migrations.RunSQL(_create(dimensions, name, "halfvec", M, EF_CONSTRUCTION), f"DROP INDEX IF EXISTS {name}"),
        )
    ]
