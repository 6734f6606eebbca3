"""A real Celery worker runs the publish task: throttled by a 429, re-scheduled, resumed, finished."""

import pytest

from config.celery import IO, app
from episodes.models import Episode
from rendering.publishing.services import episode_publish_start
from rendering.publishing.tasks import archive_episode, publish_episode
from tests.conftest import start_worker, stop_worker, wait_for_queues

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
QUEUE = "publish-test"  # a queue of its own, so the worker has this test's settings (fake YouTube, media)


def test_publish_and_archive_tasks_are_routed_to_the_io_queue():
    assert app.amqp.router.route({}, publish_episode.name)["queue"].name == IO
    assert app.amqp.router.route({}, archive_episode.name)["queue"].name == IO


def test_a_throttled_upload_is_rescheduled_by_the_worker_and_resumes_where_it_stopped(
    rendered_episode, fake_youtube, youtube_settings
):
    episode_publish_start(episode=rendered_episode)
    fake_youtube.fail("chunk", "429", retry_after="1", skip=2)
    worker = start_worker(
        queues=QUEUE,
        name="publish",
        extra_env={
            "YOUTUBE_API_URL": fake_youtube.url,
            "GOOGLE_TOKEN_URI": fake_youtube.token_uri,
            "YOUTUBE_CHUNK_SIZE": str(256 * 1024),
            "MEDIA_ROOT": str(youtube_settings.MEDIA_ROOT),
        },
    )
    try:
        wait_for_queues([QUEUE])
        answer = publish_episode.apply_async((rendered_episode.id,), queue=QUEUE).get(timeout=120)
    finally:
        stop_worker(worker)

    rendered_episode.refresh_from_db()
    assert answer["status"] == "uploaded" and rendered_episode.status == Episode.Status.UPLOADED
    assert [seen.status for seen in fake_youtube.log if seen.status == 429] == [429]
    assert len(fake_youtube.sessions) == 1
    video = fake_youtube.videos[rendered_episode.youtube_video_id]
    assert bytes(video.data) == rendered_episode.rendered_file.open("rb").read()
    assert rendered_episode.youtube_upload.throttle_count == 0 and rendered_episode.youtube_upload.attempts == 2
