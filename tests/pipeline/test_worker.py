"""A real Celery worker process consuming from the real Redis: routing and run status end to end."""

import signal
import time

import pytest
from django.db import connection

from config.celery import CPU, GPU, IO
from pipeline.tasks import heartbeat
from tests.conftest import start_worker, stop_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.mark.parametrize("queue", [CPU, GPU, IO])
def test_a_task_sent_to_each_queue_is_consumed_there_by_a_real_worker(celery_worker, queue):
    answer = heartbeat.apply_async(queue=queue).get(timeout=30)

    assert answer["queue"] == queue
    assert answer["worker"].startswith("test@")


def test_worker_writes_to_the_same_database(celery_worker, user):
    from datetime import timedelta

    from django.utils import timezone

    from pipeline.models import PipelineRun
    from pipeline.tasks import fail_stale_runs

    run = PipelineRun.objects.create(owner=user, kind="process", status="analysing")
    PipelineRun.objects.filter(id=run.id).update(updated_at=timezone.now() - timedelta(days=2))

    assert fail_stale_runs.delay().get(timeout=30) == 1

    run.refresh_from_db()
    assert run.status == "failed" and "worker lost" in run.error
    assert connection.settings_dict["NAME"].startswith("test_")


def test_health_reports_database_redis_and_each_queue(celery_worker, client, admin_user):
    client.force_login(admin_user)
    report = _wait_for_health(client, lambda r: r["status"] == "ok")

    assert report["database"]["ok"] and report["database"]["pgvector"]
    assert report["redis"]["ok"]
    assert all(any(w.startswith("test@") for w in report["workers"]["queues"][queue]) for queue in (CPU, GPU, IO))


def _wait_for_health(client, condition, timeout: float = 60) -> dict:
    """Poll the health page until ``condition`` holds (a bound on waiting, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        report = client.get("/api/health/").json()
        if condition(report) or time.monotonic() > deadline:
            return report
        time.sleep(0.5)


def test_a_killed_worker_drops_out_of_health_within_its_heartbeat_ttl(client, admin_user):
    client.force_login(admin_user)
    process = start_worker(queues=IO, name="doomed", extra_env={"WORKER_HEARTBEAT_TTL": "3"})
    try:
        alive = _wait_for_health(client, lambda r: any(w.startswith("doomed@") for w in r["workers"]["workers"]))
        assert any(w.startswith("doomed@") for w in alive["workers"]["queues"][IO])
    finally:
        stop_worker(process, sig=signal.SIGKILL)  # no shutdown signal runs: only expiry can remove it

    gone = _wait_for_health(client, lambda r: not any(w.startswith("doomed@") for w in r["workers"]["workers"]))
    assert not any(w.startswith("doomed@") for w in gone["workers"]["workers"])


def test_a_stopped_worker_removes_its_heartbeat(client, admin_user):
    from pipeline.liveness import live_workers

    client.force_login(admin_user)
    process = start_worker(queues=IO, name="leaving", extra_env={"WORKER_HEARTBEAT_TTL": "600"})
    try:
        _wait_for_health(client, lambda r: any(w.startswith("leaving@") for w in r["workers"]["workers"]))
    finally:
        stop_worker(process)  # SIGTERM: a warm shutdown

    assert not any(name.startswith("leaving@") for name in live_workers())  # not after 600 s: at once
