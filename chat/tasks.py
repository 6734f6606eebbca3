"""Chat tasks (routed to the ``io`` queue by ``config/celery.py``)."""

from __future__ import annotations

from celery import shared_task

from chat import services


@shared_task(
    bind=True,
    name="chat.tasks.store_eventsub_notifications",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=5 * 60,
    time_limit=6 * 60,
)
def store_eventsub_notifications(self) -> dict:
    """Drain the webhook's inbox into ChatMessage rows. Idempotent: message ids are unique."""
    result = services.eventsub_inbox_drain(task_id=self.request.id or "manual")
    return {"stored": result.stored, "unowned": result.unowned, "dead_lettered": result.dead_lettered}


@shared_task(name="chat.tasks.purge_expired_messages", soft_time_limit=30 * 60, time_limit=35 * 60)
def purge_expired_messages() -> int:
    """Daily (beat): enforce ``CHAT_RETENTION_DAYS``."""
    return services.chat_messages_purge_expired()
