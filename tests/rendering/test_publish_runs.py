"""Publishing and archiving are pipeline runs of kind ``publish``: status and percentage like a render's."""

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from pipeline.models import PipelineRun, RunStatus, StepStatus
from rendering.publishing.archive import ArchiveError
from rendering.publishing.archiving import episode_archive
from rendering.publishing.models import YouTubeUpload
from rendering.publishing.services import episode_publish, episode_publish_start
from streams.models import VideoClip


def publish_run(episode) -> PipelineRun:
    return PipelineRun.objects.get(episode=episode, kind=PipelineRun.Kind.PUBLISH)


def test_a_youtube_upload_is_a_publish_run_that_reaches_100_percent(rendered_episode, fake_youtube):
    upload = episode_publish_start(episode=rendered_episode)
    run = publish_run(rendered_episode)
    assert upload.run == run and run.status == RunStatus.QUEUED and run.progress == 0
    assert [(step.name, step.label) for step in run.steps.all()] == [("youtube", "YouTube (private)")]

    seen = []
    episode_publish(
        episode_id=rendered_episode.id, progress=lambda done, total: seen.append(publish_run(rendered_episode))
    )

    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED and run.progress == 100 and not run.error
    assert {s.status for s in seen} == {RunStatus.PUBLISHING}
    assert 0 < seen[1].progress < 100  # the percentage moved with the confirmed bytes
    assert run.steps.get().status == StepStatus.COMPLETED


def test_a_throttled_upload_keeps_its_run_open_saying_why_then_completes_it(rendered_episode, fake_youtube):
    episode_publish_start(episode=rendered_episode)
    fake_youtube.fail("chunk", "429", retry_after="42", skip=2)
    episode_publish(episode_id=rendered_episode.id)

    run = publish_run(rendered_episode)
    assert run.status == RunStatus.PUBLISHING and "throttled by YouTube" in run.error and 0 < run.progress < 100

    YouTubeUpload.objects.update(resume_at=timezone.now())
    episode_publish(episode_id=rendered_episode.id)

    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED and run.progress == 100 and not run.error
    assert PipelineRun.objects.filter(kind=PipelineRun.Kind.PUBLISH).count() == 1  # resumed, not a second run


def test_a_failed_upload_fails_its_run_with_the_reason(rendered_episode, fake_youtube):
    episode_publish_start(episode=rendered_episode)
    fake_youtube.refresh_token = "a-different-token"

    episode_publish(episode_id=rendered_episode.id)

    run = publish_run(rendered_episode)
    assert run.status == RunStatus.FAILED and "reconnect the account" in run.error


def test_archiving_is_a_publish_run_with_a_step_per_file_weighted_by_size(rendered_episode, archive_settings):
    clip = VideoClip(stream=rendered_episode.stream, order=0, original_name="rec.mkv", duration=60)
    clip.file.save("rec.mkv", ContentFile(b"original recording bytes"), save=True)
    render_size = rendered_episode.rendered_file.size

    episode_archive(episode_id=rendered_episode.id)

    run = publish_run(rendered_episode)
    assert run.status == RunStatus.COMPLETED and run.progress == 100
    steps = list(run.steps.order_by("position"))
    assert [(s.name, s.label, s.status) for s in steps] == [
        ("archive", rendered_episode.rendered_file.name, StepStatus.COMPLETED),
        ("archive", clip.file.name, StepStatus.COMPLETED),
    ]
    assert [s.weight for s in steps] == [render_size, len(b"original recording bytes")]


def test_a_file_that_cannot_be_archived_fails_the_run_and_stays(rendered_episode, archive_settings):
    archive_settings.ARCHIVE_BUCKET = "no-such-bucket"

    with pytest.raises(ArchiveError, match="no-such-bucket"):
        episode_archive(episode_id=rendered_episode.id)

    run = publish_run(rendered_episode)
    assert run.status == RunStatus.FAILED and "no-such-bucket" in run.error
    assert rendered_episode.rendered_file.storage.exists(rendered_episode.rendered_file.name)


def test_an_archive_refused_up_front_leaves_no_run(rendered_episode, youtube_settings):
    youtube_settings.ARCHIVE_BUCKET = ""
    with pytest.raises(ArchiveError, match="ARCHIVE_BUCKET"):
        episode_archive(episode_id=rendered_episode.id)
    assert not PipelineRun.objects.exists()
