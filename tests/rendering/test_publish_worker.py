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


def test_a_tiktok_post_runs_on_a_worker_with_live_status_over_the_websocket_and_the_api(
    django_user_model, fake_tiktok, tiktok_settings, api_client, user
):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.urls import reverse

    from pipeline.notify import user_group
    from rendering.publishing.tasks import publish_tiktok
    from rendering.publishing.tiktok_services import tiktok_post_start
    from rendering.publishing.tokens import tiktok_credential_save
    from rendering.vertical_service import episode_vertical_key
    from streams.models import Stream
    from tests.pipeline.test_workflows import GroupListener
    from tests.rendering.fake_tiktok import CLIENT_KEY, CLIENT_SECRET, MB, REFRESH_TOKEN

    stream = Stream.objects.create(owner=user, title="Friday run")
    episode = Episode.objects.create(owner=user, stream=stream, title="Clip", tracks=[{"start": 0, "end": 9}])
    default_storage.save(episode_vertical_key(episode.id), ContentFile(b"v" * (11 * MB)))
    tiktok_credential_save(owner=user, refresh_token=REFRESH_TOKEN)
    post = tiktok_post_start(episode=episode)
    listener = GroupListener(user_group(user.id), idle=60)
    listener.start()
    assert listener.ready.wait(10)
    worker = start_worker(
        queues=QUEUE,
        name="tiktok",
        extra_env={
            "TIKTOK_API_BASE": fake_tiktok.url,
            "TIKTOK_CLIENT_KEY": CLIENT_KEY,
            "TIKTOK_CLIENT_SECRET": CLIENT_SECRET,
            "TIKTOK_CHUNK_SIZE": str(5 * MB),
            "TIKTOK_POLL_INTERVAL": "0",
            "MEDIA_ROOT": str(tiktok_settings.MEDIA_ROOT),
        },
    )
    try:
        wait_for_queues([QUEUE])
        answer = publish_tiktok.apply_async((episode.id,), queue=QUEUE).get(timeout=120)
    finally:
        stop_worker(worker)
    listener.join(30)

    assert answer["status"] == "published" and answer["post_ids"] == ["7300000000000000001"]
    updates = [message["task"] for message in listener.messages if message["task"]["id"] == post.run_id]
    assert {update["kind"] for update in updates} == {"publish"}
    assert any(update["status"] == "publishing" and 0 < update["progress"] < 100 for update in updates)
    assert updates[-1]["status"] == "completed" and updates[-1]["progress"] == 100
    shown = api_client.get(reverse("pipeline-runs-detail", args=[post.run_id])).json()
    assert shown["kind"] == "publish" and shown["status"] == "completed" and shown["progress"] == 100
