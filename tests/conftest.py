"""Shared fixtures: users and API clients, generated media, a real Celery worker."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config import embedded
from pipeline.ffmpeg import ffmpeg_binary

ROOT = Path(__file__).resolve().parent.parent
_STARTED_SERVICES = pytest.StashKey[list[str]]()


# --- the embedded PostgreSQL and Redis (under var/test) ---------------------------------------------
def pytest_sessionstart(session: pytest.Session) -> None:
    """Start the embedded servers the run uses (none with DATABASE_URL / REDIS_URL set), noting which were off."""
    session.config.stash[_STARTED_SERVICES] = embedded.services_start(
        settings.VAR_DIR, postgres=settings.EMBEDDED_POSTGRES, redis=settings.EMBEDDED_REDIS
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Leave nothing running: stop the embedded servers this run started (not ones that were already up)."""
    embedded.services_stop(settings.VAR_DIR, session.config.stash.get(_STARTED_SERVICES, []))


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """Async tests run on asyncio, as Django, Channels and Playwright do (trio is installed for streamlink)."""
    return "asyncio"


@pytest.fixture
def var_dir() -> Path:
    """An empty STUDIO_VAR_DIR for a process with its own embedded servers.

    Not under pytest's tmp_path: as root, PostgreSQL runs as the ``pgserver`` user, which must traverse
    the path, and every pytest session resets /tmp/pytest-of-root to 0700.
    """
    folder = Path(tempfile.mkdtemp(prefix="studio-test-"))
    yield folder / "var"
    embedded.services_stop(folder / "var", ["postgres", "redis"])
    shutil.rmtree(folder, ignore_errors=True)


def embedded_traces(var_dir: Path) -> list[str]:
    """Processes serving ``var_dir``'s embedded servers, and their sockets and pid files: what must not be left."""
    import psutil

    places = (str(var_dir), str(embedded.redis_socket_path(var_dir).parent))
    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if any(place in cmdline for place in places) and process.pid != os.getpid():
            found.append(f"pid {process.pid}: {cmdline}")
    for folder in {var_dir, embedded.redis_socket_path(var_dir).parent}:
        if folder.exists():
            found += [str(path) for path in folder.rglob("*") if path.suffix in (".sock", ".pid")]
            found += [str(path) for path in folder.rglob(".s.PGSQL.*")]
    return found


def embedded_free_env(var_dir: Path) -> dict:
    """The environment for a process on its own embedded servers under ``var_dir``."""
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    return {**env, "STUDIO_VAR_DIR": str(var_dir)}


# --- users and clients ------------------------------------------------------------------------------
@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("streamer", "streamer@example.com", "pw-streamer-1")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user("rival", "rival@example.com", "pw-rival-1")


@pytest.fixture
def api_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def other_client(other_user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=other_user).key}")
    return client


# --- generated media --------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def ffmpeg() -> str:
    return ffmpeg_binary()


@pytest.fixture(scope="session")
def reference_ffmpeg() -> str:
    """The bundled build whatever FFMPEG_BINARY says: decoder tests compare with its exact output (older
    ffmpeg command lines keep AAC's end padding, which PyAV's libraries trim)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def make_video(media_dir, ffmpeg):
    """Generate (once per session per arguments) a small recording with ffmpeg's lavfi sources.

    ``audio_tracks`` sine tracks at distinct pitches; ``audio_tracks=0`` makes a video with no audio.
    ``extra_input`` / ``audio_filter`` let a test substitute real speech for the first track.
    """
    made: dict[str, Path] = {}

    def make(
        name: str,
        *,
        seconds: float = 2.0,
        audio_tracks: int = 1,
        size: str = "320x180",
        rate: int = 30,
        gop: int | None = None,
        speech: Path | None = None,
        mtime: float | None = None,
    ) -> Path:
        key = hashlib.sha1(repr((name, seconds, audio_tracks, size, rate, gop, speech)).encode()).hexdigest()[:10]
        path = media_dir / key / name
        if key not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            argv = [
                ffmpeg,
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"testsrc2=size={size}:rate={rate}:duration={seconds}",
            ]
            for track in range(audio_tracks):
                if track == 0 and speech is not None:
                    argv += ["-i", str(speech)]
                else:
                    argv += [
                        "-f",
                        "lavfi",
                        "-i",
                        f"sine=frequency={440 * (track + 1)}:duration={seconds}:sample_rate=48000",
                    ]
            argv += ["-map", "0:v"] + [arg for track in range(audio_tracks) for arg in ("-map", f"{track + 1}:a")]
            argv += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
            if gop:
                argv += ["-g", str(gop)]
            if audio_tracks:
                argv += ["-c:a", "aac", "-b:a", "64k", "-ar", "48000"]
            argv += ["-t", str(seconds), str(path)]
            subprocess.run(argv, check=True)
            made[key] = path
        if mtime is not None:
            os.utime(path, (mtime, mtime))
        return path

    return make


# --- a real Celery worker ---------------------------------------------------------------------------
def worker_database_url() -> str:
    """The configured DATABASE_URL pointed at the test database pytest-django created."""
    from urllib.parse import urlsplit

    from django.db import connection

    url = settings.DATABASE_URL or embedded.postgres_url(settings.VAR_DIR)
    return urlsplit(url)._replace(path="/" + connection.settings_dict["NAME"]).geturl()


def start_worker(queues: str = "cpu,gpu,io", name: str = "test", extra_env: dict | None = None) -> subprocess.Popen:
    """A real ``celery worker`` process against the test database and Redis."""
    env = {**os.environ, "DATABASE_URL": worker_database_url(), "REDIS_URL": settings.REDIS_URL, **(extra_env or {})}
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-Q",
        queues,
        "-n",
        f"{name}@%h",
        "--pool",
        "prefork",
        "--concurrency",
        "2",
        "--without-gossip",
        "--without-mingle",
        "--loglevel",
        "INFO",
    ]
    return subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True)


def wait_for_queues(queues: list[str], timeout: float = 60) -> None:
    from pipeline.tasks import heartbeat

    deadline = time.monotonic() + timeout
    pending = list(queues)
    while pending and time.monotonic() < deadline:
        queue = pending[0]
        try:
            heartbeat.apply_async(queue=queue).get(timeout=5)
            pending.pop(0)
        except Exception:  # noqa: BLE001  (worker still booting)
            time.sleep(0.5)
    if pending:
        raise RuntimeError(f"no worker answered on {pending} within {timeout} s")


@contextmanager
def sole_worker(queues: str, name: str, extra_env: dict | None = None):
    """A worker of the test's own on ``queues`` (with ``extra_env``), the only one taking them while it runs.

    Any other worker (the session's shared one, when an earlier test started it) stops consuming those queues
    meanwhile and resumes after, so a task cannot land in a worker without the test's settings.
    """
    from config.celery import app

    names = queues.split(",")
    for queue in names:
        app.control.cancel_consumer(queue, reply=True, timeout=2)
    worker = start_worker(queues=queues, name=name, extra_env=extra_env)
    try:
        wait_for_queues(names)
        yield worker
    finally:
        stop_worker(worker)
        for queue in names:
            app.control.add_consumer(queue, reply=True, timeout=2)


def stop_worker(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """One real worker consuming every queue for the whole session. Use with ``transactional_db``."""
    from config.celery import QUEUES, app

    app.control.purge()
    process = start_worker()
    try:
        wait_for_queues(list(QUEUES))
        yield process
    finally:
        stop_worker(process)
