"""Health: can we reach the database, Redis and a worker on each queue?

Anyone may ask whether the service is up; only staff see the details (worker host names, errors).
Workers are known from their heartbeat keys in Redis (``pipeline.liveness``), so nothing on this path
broadcasts to workers and waits for their replies.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from config.auth import request_user
from config.celery import QUEUES
from pipeline.liveness import live_workers


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            row = cursor.fetchone()
        return {"ok": True, "pgvector": row[0] if row else None}
    except Exception as error:  # noqa: BLE001  (report, don't raise: this is the health page)
        return {"ok": False, "error": str(error)}


def _check_redis() -> dict:
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
        return {"ok": True}
    except Exception as error:  # noqa: BLE001
        return {"ok": False, "error": str(error)}


def _check_workers() -> dict:
    """Which queues have a consumer right now, from the workers' heartbeats."""
    try:
        workers = live_workers()
    except Exception as error:  # noqa: BLE001
        return {"ok": False, "error": str(error), "queues": {}}
    consumers: dict[str, list[str]] = {queue: [] for queue in QUEUES}
    for worker, queues in workers.items():
        for queue in queues:
            consumers.setdefault(queue, []).append(worker)
    return {"ok": all(consumers[q] for q in QUEUES), "workers": sorted(workers), "queues": consumers}


def health(request):
    report = {"database": _check_database(), "redis": _check_redis(), "workers": _check_workers()}
    healthy = report["database"]["ok"] and report["redis"]["ok"]
    report["status"] = "ok" if healthy and report["workers"]["ok"] else ("degraded" if healthy else "down")
    if not request_user(request).is_staff:
        report = {"status": report["status"]}
    return JsonResponse(report, status=200 if healthy else 503)
