"""Health: can we reach the database, Redis and a worker on each queue?"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from config.celery import QUEUES, app


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


def _check_workers(timeout: float = 1.5) -> dict:
    """Which queues have a consumer right now, from the workers' own answers."""
    try:
        replies = app.control.inspect(timeout=timeout).active_queues() or {}
    except Exception as error:  # noqa: BLE001
        return {"ok": False, "error": str(error), "queues": {}}
    consumers = {queue: [] for queue in QUEUES}
    for worker, queues in replies.items():
        for queue in queues:
            consumers.setdefault(queue["name"], []).append(worker)
    return {"ok": all(consumers[q] for q in QUEUES), "workers": sorted(replies), "queues": consumers}


def health(request):
    report = {"database": _check_database(), "redis": _check_redis(), "workers": _check_workers()}
    healthy = report["database"]["ok"] and report["redis"]["ok"]
    report["status"] = "ok" if healthy and report["workers"]["ok"] else ("degraded" if healthy else "down")
    return JsonResponse(report, status=200 if healthy else 503)
