"""Rendering an episode through a real Celery worker: progress on the run, cancel, failures, admin actions."""

import time
from pathlib import Path

import av
import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from episodes.admin_actions import export_otio, render_episodes
from episodes.models import Episode, Project
from episodes.services import episode_build_cut_list
from pipeline.media import save_output
from pipeline.models import PipelineRun, RunStatus, StepStatus
from pipeline.services import run_create
from rendering.publishing.services import episode_youtube_metadata
from rendering.publishing.youtube_description import format_chapters
from rendering.services import (
    RenderError,
    episode_chapters,
    episode_render,
    episode_render_start,
    render_cancel,
)
from streams.models import Series, Stream, VideoClip
from tests.rendering.render_media import frame_hash, gray_frames


def make_stream(user, recordings, series=None):
    stream = Stream.objects.create(owner=user, title="Friday stream", series=series)
    start = 0.0
    for order, path in enumerate(recordings):
        key = save_output(path, f"clips/{stream.id}-{order}.mp4")
        duration = len(gray_frames(path)) / 30
        VideoClip.objects.create(
            stream=stream,
            order=order,
            file=key,
            original_name=path.name,
            start_time=start,
            duration=duration,
            frame_rate=30.0,
            width=320,
            height=180,
            video_codec="h264",
        )
        start += duration
    return stream


