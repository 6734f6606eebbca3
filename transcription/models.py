from django.db import models


class Transcript(models.Model):
    """The speech of one clip: language, text and segments, on the clip's timeline."""

    clip = models.OneToOneField("streams.VideoClip", on_delete=models.CASCADE, related_name="transcript")
    language = models.CharField(max_length=16, blank=True)
    text = models.TextField(blank=True)
    engine = models.CharField(max_length=50, blank=True)
    model_name = models.CharField(max_length=500, blank=True)
    initial_prompt = models.TextField(blank=True)
    speech_seconds = models.FloatField(default=0.0, help_text="Seconds of audio sent to the model.")
    processing_seconds = models.FloatField(default=0.0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["clip__stream", "clip__order"]

    def __str__(self) -> str:
        return f"transcript of {self.clip}"


class Segment(models.Model):
    """One Whisper segment (CONTRACTS.md §3) with its word timestamps; times in seconds on the clip."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="segments")
    index = models.PositiveIntegerField()
    start = models.FloatField()
    end = models.FloatField()
    text = models.TextField()
    avg_logprob = models.FloatField(null=True, blank=True)
    compression_ratio = models.FloatField(null=True, blank=True)
    no_speech_prob = models.FloatField(null=True, blank=True)
    temperature = models.FloatField(default=0.0)
    tokens = models.JSONField(default=list)
    words = models.JSONField(default=list, help_text="[{start, end, word, probability}, ...]")

    class Meta:
        ordering = ["transcript", "index"]
        constraints = [models.UniqueConstraint(fields=["transcript", "index"], name="segment_unique_index")]

    def __str__(self) -> str:
        return f"[{self.start:.2f}-{self.end:.2f}] {self.text[:60]}"

    def as_dict(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "avg_logprob": self.avg_logprob,
            "compression_ratio": self.compression_ratio,
            "no_speech_prob": self.no_speech_prob,
            "temperature": self.temperature,
            "tokens": self.tokens,
            "words": self.words,
        }


# Search rows live with the search code; imported here so Django registers them.
from transcription.search.models import SearchChunk  # noqa: E402, F401
