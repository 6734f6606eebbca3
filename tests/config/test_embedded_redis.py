"""The embedded Redis keeps what it acknowledged when it is killed (append-only file)."""

import os
import signal
import time
from pathlib import Path

import redis

from config import embedded


def _kill(var_dir) -> None:
    pid = int((embedded.redis_data_dir(var_dir) / "redis.pid").read_text())
    os.kill(pid, signal.SIGKILL)
    while True:  # the daemon is not our child: wait until it has exited (its zombie may linger)
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in "ZX":
                return
        except OSError:
            return
        time.sleep(0.02)


def _started(var_dir) -> redis.Redis:
    embedded.redis_start(var_dir)
    return redis.Redis.from_url(embedded.redis_url(var_dir))


def test_a_killed_embedded_redis_restarts_with_every_acknowledged_write(var_dir):
    client = _started(var_dir)
    client.rpush("inbox", b"taken")  # no snapshot is due for 60 s

    _kill(var_dir)
    client = _started(var_dir)

    assert client.lrange("inbox", 0, -1) == [b"taken"]


def test_a_data_directory_from_before_the_append_only_file_keeps_its_snapshot(var_dir):
    client = _started(var_dir)
    client.rpush("inbox", b"old")
    client.save()
    _kill(var_dir)
    (embedded.redis_data_dir(var_dir) / "appendonly.aof").unlink()  # as an older version left it: a snapshot only

    client = _started(var_dir)

    assert client.lrange("inbox", 0, -1) == [b"old"]
    assert client.config_get("appendonly") == {"appendonly": "yes"}
