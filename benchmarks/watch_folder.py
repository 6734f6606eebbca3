"""Watch folder: the delay between a recording's file closing and its ingest starting.

Starts the real ``manage.py watch`` on a temporary folder (its own process, settings' or the given settle and
poll times), then has ffmpeg record OBS-named Matroska files into it in real time (``-re``: the file grows
and stays open for writing for ``--seconds``, as a recorder's does), one after another. For each file the
delay runs from the moment the recorder exits (its file closed) to the moment the watcher claimed the file
(its ``WatchedFile`` row, written just before ``stream_ingest`` starts). Prints each delay, the median and
the worst, against the goal (issue 13: <= 10 s). Uses its own data directory (``var/bench`` unless
STUDIO_VAR_DIR is set).

    python benchmarks/watch_folder.py [--files 3] [--seconds 4] [--settle 5] [--interval 2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("STUDIO_VAR_DIR", str(ROOT / "var" / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from pipeline.ffmpeg import ffmpeg_binary  # noqa: E402
from streams.models import Stream, WatchedFile  # noqa: E402

GOAL_SECONDS = 10.0
OWNER = "watch-bench"


def record(path: Path, seconds: float) -> subprocess.Popen:
    """ffmpeg writing a recording in real time, as OBS does: the file is open and growing until it exits."""
    argv = [
        ffmpeg_binary(),
        "-v",
        "error",
        "-re",
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size=640x360:rate=30:duration={seconds}",
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency=440:duration={seconds}:sample_rate=48000",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "aac",
        "-flush_packets",
        "1",
        str(path),
    ]
    return subprocess.Popen(argv)


def claimed_at(path: Path, timeout: float) -> float | None:
    """When the watcher claimed ``path`` (epoch seconds), waiting up to ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = WatchedFile.objects.filter(path=str(path.resolve())).order_by("id").first()
        if row is not None:
            return row.created_at.timestamp()
        time.sleep(0.05)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=3, help="recordings to write, one after another")
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each recording (written in real time)")
    parser.add_argument("--settle", type=float, default=settings.WATCH_SETTLE_SECONDS)
    parser.add_argument("--interval", type=float, default=settings.WATCH_POLL_SECONDS)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    owner, _ = get_user_model().objects.get_or_create(username=OWNER)
    Stream.objects.filter(owner=owner).delete()
    WatchedFile.objects.filter(owner=owner).delete()
    folder = Path(tempfile.mkdtemp(prefix="watch-bench-"))
    log = (settings.VAR_DIR / "log").joinpath("watch-bench.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "manage.py", "watch", str(folder), "--owner", OWNER, "--no-process"]
    argv += ["--settle", str(args.settle), "--interval", str(args.interval)]
    watcher = subprocess.Popen(argv, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT, env=os.environ.copy())
    print(f"watching {folder} (settle {args.settle:g} s, poll every {args.interval:g} s); log: {log}")
    delays: list[float] = []
    try:
        start = datetime(2026, 5, 1, 20, 0, 0)
        for index in range(args.files):
            # A new session each time (hours apart), so every file starts a stream of its own.
            name = f"{(start + timedelta(hours=index)):%Y-%m-%d %H-%M-%S}.mkv"
            path = folder / name
            recorder = record(path, args.seconds)
            if recorder.wait() != 0:
                raise SystemExit(f"ffmpeg failed writing {path}")
            closed = time.time()
            claimed = claimed_at(path, timeout=args.settle + args.interval + 60)
            if claimed is None:
                raise SystemExit(f"{name}: not ingested within a minute; see {log}")
            delays.append(claimed - closed)
            print(f"  {name}: ingest started {claimed - closed:5.2f} s after the file closed")
    finally:
        watcher.send_signal(signal.SIGINT)  # the command's clean Ctrl-C
        try:
            watcher.wait(timeout=30)
        except subprocess.TimeoutExpired:
            watcher.kill()
        shutil.rmtree(folder, ignore_errors=True)
    ingested = WatchedFile.objects.filter(owner=owner, status=WatchedFile.Status.INGESTED).count()
    median, worst = statistics.median(delays), max(delays)
    verdict = "met" if worst <= GOAL_SECONDS else "MISSED"
    print(
        f"delay from close to ingest start: median {median:.2f} s, worst {worst:.2f} s "
        f"(goal <= {GOAL_SECONDS:g} s: {verdict})"
    )
    print(f"files ingested: {ingested} of {args.files}; watcher exit status on Ctrl-C: {watcher.returncode}")


if __name__ == "__main__":
    main()
