from django.conf import settings
from django.db import models

from streams.timefmt import format_hms


class Series(models.Model):
    """A show a streamer runs regularly; its templates name and describe each episode."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="series")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    episode_title_template = models.CharField(
        max_length=200,
        default="{title} - Episode {order}",
        help_text="Placeholders: {title} (stream title), {series}, {order}, {date}.",
    )
    episode_description_template = models.TextField(blank=True, default="{summary}\n\n{chapters}")
    youtube_playlist_id = models.CharField(max_length=64, blank=True)
    youtube_category_id = models.CharField(max_length=8, default="20", help_text="20 = Gaming")
    tags = models.JSONField(default=list, blank=True)
    intro_file = models.FileField(upload_to="series/intro/", blank=True)
    outro_file = models.FileField(upload_to="series/outro/", blank=True)
    overlay_file = models.FileField(upload_to="series/overlay/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "series"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="series_unique_name_per_owner")]

    def __str__(self) -> str:
        return self.name


class Stream(models.Model):
    """One live session: its recordings (clips) back to back make the stream timeline."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="streams")
    series = models.ForeignKey(Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="streams")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True, help_text="Start of the first recording.")
    duration = models.FloatField(default=0.0, help_text="Seconds; the sum of the clips' durations.")
    language = models.CharField(max_length=16, blank=True, default="en")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-recorded_at", "-created_at"]
        indexes = [models.Index(fields=["owner", "-recorded_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def duration_hms(self) -> str:
        return format_hms(self.duration)


class VideoClip(models.Model):
    """One recording file of a stream, with what probing found in it."""

    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="clips")
    order = models.PositiveIntegerField(help_text="Position on the stream timeline, from 0.")
    file = models.FileField(upload_to="clips/", max_length=500)
    original_name = models.CharField(max_length=500)
    original_path = models.CharField(max_length=1000, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    recorded_at = models.DateTimeField(null=True, blank=True)
    start_time = models.FloatField(default=0.0, help_text="Seconds from the start of the stream.")
    duration = models.FloatField(help_text="Seconds, as probed.")
    format_name = models.CharField(max_length=100, blank=True)
    bit_rate = models.BigIntegerField(null=True, blank=True)
    video_codec = models.CharField(max_length=50, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    frame_rate = models.FloatField(null=True, blank=True)
    audio_tracks = models.JSONField(
        default=list, blank=True, help_text="One entry per audio stream: index, codec, channels, sample rate, ..."
    )
    media_streams = models.JSONField(default=list, blank=True, help_text="Every stream as probed.")
    source_url = models.CharField(
        max_length=1100, blank=True, help_text="Where the recording was fetched from (s3://bucket/key), if remote."
    )
    source_etag = models.CharField(max_length=200, blank=True, help_text="The remote object's ETag when ingested.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["stream", "order"]
        constraints = [
            # Deferred: re-laying out a stream reorders its clips freely inside one transaction.
            models.UniqueConstraint(
                fields=["stream", "order"], name="clip_unique_order_per_stream", deferrable=models.Deferrable.DEFERRED
            )
        ]
        indexes = [models.Index(fields=["source_url", "source_etag"], name="clip_source_idx")]

    def __str__(self) -> str:
        return f"{self.stream} #{self.order}: {self.original_name}"

    @property
    def owner_id(self) -> int:
        return self.stream.owner_id

    @property
    def end_time(self) -> float:
        return self.start_time + self.duration

    @property
    def has_video(self) -> bool:
        """False for an audio-only recording: no keyframes, and rendered over a black frame."""
        return bool(self.video_codec)

    @property
    def resolution(self) -> str:
        return f"{self.width}x{self.height}" if self.width and self.height else "-"

    @property
    def duration_hms(self) -> str:
        return format_hms(self.duration)

    @property
    def start_hms(self) -> str:
        return format_hms(self.start_time)


class WatchedFile(models.Model):
    """A file a watch folder saw finished, by path, size and mtime: each version is ingested (or fails) once.

    A failed file is tried again only when it changes (another size or mtime is another row).
    """

    class Status(models.TextChoices):
        INGESTED = "ingested"
        FAILED = "failed"
        SKIPPED = "skipped"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watched_files")
    path = models.CharField(max_length=1000)
    size_bytes = models.BigIntegerField()
    mtime_ns = models.BigIntegerField(help_text="Modification time, nanoseconds since the epoch.")
    status = models.CharField(max_length=20, choices=Status.choices)
    error = models.TextField(blank=True)
    stream = models.ForeignKey(Stream, null=True, blank=True, on_delete=models.SET_NULL, related_name="watched_files")
    clip = models.ForeignKey(VideoClip, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "path", "size_bytes", "mtime_ns"], name="watched_file_unique_version_per_owner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.path} ({self.status})"


# Analysis results live in their own module (issue 3); imported here so Django registers them.
from streams.analysis.models import ClipAnalysis  # noqa: E402, F401
