"""The rows search runs over: transcript windows and clip summaries, each with its text and its embedding."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from pgvector.django import VectorField


class SearchChunk(models.Model):
    """About 30 s of speech (or one clip's summary) on the stream timeline, embedded by one model.

    ``owner`` is the stream's owner, copied here so every query filters on this table alone. The vector
    column has no fixed dimension: each row says which model made it and how long it is, and a query only
    compares rows of its own model (the ANN indexes are per dimension, over a cast).
    """

    class Kind(models.TextChoices):
        WINDOW = "window", "transcript window"
        SUMMARY = "summary", "clip summary"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="search_chunks")
    stream = models.ForeignKey("streams.Stream", on_delete=models.CASCADE, related_name="search_chunks")
    clip = models.ForeignKey("streams.VideoClip", on_delete=models.CASCADE, related_name="search_chunks")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.WINDOW)
    start = models.FloatField(help_text="Seconds on the stream timeline.")
    end = models.FloatField(help_text="Seconds on the stream timeline.")
    text = models.TextField()
    search_vector = models.GeneratedField(
        expression=SearchVector("text", config="english"), output_field=SearchVectorField(), db_persist=True
    )
    model_name = models.CharField(max_length=200)
    dimensions = models.PositiveSmallIntegerField()
    embedding = VectorField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["stream", "start"]
        indexes = [
            GinIndex(fields=["search_vector"], name="searchchunk_text_gin"),
            models.Index(fields=["owner", "model_name"], name="searchchunk_owner_model"),
            models.Index(fields=["clip", "kind"], name="searchchunk_clip_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.stream} [{self.start:.0f}-{self.end:.0f}] {self.text[:60]}"
