"""Approximate nearest-neighbour indexes for search: HNSW over cosine distance, one per embedding size.

The embedding column has no fixed dimension (each row names its model), and pgvector indexes only a fixed
size, so each index is a partial expression index over a cast: ``(embedding::vector(N)) WHERE dimensions = N``.
Queries (transcription/search/queries.py) use exactly that expression and condition. 384: the bundled
all-MiniLM-L6-v2; 1536: OpenAI's text-embedding-3-small. Other sizes are searched exactly (no index).
m and ef_construction come from benchmarks/search.py.
"""

from django.db import migrations

INDEXES = {384: "searchchunk_hnsw_384", 1536: "searchchunk_hnsw_1536"}
M = 16
EF_CONSTRUCTION = 64


def _create(dimensions: int, name: str) -> str:
    return (
        f"CREATE INDEX {name} ON transcription_searchchunk USING hnsw "
        f"((embedding::vector({dimensions})) vector_cosine_ops) WITH (m = {M}, ef_construction = {EF_CONSTRUCTION}) "
        f"WHERE dimensions = {dimensions}"
    )


class Migration(migrations.Migration):
    dependencies = [("transcription", "0003_summaries")]

    operations = [
        migrations.RunSQL(_create(dimensions, name), f"DROP INDEX IF EXISTS {name}")
        for dimensions, name in INDEXES.items()
    ]
