import os

import pytest
from django.core.management import CommandError, call_command

from pipeline.models import PipelineRun, StepRun
from streams.models import Stream, VideoClip
from streams.services import IngestError, stream_ingest

pytestmark = pytest.mark.django_db


@pytest.fixture
def recordings(tmp_path, make_video):
    """Three OBS-named recordings given out of order, one with two audio tracks."""
    folder = tmp_path / "obs"
    folder.mkdir()
    for name, seconds, tracks in [
        ("2024-05-01 20-30-00.mp4", 3, 1),
        ("2024-05-01 20-00-00.mp4", 2, 2),
        ("2024-05-01 21-00-00.mp4", 4, 1),
    ]:
        os.link(make_video(f"src-{seconds}-{tracks}.mp4", seconds=seconds, audio_tracks=tracks), folder / name)
    return folder


def test_ingest_folder_orders_clips_by_recording_time_on_one_timeline(user, recordings):
    report = stream_ingest(owner=user, paths=[recordings], title="Friday build", series_name="Builds")

    clips = list(report.stream.clips.order_by("order"))
    assert [c.original_name for c in clips] == [
        "2024-05-01 20-00-00.mp4",
        "2024-05-01 20-30-00.mp4",
        "2024-05-01 21-00-00.mp4",
    ]
    assert [c.start_time for c in clips] == pytest.approx([0.0, 2.0, 5.0], abs=0.1)
    assert report.stream.duration == pytest.approx(9.0, abs=0.2)
    assert report.stream.series.name == "Builds"
    assert len(clips[0].audio_tracks) == 2 and clips[0].width == 320 and clips[0].frame_rate == 30.0
    assert all(c.file.storage.exists(c.file.name) for c in clips)
    assert report.run.kind == "ingest" and report.run.status == "completed" and report.run.progress == 100.0
    assert list(report.run.steps.values_list("status", flat=True)) == ["completed"] * 3


def test_ingest_again_into_the_same_stream_skips_known_files_and_relayouts(user, recordings, make_video, tmp_path):
    stream_ingest(owner=user, paths=[recordings], title="Friday build")
    early = tmp_path / "2024-05-01 19-59-00.mp4"
    os.link(make_video("early.mp4", seconds=1), early)

    report = stream_ingest(owner=user, paths=[recordings, early], title="Friday build")

    assert len(report.added) == 1 and len(report.skipped) == 3
    assert Stream.objects.count() == 1
    assert list(report.stream.clips.order_by("order").values_list("original_name", flat=True))[0] == early.name
    assert report.stream.clips.get(original_name="2024-05-01 20-00-00.mp4").start_time == pytest.approx(1.0, abs=0.1)


def test_bad_files_are_reported_and_good_ones_still_go_in(user, tmp_path, make_video):
    good = make_video("good.mp4", seconds=2)
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "readme.mp4").write_text("not a video")
    (tmp_path / "cut.mp4").write_bytes(good.read_bytes()[:30_000])
    os.link(make_video("mute.mp4", audio_tracks=0), tmp_path / "mute.mp4")
    os.link(good, tmp_path / "good.mp4")

    report = stream_ingest(owner=user, paths=[tmp_path, tmp_path / "nope.mp4"])

    assert [c.original_name for c in report.added] == ["good.mp4"]
    problems = "\n".join(report.problems)
    for expected in [
        "empty.mp4: is empty",
        "readme.mp4: is not a media file",
        "cut.mp4: is a truncated MP4",
        "mute.mp4: has no audio track",
        "nope.mp4: no such file",
    ]:
        assert expected in problems
    run = report.run
    assert run.status == "failed" and "empty.mp4" in run.error
    assert StepRun.objects.filter(run=run, status="failed").count() == 5


def test_nothing_ingestible_raises_and_leaves_nothing_behind(user, tmp_path):
    (tmp_path / "empty.mp4").write_bytes(b"")
    empty_dir = tmp_path / "nothing-here"
    empty_dir.mkdir()

    with pytest.raises(IngestError) as caught:
        stream_ingest(owner=user, paths=[tmp_path / "empty.mp4", empty_dir], title="Doomed")

    assert "empty.mp4: is empty (0 bytes)" in caught.value.problems
    assert any("nothing-here: no media files in this folder" in p for p in caught.value.problems)
    assert not Stream.objects.exists() and not VideoClip.objects.exists() and not PipelineRun.objects.exists()


def test_ingest_command_prints_clips_and_fails_clearly(user, recordings, tmp_path, capsys):
    user.is_superuser = True
    user.save()

    call_command("ingest", str(recordings), "--stream", "Cmd stream")
    out = capsys.readouterr().out
    assert "Cmd stream" in out and "2024-05-01 21-00-00.mp4" in out and "0:00:05" in out

    with pytest.raises(CommandError, match="no such file or directory"):
        call_command("ingest", str(tmp_path / "missing"))


def test_recordings_made_earlier_than_the_stream_so_far_reorder_every_clip(user, recordings, make_video, tmp_path):
    stream_ingest(owner=user, paths=[recordings], title="Friday build")
    earlier = tmp_path / "later-batch"
    earlier.mkdir()
    for name in ["2024-05-01 19-00-00.mp4", "2024-05-01 19-30-00.mp4"]:
        os.link(make_video(f"{name}.src.mp4", seconds=1), earlier / name)

    report = stream_ingest(owner=user, paths=[earlier], title="Friday build")

    names = list(report.stream.clips.order_by("order").values_list("original_name", "order"))
    assert [order for _, order in names] == [0, 1, 2, 3, 4]
    assert names[0][0] == "2024-05-01 19-00-00.mp4" and names[2][0] == "2024-05-01 20-00-00.mp4"


def test_ingest_queues_the_processing_of_the_new_clips(user, recordings):
    report = stream_ingest(owner=user, paths=[recordings], title="Processed")
    stored_only = stream_ingest(owner=user, paths=[recordings], title="Stored only", process=False)

    run = report.process_run
    assert run.kind == "process" and run.status == "queued"
    per_clip = ["analyse", "transcribe", "summarise", "embed"]
    assert list(run.steps.values_list("name", flat=True)) == [name for name in per_clip for _ in range(3)] + ["propose"]
    assert set(run.steps.values_list("clip_id", flat=True)) == {clip.id for clip in report.added} | {None}
    assert stored_only.process_run is None
