"""`manage.py studio`: the README's first command, and a supervisor that leaves nothing behind."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import psutil
import pytest
from django.contrib.auth import get_user_model

from config import embedded
from pipeline.models import PipelineRun
from streams.models import Stream
from tests.conftest import ROOT, embedded_free_env, embedded_traces, worker_database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _test_services_env(var_dir) -> dict:
    """The test database, and a Redis of studio's own under ``var_dir`` (started by studio, stopped by it or by
    the ``var_dir`` fixture): on the session's Redis, the session's worker would take studio's tasks, whose
    files it cannot see, and studio's worker the session's."""
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    return {**env, "DATABASE_URL": worker_database_url(), "STUDIO_VAR_DIR": str(var_dir)}


def _studio(env: dict, *argv: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "studio", *argv],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return True
    except OSError:
        return False


def _get(port: int, path: str) -> int:
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code


def _serving(studio: subprocess.Popen, port: int, timeout: float = 180) -> list[psutil.Process]:
    """Wait until the web server answers; the supervisor's descendants (web, worker and its pool, beat)."""
    deadline = time.monotonic() + timeout
    while not _answers(port):
        assert studio.poll() is None, studio.communicate()[1][-3000:]
        assert time.monotonic() < deadline, "studio never served"
        time.sleep(0.5)
    return psutil.Process(studio.pid).children(recursive=True)


def _alive(processes: list[psutil.Process]) -> list[str]:
    alive = []
    for process in processes:
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                alive.append(f"{process.pid} {' '.join(process.cmdline())}")
        except psutil.NoSuchProcess:
            pass
    return alive


def _kill(studio: subprocess.Popen, children: list[psutil.Process]) -> None:
    for process in [psutil.Process(studio.pid), *children] if studio.poll() is None else children:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_stops_the_web_server_worker_and_beat(var_dir, sig):
    get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-boss-1")
    port = _free_port()
    studio = _studio(_test_services_env(var_dir), "--port", str(port))
    children = []
    try:
        children = _serving(studio, port)
        commands = " ".join(" ".join(child.cmdline()) for child in children)
        assert "runserver" in commands and " worker " in commands and " beat " in commands
        probe = f"/no-such-page-{uuid.uuid4().hex}/"
        assert _get(port, probe) == 404

        studio.send_signal(sig)
        out, err = studio.communicate(timeout=120)
    finally:
        _kill(studio, children)

    assert studio.returncode == 0, err[-3000:]
    assert f"Stopping ({sig.name})" in out
    assert not _answers(port)
    assert _alive(children) == []
    # A later run says how to set a new admin password instead of printing one.
    assert "`manage.py changepassword boss` sets a new one" in out and "Created admin user" not in out
    # The children's output went to log files, each request logged once; the terminal shows none of it.
    logs = var_dir / "log"
    assert str(logs / "web.log") in out
    assert (logs / "web.log").read_text().count(f"GET {probe}") == 1
    assert "celery@" not in out + err and "HTTP GET" not in out + err and "studio@" in (logs / "worker.log").read_text()
    if os.geteuid() == 0:
        assert "superuser privileges" not in (logs / "worker.log").read_text()


def test_children_die_with_a_killed_supervisor(var_dir):
    port = _free_port()
    studio = _studio(_test_services_env(var_dir), "--port", str(port))
    children = []
    try:
        children = _serving(studio, port)
        assert len(children) >= 3

        studio.kill()  # SIGKILL: no chance to clean up
        studio.communicate(timeout=30)
        deadline = time.monotonic() + 60
        while _alive(children) and time.monotonic() < deadline:
            time.sleep(0.5)

        assert _alive(children) == []
        assert not _answers(port)
    finally:
        _kill(studio, children)


def test_it_stops_the_embedded_servers_it_started_and_says_which_keep_running(var_dir):
    embedded.redis_start(var_dir)  # already running: studio must leave it so
    redis_pid = embedded.redis_pid(var_dir)

    result = subprocess.run(
        [sys.executable, "manage.py", "studio", "--exit"],
        cwd=ROOT, env=embedded_free_env(var_dir), capture_output=True, text=True, timeout=600,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert "Stopped the embedded PostgreSQL this command started." in result.stdout
    assert "The embedded Redis was already running before this command and keeps running" in result.stdout
    assert "`manage.py embedded stop` stops it." in result.stdout
    assert embedded.postgres_pid(var_dir) is None
    assert embedded.redis_pid(var_dir) == redis_pid
    embedded.redis_stop(var_dir)
    assert embedded_traces(var_dir) == []


def test_demo_ingests_processes_and_prints_the_transcript(var_dir):
    result = subprocess.run(
        [sys.executable, "manage.py", "studio", "--demo", "--exit"],
        cwd=ROOT, env=_test_services_env(var_dir), capture_output=True, text=True, timeout=600,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "Created admin user 'admin' with password:" in out
    assert "2024-05-01 20-00-00.mp4" in out and "640x360" in out and "Mic (1ch), Game (1ch)" in out
    assert "wooden house in the forest" in out
    assert "http://127.0.0.1:8000/admin/" in out
    # Not a terminal: one line per step, no progress bar redrawn with carriage returns.
    assert "\r" not in result.stderr and "100%  completed" in result.stderr
    stream = Stream.objects.get(title="Demo stream")
    assert stream.clips.count() == 2
    assert PipelineRun.objects.get(stream=stream, kind="process").status == "completed"
