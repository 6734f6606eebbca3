from django.conf import settings
from django.db import models


class RunStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    INGESTING = "ingesting"
    ANALYSING = "analysing"
    TRANSCRIBING = "transcribing"
    SUMMARISING = "summarising"
    EMBEDDING = "embedding"
    PROPOSING = "proposing"
    RENDERING = "rendering"
    PUBLISHING = "publishing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED = (RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED)


class StepStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class PipelineRun(models.Model):
    """One execution of a workflow (ingest, analysis, render, publish) with its status as data."""

    class Kind(models.TextChoices):
        INGEST = "ingest"
        PROCESS = "process"
        RENDER = "render"
        PUBLISH = "publish"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pipeline_runs")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    stream = models.ForeignKey(
        "streams.Stream", null=True, blank=True, on_delete=models.CASCADE, related_name="pipeline_runs"
    )
    episode = models.ForeignKey(
        "episodes.Episode", null=True, blank=True, on_delete=models.CASCADE, related_name="pipeline_runs"
    )
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True)
    progress = models.FloatField(default=0.0, help_text="Percent, 0 to 100.")
    error = models.TextField(blank=True)
    celery_task_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        target = self.stream or self.episode or "-"
        return f"{self.get_kind_display()} of {target} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def duration_seconds(self) -> float | None:
        if not self.started_at:
            return None
        end = self.finished_at or self.updated_at
        return (end - self.started_at).total_seconds()


class StepRun(models.Model):
    """One step of a run, for one clip where the step works per clip."""

    run = models.ForeignKey(PipelineRun, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(max_length=50)
    clip = models.ForeignKey("streams.VideoClip", null=True, blank=True, on_delete=models.CASCADE)
    label = models.CharField(max_length=500, blank=True, help_text="What the step worked on, for humans.")
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=StepStatus.choices, default=StepStatus.QUEUED)
    progress = models.FloatField(default=0.0)
    weight = models.FloatField(default=1.0, help_text="Share of the run's progress this step stands for.")
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    task_id = models.CharField(
        max_length=255, blank=True, help_text="The Celery task that claimed the step (its redelivery may take it over)."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "position", "id"]

    def __str__(self) -> str:
        return f"{self.name} [{self.label or self.clip_id or '-'}] {self.status}"

    @property
    def duration_seconds(self) -> float | None:
        if not (self.started_at and self.finished_at):
            return None
        return (self.finished_at - self.started_at).total_seconds()
