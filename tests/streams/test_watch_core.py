"""The watch folder's decisions over literal data: finished files, sessions, remux twins. Milliseconds, no Django."""

import subprocess
import sys
from datetime import datetime, timedelta

from streams.openfiles import open_for_writing
from streams.watch_core import FileState, Recording, Session, Settler, group_sessions, is_remux_of

T0 = datetime(2024, 5, 1, 20, 0, 0)
OLD = 1_000_000_000 * 10**9  # an mtime long before "now"


def test_a_growing_file_is_not_ready_until_it_stops_changing_for_the_settle_time():
    settler = Settler(settle=5)
    wall = 2_000_000_000.0
    now_ns = int(wall * 1e9)

    grown = {"/r/a.mkv": FileState(200, now_ns + 3 * 10**9)}

    assert settler.ready({"/r/a.mkv": FileState(100, now_ns)}, now=0, wall_now=wall) == []
    assert settler.ready(grown, now=3, wall_now=wall + 3) == []
    assert settler.ready(grown, now=7, wall_now=wall + 7) == []  # unchanged for 4 s
    assert settler.ready(grown, now=8, wall_now=wall + 8) == ["/r/a.mkv"]


def test_a_file_finished_long_ago_is_ready_on_the_first_scan():
    settler = Settler(settle=5)
    assert settler.ready({"/r/a.mkv": FileState(100, OLD)}, now=0, wall_now=2_000_000_000.0) == ["/r/a.mkv"]


def test_a_file_open_for_writing_waits_even_when_stable():
    settler = Settler(settle=5)
    scan = {"/r/a.mkv": FileState(100, OLD), "/r/b.mkv": FileState(100, OLD)}
    assert settler.ready(scan, now=0, wall_now=2e9, writing={"/r/a.mkv"}) == ["/r/b.mkv"]
    assert settler.ready(scan, now=1, wall_now=2e9, writing=None) == ["/r/a.mkv", "/r/b.mkv"]


def test_a_changed_file_restarts_its_settle_time_and_vanished_files_are_forgotten():
    settler = Settler(settle=5)
    wall_ns = int(2e9 * 1e9)
    settler.ready({"/r/a.mkv": FileState(1, wall_ns)}, now=0, wall_now=2e9)
    settler.ready({"/r/a.mkv": FileState(2, wall_ns)}, now=4, wall_now=2e9 + 4)
    assert settler.ready({"/r/a.mkv": FileState(2, wall_ns)}, now=8, wall_now=2e9 + 8) == []
    settler.ready({}, now=9, wall_now=2e9 + 9)
    assert settler._since == {}


def rec(key, minutes, seconds):
    return Recording(key, T0 + timedelta(minutes=minutes), seconds)


def test_recordings_further_apart_than_the_gap_start_a_new_session():
    recordings = [rec("c", 200, 600), rec("a", 0, 1800), rec("b", 31, 1800)]  # a ends 20:30, b starts 20:31

    placements = group_sessions(recordings, [], gap=120)

    assert [(p.session_id, p.keys) for p in placements] == [(None, ("a", "b")), (None, ("c",))]


def test_a_recording_continuing_an_ingested_session_joins_its_stream():
    earlier = Session(7, T0, T0 + timedelta(minutes=30))
    other = Session(9, T0 - timedelta(days=1), T0 - timedelta(days=1, minutes=-30))

    placements = group_sessions([rec("part2", 31, 600), rec("tomorrow", 60 * 24, 60)], [other, earlier], gap=120)

    assert [(p.session_id, p.keys) for p in placements] == [(7, ("part2",)), (None, ("tomorrow",))]


def test_an_earlier_part_ingested_late_joins_the_session_it_precedes():
    later = Session(3, T0 + timedelta(minutes=31), T0 + timedelta(minutes=60))
    assert group_sessions([rec("part1", 0, 1800)], [later], gap=120)[0].session_id == 3


def test_overlapping_recordings_are_one_session_and_the_nearest_session_wins():
    near, far = Session(1, T0 - timedelta(minutes=10), T0 - timedelta(seconds=30)), Session(2, T0, T0)
    placements = group_sessions(
        [rec("a", 0, 60), rec("b", 0.5, 60)],
        [near, Session(4, T0 - timedelta(hours=5), T0 - timedelta(hours=4))],
        gap=60,
    )
    assert [(p.session_id, p.keys) for p in placements] == [(1, ("a", "b"))]
    assert group_sessions([rec("a", 0, 60)], [near, far], gap=60)[0].session_id == 2


def test_remux_twins_share_a_stem():
    assert is_remux_of("2024-05-01 20-00-00.mp4", ["2024-05-01 20-00-00.mkv", "x.mp4"]) == "2024-05-01 20-00-00.mkv"
    assert is_remux_of("2024-05-01 20-00-00.mp4", ["2024-05-01 20-00-01.mkv", "2024-05-01 20-00-00.mp4"]) is None


def test_open_for_writing_sees_a_writer_and_not_a_reader(tmp_path):
    written, read = tmp_path / "rec.mkv", tmp_path / "done.mkv"
    read.write_bytes(b"x")
    code = (
        f"import time; w = open({str(written)!r}, 'ab'); r = open({str(read)!r}, 'rb'); "
        "print(1, flush=True); time.sleep(30)"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        child.stdout.readline()
        assert open_for_writing([written, read]) == {str(written)}
    finally:
        child.kill()
        child.wait()
    assert open_for_writing([written, read]) == set()


def test_without_proc_or_psutil_writers_are_unknown(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "psutil", None)
    assert open_for_writing([tmp_path / "a.mkv"], proc=tmp_path / "no-proc") is None


def test_cores_import_without_django():
    code = "import sys, streams.watch_core, streams.openfiles; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
