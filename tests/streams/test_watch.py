"""`manage.py watch --once` over real folders, real recordings and a real writer process."""

import io
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from django.core.management import CommandError, call_command

from pipeline.models import PipelineRun
from streams.models import Stream, WatchedFile

pytestmark = pytest.mark.django_db

LONG_AGO = time.time() - 3600


@pytest.fixture
def obs(tmp_path):
    folder = tmp_path / "obs"
    folder.mkdir()
    return folder


@pytest.fixture
def place(obs, make_video):
    """Put a finished recording (a copy, so each has its own mtime) into the watch folder."""

    def put(name: str, seconds: float = 2.0, *, mtime: float = LONG_AGO, folder=None):
        target = (folder or obs) / name
        shutil.copyfile(make_video(f"watch-{seconds}.mp4", seconds=seconds), target)
        os.utime(target, (mtime, mtime))
        return target

    return put


def watch(folder, user, *extra):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "watch", str(folder), "--once", "--owner", user.username, "--gap", "60", *extra, stdout=out, stderr=err
    )
    return out.getvalue(), err.getvalue()


def test_one_session_becomes_one_stream_and_a_gap_starts_another(user, obs, place):
    place("2024-05-01 20-00-00.mp4")
    place("2024-05-01 20-00-30.mp4")  # 28 s after the first ends: same session
    place("2024-05-01 22-00-00.mp4")
    (obs / "notes.txt").write_text("not a recording")

    out, _ = watch(obs, user, "--no-process")

    streams = list(Stream.objects.filter(owner=user).order_by("recorded_at"))
    assert [list(s.clips.order_by("order").values_list("original_name", flat=True)) for s in streams] == [
        ["2024-05-01 20-00-00.mp4", "2024-05-01 20-00-30.mp4"],
        ["2024-05-01 22-00-00.mp4"],
    ]
    assert streams[0].duration == pytest.approx(4.0, abs=0.2)
    assert WatchedFile.objects.filter(owner=user, status="ingested").count() == 3
    assert out.count("ingested ") == 3 and "notes.txt" not in out


def test_a_file_is_never_ingested_twice_and_a_later_part_joins_its_session_with_its_own_processing(user, obs, place):
    place("2024-05-01 20-00-00.mp4")
    watch(obs, user)
    stream = Stream.objects.get(owner=user)

    out, _ = watch(obs, user)
    assert out.count("ingested ") == 0 and stream.clips.count() == 1

    place("2024-05-01 20-00-40.mp4")
    watch(obs, user)

    assert Stream.objects.filter(owner=user).count() == 1
    names = list(stream.clips.order_by("order").values_list("original_name", flat=True))
    assert names == ["2024-05-01 20-00-00.mp4", "2024-05-01 20-00-40.mp4"]
    late = stream.clips.get(order=1)
    runs = PipelineRun.objects.filter(stream=stream, kind=PipelineRun.Kind.PROCESS).order_by("id")
    assert runs.count() == 2
    assert set(runs.last().steps.exclude(clip=None).values_list("clip_id", flat=True)) == {late.id}


def test_unfinished_files_wait(user, obs, place):
    place("2024-05-01 20-00-00.mp4", mtime=time.time())  # just written: not settled yet
    writing = place("2024-05-01 21-00-00.mp4")  # settled size, but a recorder still has it open
    code = f"import time; f = open({str(writing)!r}, 'ab'); print(1, flush=True); time.sleep(60)"
    recorder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        recorder.stdout.readline()
        watch(obs, user, "--no-process")
        assert not Stream.objects.filter(owner=user).exists() and not WatchedFile.objects.exists()
    finally:
        recorder.kill()
        recorder.wait()

    watch(obs, user, "--no-process", "--settle", "0")

    assert WatchedFile.objects.filter(owner=user, status="ingested").count() == 2


def test_bad_files_fail_once_each_without_blocking_others_and_are_retried_when_they_change(user, obs, place):
    (obs / "2024-05-01 20-00-00.mp4").write_bytes(b"")
    (obs / "2024-05-01 20-00-10.mkv").write_text("a text file named like a recording")
    good = place("2024-05-01 20-00-20.mp4")
    for bad in ("2024-05-01 20-00-00.mp4", "2024-05-01 20-00-10.mkv"):
        os.utime(obs / bad, (LONG_AGO, LONG_AGO))

    _, err = watch(obs, user, "--no-process")

    failed = dict(WatchedFile.objects.filter(status="failed").values_list("path", "error"))
    assert failed == {
        str(obs / "2024-05-01 20-00-00.mp4"): "is empty (0 bytes)",
        str(obs / "2024-05-01 20-00-10.mkv"): "is not a media file ffmpeg can read (invalid data)",
    }
    assert "not ingested: " in err and "is empty (0 bytes)" in err
    assert WatchedFile.objects.get(status="ingested").path == str(good)

    watch(obs, user, "--no-process")
    assert WatchedFile.objects.count() == 3  # not retried: unchanged

    place("2024-05-01 20-00-00.mp4")  # the empty file is replaced by a real recording
    watch(obs, user, "--no-process")

    assert WatchedFile.objects.filter(path=str(obs / "2024-05-01 20-00-00.mp4")).count() == 2
    assert Stream.objects.get(owner=user).clips.count() == 2


