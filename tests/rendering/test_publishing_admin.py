"""The episode admin's YouTube and archive actions, and ``manage.py archive``: each a publish run."""

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from pipeline.models import PipelineRun, RunStatus
from rendering.publishing.models import ArchivedFile, YouTubeUpload
from rendering.publishing.tasks import archive_episode
from streams.models import VideoClip


def act(client, action: str, episode) -> str:
    response = client.post(
        reverse("admin:episodes_episode_changelist"),
        {"action": action, "_selected_action": [episode.id]},
        follow=True,
    )
    return response.content.decode()


def test_the_youtube_action_queues_an_upload_run(rendered_episode, editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        page = act(editor, "upload_to_youtube", rendered_episode)

    upload = YouTubeUpload.objects.get(episode=rendered_episode)
    assert f"YouTube upload queued (run {upload.run_id})" in page and len(callbacks) == 1
    assert upload.run.kind == PipelineRun.Kind.PUBLISH and upload.run.status == RunStatus.QUEUED


def test_the_youtube_action_explains_an_episode_without_a_render(rendered_episode, editor):
    rendered_episode.rendered_file = ""
    rendered_episode.save()
    assert "has no rendered file yet" in act(editor, "upload_to_youtube", rendered_episode)
    assert not PipelineRun.objects.exists()


def test_the_archive_action_plans_a_run_the_task_then_completes(
    rendered_episode, archive_settings, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        page = act(editor, "archive_to_storage", rendered_episode)

    run = PipelineRun.objects.get(kind=PipelineRun.Kind.PUBLISH)
    assert f"archive queued (run {run.id})" in page and len(callbacks) == 1
    assert run.status == RunStatus.QUEUED and run.steps.count() == 1

    archive_episode(rendered_episode.id, run_id=run.id)  # what the worker runs

    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED and ArchivedFile.objects.count() == 1
    assert PipelineRun.objects.count() == 1  # the planned run, not a second one


def test_the_archive_action_explains_a_missing_bucket(rendered_episode, youtube_settings, editor):
    youtube_settings.ARCHIVE_BUCKET = ""
    assert "ARCHIVE_BUCKET" in act(editor, "archive_to_storage", rendered_episode)
    assert not PipelineRun.objects.exists()


def test_the_archive_command_keeps_local_files_when_asked_and_reports(rendered_episode, archive_settings, capsys):
    clip = VideoClip(stream=rendered_episode.stream, order=0, original_name="rec.mkv", duration=60)
    clip.file.save("rec.mkv", ContentFile(b"original recording bytes"), save=True)

    call_command("archive", str(rendered_episode.id), "--keep-local")

    out = capsys.readouterr().out
    assert "Archived 2 file(s)" in out and out.count("local copy kept") == 2
    assert clip.file.storage.exists(clip.file.name)
    assert PipelineRun.objects.get(kind=PipelineRun.Kind.PUBLISH).status == RunStatus.COMPLETED


@pytest.mark.parametrize(("argv", "message"), [(["999999"], "no episode with id 999999"), (["{id}"], "ARCHIVE_BUCKET")])
def test_the_archive_command_bad_input(rendered_episode, youtube_settings, argv, message):
    youtube_settings.ARCHIVE_BUCKET = ""
    with pytest.raises(CommandError, match=message):
        call_command("archive", *[arg.format(id=rendered_episode.id) for arg in argv])
