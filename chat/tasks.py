"""Chat tasks (routed to the ``io`` queue by ``config/celery.py``)."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready
from django.db import InterfaceError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from chat import services


@shared_task(
    bind=True,
    name="chat.tasks.store_eventsub_notifications",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=5 * 60,
    time_limit=6 * 60,
    # The database or Redis is down: the claimed batch stays in this task's processing list and the
    # retry (same task id) stores it first. If the retry cannot even be queued, the batch's lease
    # runs out and the next drain puts it back in the inbox.
    autoretry_for=(OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError),
    retry_backoff=5,
    retry_backoff_max=5 * 60,
    retry_jitter=True,
    max_retries=None,
)
def store_eventsub_notifications(self) -> dict:
    """Drain the webhook's inbox into ChatMessage rows. Idempotent: message ids are unique."""
    result = services.eventsub_inbox_drain(task_id=self.request.id or "manual")
    return {"stored": result.stored, "unowned": result.unowned, "dead_lettered": result.dead_lettered}


@worker_ready.connect
def recover_abandoned_batches(**_) -> None:
    """A worker starting may be one restarted after a crash: recover batches that lost their worker."""
    services.eventsub_batches_adopt()
    if services.eventsub_batches_requeue():
        store_eventsub_notifications.delay()


@shared_task(name="chat.tasks.purge_expired_messages", soft_time_limit=30 * 60, time_limit=35 * 60)
def purge_expired_messages() -> int:
    """Daily (beat): enforce ``CHAT_RETENTION_DAYS``."""
    return services.chat_messages_purge_expired()