def test_a_remux_twin_and_a_changed_file_are_skipped_not_ingested_again(user, obs, place):
    mkv = place("2024-05-01 20-00-00.mkv")
    watch(obs, user, "--no-process")
    place("2024-05-01 20-00-00.mp4")  # OBS's "remux to MP4" of the same recording
    with open(mkv, "ab") as handle:
        handle.write(b"\0" * 10)
    os.utime(mkv, (LONG_AGO, LONG_AGO))

    out, _ = watch(obs, user, "--no-process")

    assert Stream.objects.get(owner=user).clips.count() == 1
    reasons = sorted(WatchedFile.objects.filter(status="skipped").values_list("error", flat=True))
    assert reasons[0].startswith("changed after it was ingested into stream #")
    assert reasons[1] == "the same recording as 2024-05-01 20-00-00.mkv (a remux), which is ingested"
    assert "skipped " in out


def test_owners_are_separate(user, other_user, obs, place):
    place("2024-05-01 20-00-00.mp4")
    watch(obs, user, "--no-process")
    watch(obs, other_user, "--no-process")

    assert Stream.objects.filter(owner=user).count() == 1 and Stream.objects.filter(owner=other_user).count() == 1
    assert WatchedFile.objects.filter(owner=other_user).count() == 1


def test_folders_from_settings_and_bad_arguments(user, obs, place, settings, tmp_path):
    place("2024-05-01 20-00-00.mp4")
    settings.WATCH_FOLDERS = [str(obs)]
    settings.WATCH_OWNER = user.username
    call_command("watch", "--once", "--no-process", stdout=io.StringIO())
    assert Stream.objects.filter(owner=user).count() == 1

    settings.WATCH_FOLDERS = []
    with pytest.raises(CommandError, match="no folders to watch"):
        call_command("watch", "--once")
    with pytest.raises(CommandError, match="no such folder"):
        call_command("watch", str(tmp_path / "missing"), "--once")
    with pytest.raises(CommandError, match="not a folder"):
        call_command("watch", str(obs / "2024-05-01 20-00-00.mp4"), "--once")
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        call_command("watch", str(obs), "--once", "--owner", "nobody")
    with pytest.raises(CommandError, match="--settle must not be negative"):
        call_command("watch", str(obs), "--once", "--settle", "-1")


def wait_for(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_the_loop_waits_for_the_writer_to_close_the_file_and_stops_cleanly_on_ctrl_c(user, obs, place, make_video):
    from django.conf import settings

    from tests.conftest import ROOT, worker_database_url

    env = {**os.environ, "DATABASE_URL": worker_database_url(), "REDIS_URL": settings.REDIS_URL}
    argv = [sys.executable, "manage.py", "watch", str(obs), "--owner", user.username, "--no-process"]
    argv += ["--interval", "0.2", "--settle", "0.5"]
    watcher = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ingested = WatchedFile.objects.filter(owner=user, status="ingested")
    try:
        place("2024-05-01 20-00-00.mp4")
        assert wait_for(lambda: ingested.count() == 1)
        data = make_video("watch-2.0.mp4").read_bytes()
        recording = obs / "2024-05-01 20-00-03.mp4"
        with open(recording, "wb") as recorder:
            recorder.write(data[: len(data) // 2])
            recorder.flush()
            time.sleep(1.0)  # older than the settle time: only the open handle keeps it waiting
            place("2024-05-01 23-00-00.mp4")
            assert wait_for(lambda: ingested.count() == 2)  # a scan that saw the half-written file settled
            assert not WatchedFile.objects.filter(path=str(recording)).exists()
            recorder.write(data[len(data) // 2 :])
        assert wait_for(lambda: ingested.filter(path=str(recording)).exists())
    finally:
        watcher.send_signal(signal.SIGINT)
        output, _ = watcher.communicate(timeout=30)

    assert watcher.returncode == 0 and "Stopped." in output and "Traceback" not in output
    assert output.count("ingested ") >= 3
    stream = Stream.objects.get(owner=user, clips__original_name="2024-05-01 20-00-03.mp4")
    assert stream.clips.count() == 2  # the closed file joined its session's stream
