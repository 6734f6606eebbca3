"""The Celery app: queues, routing and the beat schedule. Tasks know nothing about deployment."""

import os

from celery import Celery, signals
from celery.schedules import crontab
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

CPU = "cpu"  # probe, analysis, summaries, rendering
GPU = "gpu"  # Whisper, embeddings (falls back to CPU where there is no CUDA)
IO = "io"  # uploads, downloads, archive, webhooks' follow-up work
QUEUES = (CPU, GPU, IO)

app = Celery("stream_studio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name, routing_key=name) for name in QUEUES]
app.conf.task_default_queue = CPU
# Exact names first, then the first matching glob in this order. tests/config/test_celery_routes.py checks
# that every registered task lands on a known queue and that no route is dead.
app.conf.task_routes = {
    "pipeline.tasks.heartbeat": {"queue": CPU},
    "transcription.tasks.transcribe_*": {"queue": GPU},
    "transcription.tasks.embed_*": {"queue": GPU},
    "transcription.tasks.summarise_*": {"queue": CPU},
    "rendering.tasks.publish_*": {"queue": IO},
    "rendering.tasks.archive_*": {"queue": IO},
    "chat.tasks.*": {"queue": IO},
    "streams.tasks.fetch_*": {"queue": IO},
    "*": {"queue": CPU},
}
app.conf.beat_schedule = {
    "purge-expired-chat": {
        "task": "chat.tasks.purge_expired_messages",
        "schedule": crontab(minute=17, hour=3),
    },
    # Safety net: drains chat notifications whose drain task was lost (e.g. a flushed broker).
    "drain-eventsub-queue": {
        "task": "chat.tasks.store_eventsub_notifications",
        "schedule": 60.0,
    },
    "fail-stale-pipeline-runs": {
        "task": "pipeline.tasks.fail_stale_runs",
        "schedule": crontab(minute="*/15"),
    },
}
app.autodiscover_tasks()


@signals.worker_init.connect
@signals.beat_init.connect
def _start_embedded_redis(**_) -> None:
    """A worker or beat needs the broker before anything connects to the database (which starts it otherwise)."""
    from django.conf import settings

    from config import embedded

    if settings.EMBEDDED_REDIS:
        embedded.redis_start(settings.VAR_DIR)


# Workers write heartbeat keys for the health page (the module connects worker_ready/worker_shutdown).
import pipeline.liveness  # noqa: E402, F401
