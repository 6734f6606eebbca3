"""Publishing tasks (queue ``io`` by their names' route in config/celery.py): thin shells over the services.

Named ``rendering.tasks.*`` (their names from before publishing had its own package, so queued messages and
routes still match); rendering/tasks.py imports this module for autodiscovery.
"""

from __future__ import annotations

from celery import shared_task

from pipeline.tasks import MediaTask
from rendering.publishing.archiving import episode_archive
from rendering.publishing.models import YouTubeUpload
from rendering.publishing.services import episode_publish
from rendering.publishing.tiktok_services import tiktok_post_publish


@shared_task(bind=True, base=MediaTask, name="rendering.tasks.publish_episode", max_retries=None)
def publish_episode(self, episode_id: int) -> dict:
    """Upload or resume; when YouTube throttles, come back at the time it named, from the stored offset.

    With Redis as broker a countdown longer than the visibility timeout may be delivered twice; the
    service's atomic claim and ``resume_at`` check make the extra delivery a no-op.
    """
    outcome = episode_publish(episode_id=episode_id)
    if outcome.status == YouTubeUpload.Status.THROTTLED:
        raise self.retry(countdown=max(1, round(outcome.retry_in or 0)))
    return {"status": outcome.status, "video_id": outcome.video_id, "message": outcome.message}


@shared_task(base=MediaTask, name="rendering.tasks.publish_tiktok")
def publish_tiktok(episode_id: int) -> dict:
    """Upload the episode's vertical render to TikTok and wait for TikTok to take it (its run shows how far)."""
    outcome = tiktok_post_publish(episode_id=episode_id)
    return {"status": outcome.status, "post_ids": outcome.post_ids, "message": outcome.message}


@shared_task(base=MediaTask, name="rendering.tasks.archive_episode")
def archive_episode(episode_id: int, run_id: int | None = None, delete_local: bool | None = None) -> list[str]:
    return [
        str(archived) for archived in episode_archive(episode_id=episode_id, run_id=run_id, delete_local=delete_local)
    ]
