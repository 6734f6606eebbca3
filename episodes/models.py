from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from episodes.cutlist import CutListError, CutListLimits, validate_cut_list
from streams.timefmt import format_hms


def cut_list_limits() -> CutListLimits:
    """The caps from settings (``CUT_LIST_MAX_*``)."""
    return CutListLimits(
        max_bytes=settings.CUT_LIST_MAX_BYTES,
        max_inputs=settings.CUT_LIST_MAX_INPUTS,
        max_sections=settings.CUT_LIST_MAX_SECTIONS,
        max_output_items=settings.CUT_LIST_MAX_OUTPUT_ITEMS,
        max_overlays=settings.CUT_LIST_MAX_OVERLAYS,
        max_audio_mixes=settings.CUT_LIST_MAX_AUDIO_MIXES,
        max_keyframes=settings.CUT_LIST_MAX_KEYFRAMES,
    )


def validate_cut_list_field(value) -> None:
    """The schema and the caps; whose media it names needs the owner (``episodes.services.cut_list_validate``)."""
    if value in (None, {}):
        return
    try:
        validate_cut_list(value, limits=cut_list_limits())
    except CutListError as error:
        raise ValidationError(error.problems) from error


def validate_tracks(value) -> None:
    if not isinstance(value, list):
        raise ValidationError("tracks must be a list of {start, end} objects")
    for index, track in enumerate(value):
        if not isinstance(track, dict) or set(track) != {"start", "end"}:
            raise ValidationError(f"/{index}: each track is exactly {{start, end}}")
        start, end = track["start"], track["end"]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (start, end)):
            raise ValidationError(f"/{index}: start and end are numbers of seconds")
        if start < 0 or end <= start:
            raise ValidationError(f"/{index}: needs 0 <= start < end (got {start}..{end})")


class Project(models.Model):
    """A piece of editing work: a set of episodes cut from one or more streams."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="projects")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    series = models.ForeignKey(
        "streams.Series", null=True, blank=True, on_delete=models.SET_NULL, related_name="projects"
    )
    streams = models.ManyToManyField("streams.Stream", blank=True, related_name="projects")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Episode(models.Model):
    """A finished piece cut from a stream: its tracks on the stream timeline and its cut list."""

    class Status(models.TextChoices):
        PROPOSED = "proposed"
        DRAFT = "draft"
        READY = "ready", "ready to render"
        RENDERING = "rendering"
        RENDERED = "rendered"
        UPLOADING = "uploading"
        THROTTLED = "throttled"
        UPLOADED = "uploaded"
        FAILED = "failed"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="episodes")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="episodes")
    stream = models.ForeignKey("streams.Stream", on_delete=models.CASCADE, related_name="episodes")
    order = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    tracks = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_tracks],
        help_text='[{"start": s, "end": s}] on the stream timeline',
    )
    cut_list = models.JSONField(
        default=dict, blank=True, validators=[validate_cut_list_field], help_text="Cut list 1.0.0 (CONTRACTS.md §1)"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    rendered_file = models.FileField(upload_to="renders/", blank=True, max_length=500)
    youtube_video_id = models.CharField(max_length=32, blank=True)
    chapters = models.JSONField(
        default=list, blank=True, help_text='[{"start": s, "title": "..."}] on the episode timeline, from topic changes'
    )
    edited_at = models.DateTimeField(
        null=True, blank=True, help_text="When the streamer last changed it; a re-run of proposals keeps it then."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["stream", "order"]

    def __str__(self) -> str:
        return self.title

    @property
    def duration(self) -> float:
        return sum(track["end"] - track["start"] for track in self.tracks or [])

    @property
    def duration_hms(self) -> str:
        return format_hms(self.duration)


class Highlight(models.Model):
    """A moment worth clipping on the stream timeline, proposed by scoring or marked by hand, with why."""

    class Source(models.TextChoices):
        SCORED = "scored", "scored (loudness, speech, chat, keywords)"
        SUMMARY = "summary", "from the summary"
        CHAT_MARK = "chat_mark", "!clip in chat"
        MANUAL = "manual", "marked by hand"

    class Status(models.TextChoices):
        PROPOSED = "proposed"
        ACCEPTED = "accepted"
        REJECTED = "rejected"

    stream = models.ForeignKey("streams.Stream", on_delete=models.CASCADE, related_name="highlights")
    start = models.FloatField(help_text="Seconds on the stream timeline, pre-roll included.")
    end = models.FloatField(help_text="Seconds on the stream timeline, post-roll included.")
    peak = models.FloatField(help_text="The moment itself, seconds on the stream timeline.")
    score = models.FloatField(default=0.0)
    parts = models.JSONField(default=dict, blank=True, help_text="Each signal's share of the score, to say why.")
    reason = models.CharField(max_length=500, blank=True, help_text="The score parts in words.")
    title = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.SCORED)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROPOSED, db_index=True)
    marked_by = models.CharField(max_length=100, blank=True, help_text="Who marked it (chat login or user).")
    edited_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["stream", "start"]
        indexes = [models.Index(fields=["stream", "-score"])]

    def __str__(self) -> str:
        return f"{self.stream} @ {format_hms(self.peak)} ({self.score:.2f})"

    @property
    def owner_id(self) -> int:
        return self.stream.owner_id
