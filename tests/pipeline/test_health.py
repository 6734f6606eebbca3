"""The health page: up/down for anyone, details for staff, workers read from their heartbeat keys."""

import uuid

import pytest
import redis

from config.celery import QUEUES, app
from pipeline.liveness import live_workers, worker_heartbeat_clear, worker_heartbeat_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_client(settings):
    return redis.Redis.from_url(settings.REDIS_URL)


@pytest.fixture
def no_broadcasts(monkeypatch):
    """Record any remote-control call (inspect, ping, broadcast): the health path must make none."""
    calls = []

    def refuse(*args, **kwargs):
        calls.append((args, kwargs))
        raise AssertionError("the health page must not broadcast to workers")

    for name in ("inspect", "broadcast", "ping"):
        monkeypatch.setattr(app.control, name, refuse)
    return calls


@pytest.fixture
def worker(redis_client):
    """A worker heartbeat on every queue under a name of its own, removed afterwards."""
    hostname = f"probe-{uuid.uuid4().hex[:8]}@host"
    worker_heartbeat_record(hostname=hostname, queues=list(QUEUES), ttl=60, client=redis_client)
    yield hostname
    worker_heartbeat_clear(hostname=hostname, client=redis_client)


def test_staff_see_each_queue_with_its_workers_from_heartbeats(client, admin_user, worker, no_broadcasts):
    client.force_login(admin_user)

    report = client.get("/api/health/").json()

    assert report["status"] == "ok" and report["database"]["ok"] and report["redis"]["ok"]
    assert all(worker in report["workers"]["queues"][queue] for queue in QUEUES)
    assert worker in report["workers"]["workers"]
    assert no_broadcasts == []


def test_staff_token_also_sees_details(admin_user, worker):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=admin_user).key}")

    assert worker in api.get("/api/health/").json()["workers"]["workers"]


def test_anonymous_and_non_staff_callers_get_up_or_down_only(client, user, worker, no_broadcasts):
    anonymous = client.get("/api/health/")
    client.force_login(user)
    member = client.get("/api/health/")

    assert anonymous.status_code == 200 and anonymous.json() == {"status": "ok"}
    assert member.json() == {"status": "ok"}
    assert worker not in anonymous.content.decode()


def test_a_queue_without_a_live_heartbeat_is_degraded(client, admin_user, redis_client, no_broadcasts):
    for name in live_workers(redis_client):  # e.g. the session's real worker: this test wants no consumer on "io"
        worker_heartbeat_clear(hostname=name, client=redis_client)
    hostname = f"cpu-only-{uuid.uuid4().hex[:8]}@host"
    worker_heartbeat_record(hostname=hostname, queues=["cpu", "gpu"], ttl=60, client=redis_client)
    client.force_login(admin_user)
    try:
        report = client.get("/api/health/").json()
    finally:
        worker_heartbeat_clear(hostname=hostname, client=redis_client)

    assert report["status"] == "degraded" and report["workers"]["queues"]["io"] == []


def test_a_heartbeat_expires_by_itself_and_expired_workers_are_dropped(redis_client):
    hostname = f"short-{uuid.uuid4().hex[:8]}@host"
    worker_heartbeat_record(hostname=hostname, queues=["cpu"], ttl=30, client=redis_client)

    assert 0 < redis_client.ttl(f"studio:worker:{hostname}") <= 30  # a killed worker vanishes within its TTL
    assert live_workers(redis_client)[hostname] == ["cpu"]

    redis_client.delete(f"studio:worker:{hostname}")  # what expiry does

    assert hostname not in live_workers(redis_client)
    assert not redis_client.sismember("studio:workers", hostname)
