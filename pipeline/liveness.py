"""Which workers are alive: each worker keeps a heartbeat key in Redis that expires unless renewed.

The health page reads these keys (two Redis round trips) instead of broadcasting to every worker and
waiting out a reply timeout, which cost it seconds per request. A thread in the worker's main process
renews the key, so a worker busy in a long task on the solo pool (GPU workers) still counts as alive;
a killed worker's key expires within ``WORKER_HEARTBEAT_TTL`` seconds, a stopped one's is removed at once.
"""

from __future__ import annotations

import json
import logging
import threading

import redis
from celery.signals import worker_ready, worker_shutdown
from django.conf import settings

log = logging.getLogger(__name__)

REGISTRY = "studio:workers"  # every hostname that has written a heartbeat; stale names are pruned on read
_KEY_PREFIX = "studio:worker:"


def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)


def worker_heartbeat_record(*, hostname: str, queues: list[str], ttl: int, client: redis.Redis | None = None) -> None:
    """Say that ``hostname`` consumes ``queues`` for the next ``ttl`` seconds."""
    pipe = (client or _client()).pipeline()
    pipe.sadd(REGISTRY, hostname)
    pipe.set(_KEY_PREFIX + hostname, json.dumps(sorted(queues)), ex=ttl)
    pipe.execute()


def worker_heartbeat_clear(*, hostname: str, client: redis.Redis | None = None) -> None:
    pipe = (client or _client()).pipeline()
    pipe.delete(_KEY_PREFIX + hostname)
    pipe.srem(REGISTRY, hostname)
    pipe.execute()


def live_workers(client: redis.Redis | None = None) -> dict[str, list[str]]:
    """``{hostname: [queue, ...]}`` for every worker whose heartbeat has not expired."""
    client = client or _client()
    hostnames = sorted(name.decode() for name in client.smembers(REGISTRY))
    if not hostnames:
        return {}
    values = client.mget([_KEY_PREFIX + name for name in hostnames])
    expired = [name for name, value in zip(hostnames, values, strict=True) if value is None]
    if expired:
        client.srem(REGISTRY, *expired)
    return {name: json.loads(value) for name, value in zip(hostnames, values, strict=True) if value is not None}


class _Heartbeat(threading.Thread):
    def __init__(self, hostname: str, queues: list[str], ttl: int):
        super().__init__(name="studio-heartbeat", daemon=True)
        self.hostname, self.queues, self.ttl = hostname, queues, ttl
        self.stopped = threading.Event()

    def run(self) -> None:
        client = _client()
        interval = max(1.0, self.ttl / 3)
        while True:
            try:
                worker_heartbeat_record(hostname=self.hostname, queues=self.queues, ttl=self.ttl, client=client)
            except redis.RedisError as error:  # Redis away for a moment: the next beat tries again
                log.warning("worker heartbeat not written: %s", error)
            if self.stopped.wait(interval):
                return


_beating: list[_Heartbeat] = []


@worker_ready.connect
def _start_heartbeat(sender, **kwargs) -> None:
    """In the worker's main process, once it consumes: ``sender`` is the consumer."""
    queues = list(sender.app.amqp.queues.consume_from)
    beat = _Heartbeat(sender.hostname, queues, settings.WORKER_HEARTBEAT_TTL)
    beat.start()
    _beating.append(beat)


@worker_shutdown.connect
def _stop_heartbeat(sender, **kwargs) -> None:
    while _beating:
        beat = _beating.pop()
        beat.stopped.set()
        beat.join(timeout=5)
        try:
            worker_heartbeat_clear(hostname=beat.hostname)
        except redis.RedisError as error:
            log.warning("worker heartbeat not cleared (it expires by itself): %s", error)
