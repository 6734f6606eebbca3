"""Push a run's state to its owner's websocket group as ``TASK_UPDATE`` (CONTRACTS.md §5)."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def run_payload(run) -> dict:
    return {
        "id": run.id,
        "kind": run.kind,
        "status": run.status,
        "progress": run.progress,
        "error": run.error,
        "stream": run.stream_id,
        "episode": run.episode_id,
        "updated_at": run.updated_at.isoformat() if run.updated_at else None,
    }


def notify_run_changed(run_id: int, *, old_status: str | None = None) -> None:
    """Best effort: a websocket push must never fail the work it reports on."""
    from pipeline.models import PipelineRun

    run = PipelineRun.objects.filter(id=run_id).first()
    layer = get_channel_layer()
    if run is None or layer is None:
        return
    message = {"type": "task.update", "task": run_payload(run), "old_status": old_status or run.status}
    try:
        async_to_sync(layer.group_send)(user_group(run.owner_id), message)
    except Exception:  # noqa: BLE001  (Redis down: the database still has the truth)
        log.warning("could not push TASK_UPDATE for run %s", run_id, exc_info=True)
