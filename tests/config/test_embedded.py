"""The embedded PostgreSQL and Redis start only for work that needs them, and a test run stops its own."""

import shutil
import subprocess
import sys

import pytest
from django.conf import settings

from config import embedded
from tests.conftest import ROOT, embedded_free_env, embedded_traces


def _manage(var_dir, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *argv],
        cwd=ROOT, env=embedded_free_env(var_dir), capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize("argv", [["--help"], ["embedded", "--help"], ["embedded", "status"]])
def test_commands_that_need_no_servers_start_none(var_dir, argv):

    result = _manage(var_dir, *argv)

    assert result.returncode == 0, result.stderr[-2000:]
    assert embedded_traces(var_dir) == []


def test_status_says_both_are_stopped(var_dir):

    out = _manage(var_dir, "embedded", "status").stdout

    assert f"postgres: stopped, data in {var_dir / 'postgres'}" in out
    assert f"redis:    stopped, data in {var_dir / 'redis'}" in out


def test_status_shows_a_running_redis_with_its_pid_and_leaves_it_running(var_dir):
    embedded.redis_start(var_dir)
    pid = embedded.redis_pid(var_dir)

    out = _manage(var_dir, "embedded", "status").stdout

    assert f"redis:    running (pid {pid}), data in {var_dir / 'redis'}" in out
    assert embedded.redis_pid(var_dir) == pid


@pytest.mark.skipif(not settings.EMBEDDED_POSTGRES, reason="the tests run on an external DATABASE_URL")
def test_status_shows_the_running_postgres_with_its_pid():
    out = _manage(settings.VAR_DIR, "embedded", "status").stdout

    assert f"postgres: running (pid {embedded.postgres_pid(settings.VAR_DIR)}), data in " in out


def test_the_first_database_connection_starts_them(var_dir):
    result = _manage(var_dir, "shell", "-c", "from django.db import connection; connection.ensure_connection()")

    assert result.returncode == 0, result.stderr[-2000:]
    assert (var_dir / "postgres" / "PG_VERSION").exists()
    assert embedded.redis_pid(var_dir) is not None  # the daemon outlives the command


@pytest.mark.slow
def test_a_test_run_stops_the_servers_it_started(var_dir):

    test = "tests/config/test_settings.py::test_redis_is_real"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        cwd=ROOT, env=embedded_free_env(var_dir), capture_output=True, text=True, timeout=300,
    )

    assert result.returncode == 0, result.stdout[-3000:]
    assert (var_dir / "postgres" / "PG_VERSION").exists() and (var_dir / "redis").is_dir()  # they did run
    assert embedded_traces(var_dir) == []


@pytest.mark.skipif(not shutil.which("psql"), reason="dbshell needs psql on PATH")
@pytest.mark.skipif(not settings.EMBEDDED_POSTGRES, reason="the tests run on an external DATABASE_URL")
def test_dbshell_reaches_the_embedded_server():
    result = _manage(settings.VAR_DIR, "dbshell", "--", "-At", "-c", "SHOW data_directory")

    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == str(embedded.postgres_data_dir(settings.VAR_DIR))