def wait_for(run_id, statuses, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = PipelineRun.objects.get(id=run_id)
        if run.status in statuses:
            return run
        time.sleep(0.3)
    raise AssertionError(f"run {run_id} still {PipelineRun.objects.get(id=run_id).status}")


def ffmpeg_processes(marker: str) -> list[int]:
    """Running ffmpeg processes whose command line mentions ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (
            argv
            and b"ffmpeg" in Path(argv[0].decode(errors="replace")).name.encode()
            and any(marker.encode() in arg for arg in argv)
        ):
            found.append(int(entry.name))
    return found


@pytest.fixture
def two_clips(make_recording):
    return [make_recording(f"clip{i}.mp4", seconds=2, offset=5 * i) for i in range(2)]


@pytest.mark.slow
def test_episode_renders_on_a_worker_with_progress_and_copied_frames(transactional_db, celery_worker, user, two_clips):
    stream = make_stream(user, two_clips)
    episode = Episode.objects.create(owner=user, stream=stream, title="Ep 1", tracks=[{"start": 1, "end": 3}])
    episode_build_cut_list(episode=episode)

    run = episode_render_start(episode=episode, preset="source")
    run = wait_for(run.id, {RunStatus.COMPLETED, RunStatus.FAILED})

    assert run.status == RunStatus.COMPLETED, run.error
    assert run.progress == 100
    episode.refresh_from_db()
    assert episode.status == Episode.Status.RENDERED
    assert episode.rendered_file.name == f"renders/episode-{episode.id}.mp4"
    # The edit crosses the clip boundary: clip 0 [1 s, 2 s) then clip 1 [0 s, 1 s), copied untouched.
    expected = gray_frames(two_clips[0])[30:60] + gray_frames(two_clips[1])[0:30]
    output = gray_frames(episode.rendered_file.path)
    assert [frame_hash(f) for f in output] == [frame_hash(f) for f in expected]


@pytest.mark.slow
def test_cancel_from_the_admin_stops_the_render(transactional_db, celery_worker, user, make_recording):
    long = make_recording("long.mp4", seconds=10)
    stream = make_stream(user, [long])
    episode = Episode.objects.create(owner=user, stream=stream, title="Long", tracks=[{"start": 0.3, "end": 9.7}])
    episode_build_cut_list(episode=episode)
    run = episode_render_start(episode=episode, preset="reference")  # 2560x1440 re-encode: slow here
    step = run.steps.get()
    deadline = time.monotonic() + 120
    while run.steps.get().status != StepStatus.RUNNING and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    marker = f"clips/{stream.id}-0.mp4"
    assert ffmpeg_processes(marker)

    assert render_cancel(run=PipelineRun.objects.get(id=run.id))

    deadline = time.monotonic() + 30
    step.refresh_from_db()
    while step.status == StepStatus.RUNNING and time.monotonic() < deadline:
        time.sleep(0.2)
        step.refresh_from_db()
    assert step.status == StepStatus.CANCELLED
    assert not ffmpeg_processes(marker)
    assert step.progress < 100
    assert PipelineRun.objects.get(id=run.id).status == RunStatus.CANCELLED
    episode.refresh_from_db()
    assert episode.status == Episode.Status.READY and not episode.rendered_file


@pytest.mark.slow
def test_missing_media_fails_the_run_naming_the_field(transactional_db, celery_worker, user, two_clips):
    stream = make_stream(user, two_clips[:1])
    stream.clips.update(file="clips/gone.mp4")  # the owner's recording, lost from storage
    cut_list = {
        "version": "1.0.0",
        "frameRate": 30,
        "inputMedia": [{"s3Location": "clips/gone.mp4", "sections": [{"startFrame": 0, "endFrame": 30}]}],
        "outputTrack": [{"mediaIndex": 0, "sectionIndex": 0}],
    }
    episode = Episode.objects.create(owner=user, stream=stream, title="Broken", tracks=[], cut_list=cut_list)
    run = wait_for(episode_render_start(episode=episode).id, {RunStatus.COMPLETED, RunStatus.FAILED})
    assert run.status == RunStatus.FAILED
    assert "/inputMedia/0/s3Location: no such file 'clips/gone.mp4'" in run.error
    episode.refresh_from_db()
    assert episode.status == Episode.Status.FAILED


def test_cut_list_with_series_intro_outro_overlay(db, user, two_clips, make_recording, alpha_asset):
    series = Series.objects.create(owner=user, name="Friday")
    series.intro_file.name = save_output(make_recording("intro.mp4", seconds=1, offset=9), "series/intro/intro.mp4")
    series.outro_file.name = save_output(make_recording("outro.mp4", seconds=2, offset=11), "series/outro/outro.mp4")
    series.overlay_file.name = save_output(alpha_asset, "series/overlay/logo.mov")
    series.save()
    stream = make_stream(user, two_clips, series=series)
    episode = Episode.objects.create(owner=user, stream=stream, title="Ep", tracks=[{"start": 0.5, "end": 3.5}])

    document = episode_build_cut_list(episode=episode)

    episode.refresh_from_db()
    assert episode.cut_list == document
    locations = [document["inputMedia"][o["mediaIndex"]]["s3Location"] for o in document["outputTrack"]]
    assert locations == [
        "series/intro/intro.mp4",
        f"clips/{stream.id}-0.mp4",
        f"clips/{stream.id}-1.mp4",
        "series/outro/outro.mp4",
    ]
    assert document["outputTrack"][-1]["transitionIn"] == {"type": "fade", "duration": 30}
    assert document["overlayTracks"][0]["type"] == "alpha"


def test_render_start_refuses_bad_or_duplicate_renders(db, user, two_clips):
    stream = make_stream(user, two_clips[:1])
    episode = Episode.objects.create(owner=user, stream=stream, title="Ep", tracks=[{"start": 0, "end": 1}])
    with pytest.raises(RenderError, match="no cut list"):
        episode_render_start(episode=episode)
    Episode.objects.filter(id=episode.id).update(cut_list={"version": "1.0.0"})
    episode.refresh_from_db()
    with pytest.raises(RenderError, match="/inputMedia: is required"):
        episode_render_start(episode=episode)
    episode_build_cut_list(episode=episode)
    episode_render_start(episode=episode)
    with pytest.raises(RenderError, match="already rendering"):
        episode_render_start(episode=episode)


def admin_request(user):
    request = RequestFactory().post("/admin/episodes/episode/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


class _Admin:
    def __init__(self):
        self.messages = []

    def message_user(self, request, message, level=None):
        self.messages.append(message)


def test_admin_actions_queue_a_render_and_export_otio(db, user, two_clips):
    stream = make_stream(user, two_clips)
    episode = Episode.objects.create(owner=user, stream=stream, title="Ep 7", tracks=[{"start": 1, "end": 3}])
    modeladmin = _Admin()
    render_episodes(modeladmin, admin_request(user), Episode.objects.filter(id=episode.id))
    assert "render queued" in modeladmin.messages[0]
    assert PipelineRun.objects.get(episode=episode).kind == PipelineRun.Kind.RENDER

    response = export_otio(modeladmin, admin_request(user), Episode.objects.filter(id=episode.id))
    assert response["Content-Disposition"] == 'attachment; filename="ep-7.otio"'
    assert b'"OTIO_SCHEMA": "Timeline.1"' in response.content


def test_rendered_episode_carries_chapters_from_its_sections(db, user, make_recording):
    # Three 11 s sections: YouTube-valid chapters (>= 3, each >= 10 s), written into the MP4.
    recording = make_recording("long_for_chapters.mp4", seconds=36, gop=30)
    stream = make_stream(user, [recording])
    episode = Episode.objects.create(
        owner=user,
        stream=stream,
        title="Chaptered",
        tracks=[{"start": 1, "end": 12}, {"start": 13, "end": 24}, {"start": 25, "end": 36}],
    )
    episode_build_cut_list(episode=episode)
    run = run_create(owner=user, kind=PipelineRun.Kind.RENDER, episode=episode, steps=[{"name": "render"}])

    episode_render(run_id=run.id, preset="source")

    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED, run.error
    episode.refresh_from_db()
    with av.open(episode.rendered_file.path) as container:
        chapters = [(float(c["start"] * c["time_base"]), c["metadata"]["title"]) for c in container.chapters()]
    assert chapters == [(0.0, "Part 1"), (11.0, "Part 2"), (22.0, "Part 3")]
    # the same chapters go into the YouTube description
    described = [(chapter.start, chapter.title) for chapter in episode_chapters(episode=episode)]
    assert format_chapters(described) == "0:00 Part 1\n0:11 Part 2\n0:22 Part 3"


def test_a_render_and_an_upload_take_the_same_series_when_project_and_stream_differ(
    db, user, two_clips, make_recording
):
    recorded_in = Series.objects.create(owner=user, name="Fridays", episode_description_template="FRIDAYS {summary}")
    recorded_in.intro_file.name = save_output(make_recording("a.mp4", seconds=1, offset=3), "series/intro/a.mp4")
    recorded_in.save()
    published_as = Series.objects.create(owner=user, name="Season 2", episode_description_template="S2 {summary}")
    published_as.intro_file.name = save_output(make_recording("b.mp4", seconds=1, offset=5), "series/intro/b.mp4")
    published_as.save()
    project = Project.objects.create(owner=user, title="Season 2 cuts", series=published_as)
    stream = make_stream(user, two_clips, series=recorded_in)
    episode = Episode.objects.create(
        owner=user, stream=stream, project=project, title="Ep", tracks=[{"start": 0.5, "end": 3.5}], description="x"
    )

    document = episode_build_cut_list(episode=episode)
    metadata = episode_youtube_metadata(episode=episode, privacy_status="private")

    assert document["inputMedia"][document["outputTrack"][0]["mediaIndex"]]["s3Location"] == "series/intro/b.mp4"
    assert metadata["snippet"]["description"].startswith("S2 x")  # the stream's series gave its intro before
