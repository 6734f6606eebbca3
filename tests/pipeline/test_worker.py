"""A real Celery worker process consuming from the real Redis: routing and run status end to end."""

import pytest
from django.db import connection

from config.celery import CPU, GPU, IO
from pipeline.tasks import heartbeat

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


def test_health_reports_database_redis_and_each_queue(celery_worker, client):
    report = client.get("/api/health/").json()

    assert report["database"]["ok"] and report["database"]["pgvector"]
    assert report["redis"]["ok"]
    assert all(report["workers"]["queues"][queue] for queue in (CPU, GPU, IO))
    assert report["status"] == "ok"
