"""Publishing tasks (queue ``io`` by their names' route in config/celery.py): thin shells over rendering.publish.

Named ``rendering.tasks.*`` so the routes match; rendering/tasks.py imports this module for autodiscovery.
"""

from __future__ import annotations

from celery import shared_task

from pipeline.tasks import MediaTask
from rendering.models import YouTubeUpload
from rendering.publish import episode_archive, episode_publish


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


@shared_task(base=MediaTask, name="rendering.tasks.archive_episode")
def archive_episode(episode_id: int) -> list[str]:
    return [str(archived) for archived in episode_archive(episode_id=episode_id)]
