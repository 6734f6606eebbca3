"""Stream tasks: analysis (queue ``cpu``) and VOD downloads (queue ``io``), thin shells over services."""

from __future__ import annotations

from celery import shared_task

from pipeline.models import PipelineRun, RunStatus
from pipeline.steps import run_step
from pipeline.tasks import MediaTask
from streams.analysis.services import clip_analyse


@shared_task(base=MediaTask, name="streams.tasks.analyse_clip")
def analyse_clip(step_id: int, audio_track: int | None = None) -> None:
    run_step(
        step_id,
        RunStatus.ANALYSING,
        lambda step, progress: clip_analyse(clip_id=step.clip_id, audio_track=audio_track, progress=progress),
    )


@shared_task(base=MediaTask, name="streams.tasks.fetch_remote_clips")
def fetch_remote_clips(run_id: int, process: bool = True) -> None:
    """Download an S3 ingest's objects into storage (queue ``io``), then queue their processing."""
    # Imported here: s3_ingest imports pipeline.workflows, which imports this module.
    from streams.s3_ingest import remote_clips_fetch

    remote_clips_fetch(run_id=run_id, process=process)
@shared_task(
    base=MediaTask, name="streams.tasks.download_vod", soft_time_limit=5 * 60 * 60, time_limit=5 * 60 * 60 + 300
)
def download_vod(
    run_id: int, url: str, title: str | None = None, series: str | None = None, process: bool = True
) -> str:
    """Download one VOD URL and ingest it (queue ``io``); the run carries progress and any error.

    A redelivery (the worker died) finds the partial download and continues it; a finished run is left alone.
    """
    # Imported here: the pipeline's workflows import this module, and ingest imports the workflows.
    from streams.services import IngestError
    from streams.sources.vod import stream_ingest_url

    run = PipelineRun.objects.select_related("owner").get(id=run_id)
    if run.is_finished:
        return run.status
    try:
        stream_ingest_url(owner=run.owner, url=url, title=title, series_name=series, process=process, run=run)
    except IngestError:
        pass  # the run holds the reason
    return PipelineRun.objects.get(id=run_id).status
