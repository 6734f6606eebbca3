"""Stored summaries: one per clip (CONTRACTS.md §4) and one draft per stream. Registered through
``transcription.models``.

``edited_at`` is set when the streamer changes a summary (API or admin); from then on a re-run keeps their
text, says so in ``kept_edit`` and the log, and leaves the row otherwise alone.
"""

from django.db import models


class Summary(models.Model):
    """What both kinds share: which engine wrote it, and whether the streamer has made it theirs."""

    engine = models.CharField(max_length=50, blank=True)
    model_name = models.CharField(max_length=500, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True, help_text="When the streamer last edited it.")
    kept_edit = models.BooleanField(
        default=False, help_text="The last re-run kept the streamer's edit instead of replacing it."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ClipSummary(Summary):
    """What one clip's speech is about. Times of highlights, attentions and errors are on the stream timeline;
    each cites the indexes of the transcript segments it comes from."""

    clip = models.OneToOneField("streams.VideoClip", on_delete=models.CASCADE, related_name="summary")
    title = models.CharField(max_length=200, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    summary_main_discussion = models.TextField(blank=True)
    summary_context = models.TextField(blank=True, help_text="Rolled forward as context for the next clip.")
    highlights = models.JSONField(
        default=list, blank=True, help_text="[{timestamp_start, timestamp_end, description, reasoning, segments}]"
    )
    attentions = models.JSONField(
        default=list, blank=True, help_text="[{timestamp_start, timestamp_end, description, reasoning, segments}]"
    )
    transcription_errors = models.JSONField(
        default=list, blank=True, help_text="[{timestamp_start, description, reasoning, segments}]"
    )

    class Meta:
        app_label = "transcription"
        ordering = ["clip__stream", "clip__order"]
        verbose_name_plural = "clip summaries"

    def __str__(self) -> str:
        return f"summary of {self.clip}"

    def as_dict(self) -> dict:
        """The contract's fields, as the validator and the engines see them."""
        from transcription.summaries.schema import CLIP_FIELDS

        return {name: getattr(self, name) for name in CLIP_FIELDS}


class StreamSummary(Summary):
    """A title and description draft for the stream, built from its clips' summaries."""

    stream = models.OneToOneField("streams.Stream", on_delete=models.CASCADE, related_name="summary")
    title = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        app_label = "transcription"
        ordering = ["stream"]
        verbose_name_plural = "stream summaries"

    def __str__(self) -> str:
        return f"summary of {self.stream}"
