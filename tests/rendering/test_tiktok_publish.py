"""Posting an episode's vertical render to TikTok, the real client against the fake Content Posting API."""

import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from pipeline.models import PipelineRun, RunStatus, StepStatus
from rendering.publishing.models import TikTokCredential, TikTokPost
from rendering.publishing.services import PublishError
from rendering.publishing.tiktok_services import tiktok_post_publish, tiktok_post_start
from rendering.vertical_service import episode_vertical_key
from tests.rendering.fake_tiktok import MB, REFRESH_TOKEN

SIZE = 12 * MB + 123


def publish(episode, **options):
    waits = []
    outcome = tiktok_post_publish(episode_id=episode.id, sleep=waits.append, **options)
    return outcome


def vertical_bytes(episode) -> bytes:
    with default_storage.open(episode_vertical_key(episode.id), "rb") as handle:
        return handle.read()


def only_upload(fake):
    (upload,) = fake.uploads.values()
    return upload


def test_a_direct_post_sends_the_chunks_in_order_and_is_published(tiktok_episode, fake_tiktok):
    post = tiktok_post_start(episode=tiktok_episode)
    assert (post.status, post.total_bytes, post.chunk_size, post.chunk_count) == ("pending", SIZE, 5 * MB, 2)

    sent = []
    outcome = publish(tiktok_episode, progress=lambda done, total: sent.append(done))

    upload = only_upload(fake_tiktok)
    assert outcome.status == "published" and outcome.post_ids == ["7300000000000000001"]
    assert upload.mode == "direct" and bytes(upload.data) == vertical_bytes(tiktok_episode)
    assert upload.chunks == [f"bytes 0-{5 * MB - 1}/{SIZE}", f"bytes {5 * MB}-{SIZE - 1}/{SIZE}"]
    assert upload.post_info["title"] == "Boss down in one hit" and upload.post_info["disable_duet"] is True
    assert sent == [5 * MB, SIZE]
    post.refresh_from_db()
    assert post.status == TikTokPost.Status.PUBLISHED and post.bytes_sent == SIZE and post.post_ids == outcome.post_ids
    run = post.run
    assert run.kind == PipelineRun.Kind.PUBLISH and run.status == RunStatus.COMPLETED and run.progress == 100
    assert run.steps.get().label == "TikTok direct post"
    assert "rate_limit_exceeded" not in fake_tiktok.codes()  # creator info, init and two polls: within 6 a minute


def test_an_unaudited_app_posts_privately_and_tells_the_streamer(tiktok_episode, fake_tiktok):
    tiktok_post_start(episode=tiktok_episode, privacy_level="PUBLIC_TO_EVERYONE")

    outcome = publish(tiktok_episode)

    post = TikTokPost.objects.get(episode=tiktok_episode)
    assert only_upload(fake_tiktok).post_info["privacy_level"] == "SELF_ONLY"
    assert post.privacy_level == "SELF_ONLY" and post.forced_private
    assert "only privately (SELF_ONLY)" in post.notice and outcome.notice == post.notice


def test_an_audited_app_posts_with_the_privacy_level_asked_for(tiktok_episode, fake_tiktok, tiktok_settings):
    tiktok_settings.TIKTOK_APP_AUDITED = True
    tiktok_post_start(episode=tiktok_episode, privacy_level="PUBLIC_TO_EVERYONE")

    assert publish(tiktok_episode).status == "published"

    post = TikTokPost.objects.get(episode=tiktok_episode)
    assert only_upload(fake_tiktok).post_info["privacy_level"] == "PUBLIC_TO_EVERYONE" and not post.forced_private


def test_a_privacy_level_the_creator_lacks_fails_before_any_upload(tiktok_episode, fake_tiktok, tiktok_settings):
    tiktok_settings.TIKTOK_APP_AUDITED = True
    fake_tiktok.privacy_level_options = ["SELF_ONLY"]
    tiktok_post_start(episode=tiktok_episode, privacy_level="PUBLIC_TO_EVERYONE")

    outcome = publish(tiktok_episode)

    assert outcome.status == "failed" and "PUBLIC_TO_EVERYONE is not one streamer may use" in outcome.message
    assert fake_tiktok.uploads == {}
    assert PipelineRun.objects.get(kind=PipelineRun.Kind.PUBLISH).status == RunStatus.FAILED


def test_a_draft_goes_to_the_creators_inbox(tiktok_episode, fake_tiktok):
    post = tiktok_post_start(episode=tiktok_episode, draft=True)

    outcome = publish(tiktok_episode)

    upload = only_upload(fake_tiktok)
    assert upload.mode == "inbox" and upload.post_info is None and bytes(upload.data) == vertical_bytes(tiktok_episode)
    assert outcome.status == "in_inbox" and "draft" in outcome.notice
    post.refresh_from_db()
    assert post.status == TikTokPost.Status.IN_INBOX and not post.forced_private and post.run.status == "completed"


def test_tokens_are_sealed_at_rest_and_refreshed_once_then_reused(tiktok_episode, fake_tiktok):
    tiktok_post_start(episode=tiktok_episode)
    publish(tiktok_episode)

    credential = TikTokCredential.objects.get(owner=tiktok_episode.owner)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sealed_refresh_token, sealed_access_token FROM rendering_tiktokcredential WHERE id = %s",
            [credential.id],
        )
        stored = " ".join(cursor.fetchone())
    assert REFRESH_TOKEN not in stored and credential.access_token not in stored
    assert credential.refresh_token == REFRESH_TOKEN and credential.access_token in fake_tiktok.access_tokens
    assert REFRESH_TOKEN not in str(credential) + repr(credential)
    assert [seen.path for seen in fake_tiktok.log].count("/v2/oauth/token/") == 1


def test_an_access_token_tiktok_rejects_is_refreshed_and_the_call_repeated(tiktok_episode, fake_tiktok):
    tiktok_post_start(episode=tiktok_episode)
    fake_tiktok.fail("creator", "access_token_invalid")

    assert publish(tiktok_episode).status == "published"
    assert [seen.path for seen in fake_tiktok.log].count("/v2/oauth/token/") == 2


# --- bad input and failures: a clear message, nothing stored half-done -------------------------------
def test_an_episode_without_a_vertical_render_is_refused_and_nothing_is_stored(tiktok_episode):
    default_storage.delete(episode_vertical_key(tiktok_episode.id))

    with pytest.raises(PublishError, match=f"episode {tiktok_episode.id} has no vertical render"):
        tiktok_post_start(episode=tiktok_episode)
    assert not TikTokPost.objects.exists() and not PipelineRun.objects.exists()


def test_a_file_too_large_for_the_chunk_rules_is_refused_before_anything_is_sent(tiktok_episode, fake_tiktok):
    path = default_storage.path(episode_vertical_key(tiktok_episode.id))
    with open(path, "r+b") as handle:
        handle.truncate(70 * 1024 * MB)  # sparse: 70 GB on paper, nothing on disk

    with pytest.raises(PublishError, match="chunk rules"):
        tiktok_post_start(episode=tiktok_episode)
    assert not TikTokPost.objects.exists() and not PipelineRun.objects.exists() and fake_tiktok.log == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"privacy_level": "EVERYONE"}, "privacy_level: 'EVERYONE' is not one of"),
        ({"draft": True, "privacy_level": "SELF_ONLY"}, "a draft's privacy is chosen in the TikTok app"),
        ({"title": "x" * 2201}, "title: 2201 characters"),
    ],
)
def test_bad_post_requests_are_refused_before_anything_is_stored(tiktok_episode, options, message):
    with pytest.raises(PublishError, match=message):
        tiktok_post_start(episode=tiktok_episode, **options)
    assert not TikTokPost.objects.exists() and not PipelineRun.objects.exists()


def test_an_owner_without_a_tiktok_account_is_told_to_connect_one(tiktok_episode):
    TikTokCredential.objects.all().delete()
    with pytest.raises(PublishError, match="connected no TikTok account"):
        tiktok_post_start(episode=tiktok_episode)


def test_a_revoked_token_fails_the_post_asking_to_reconnect_and_uploads_nothing(tiktok_episode, fake_tiktok, caplog):
    tiktok_post_start(episode=tiktok_episode)
    fake_tiktok.revoke()

    outcome = publish(tiktok_episode)

    post = TikTokPost.objects.get(episode=tiktok_episode)
    assert outcome.status == "failed" and "connect the TikTok account again" in outcome.message
    assert "Refresh token is invalid or expired" in outcome.message
    assert post.status == TikTokPost.Status.FAILED and fake_tiktok.uploads == {}
    assert post.run.status == RunStatus.FAILED and "connect the TikTok account again" in post.run.error
    assert REFRESH_TOKEN not in caplog.text + post.last_error


def test_a_server_error_mid_upload_is_retried_then_the_chunk_is_sent_again_in_order(tiktok_episode, fake_tiktok):
    tiktok_post_start(episode=tiktok_episode)
    fake_tiktok.fail("chunk", "http500", skip=1)

    assert publish(tiktok_episode).status == "published"
    upload = only_upload(fake_tiktok)
    assert bytes(upload.data) == vertical_bytes(tiktok_episode) and len(upload.chunks) == 2


def test_a_server_that_keeps_failing_mid_upload_fails_the_post_clearly(tiktok_episode, fake_tiktok):
    tiktok_post_start(episode=tiktok_episode)
    for failure in range(5):  # the first chunk goes through; the second meets five 5xx in a row
        fake_tiktok.fail("chunk", "http500", skip=1 if failure == 0 else 0)

    outcome = publish(tiktok_episode)

    post = TikTokPost.objects.get(episode=tiktok_episode)
    assert outcome.status == "failed"
    assert f"gave up after 5 failures in a row while sending bytes {5 * MB}-{SIZE - 1}" in outcome.message
    assert post.status == TikTokPost.Status.FAILED and post.bytes_sent == 5 * MB and not post.post_ids
    step = post.run.steps.get()
    assert step.status == StepStatus.FAILED and post.run.status == RunStatus.FAILED

    # Publishing again starts a fresh upload (a new publish_id) and finishes it.
    tiktok_post_start(episode=tiktok_episode)
    assert publish(tiktok_episode).status == "published"
    assert len(fake_tiktok.uploads) == 2


@pytest.mark.parametrize(
    ("on", "code", "message"),
    [
        ("init", "spam_risk_too_many_posts", "daily post limit for this account is reached"),
        ("init", "spam_risk_user_banned_from_posting", "banned this account from posting"),
        ("init", "privacy_level_option_mismatch", "not one this creator may use"),
        ("init", "unaudited_client_can_only_post_to_private_accounts", "make the TikTok account private"),
        ("creator", "scope_not_authorized", "did not grant this app the scope"),
        ("outcome", "duration_check_failed", "longer than this creator may post"),
    ],
)
def test_refusals_are_explained_and_not_retried(tiktok_episode, fake_tiktok, on, code, message):
    tiktok_post_start(episode=tiktok_episode)
    fake_tiktok.fail(on, code)

    outcome = publish(tiktok_episode)

    assert outcome.status == "failed" and message in outcome.message
    assert fake_tiktok.codes().count(code) <= 1  # asked once: asking again would not help


@pytest.mark.parametrize("code", ["rate_limit_exceeded", "internal_error", "http500"])
def test_transient_errors_are_retried(tiktok_episode, fake_tiktok, code):
    tiktok_post_start(episode=tiktok_episode)
    fake_tiktok.fail("init", code)

    assert publish(tiktok_episode).status == "published"
    assert fake_tiktok.codes().count(code) == 1


def test_a_post_still_processing_is_checked_again_without_uploading_again(tiktok_episode, fake_tiktok, tiktok_settings):
    tiktok_settings.TIKTOK_POLL_INTERVAL, tiktok_settings.TIKTOK_POLL_TIMEOUT = 1.0, 2.0
    fake_tiktok.processing_polls = 4
    tiktok_post_start(episode=tiktok_episode)

    first = publish(tiktok_episode)

    post = TikTokPost.objects.get(episode=tiktok_episode)
    first_run = post.run
    assert first.status == "processing" and "run `manage.py publish" in first.message
    assert post.status == TikTokPost.Status.PROCESSING and first_run.status == RunStatus.FAILED

    again = tiktok_post_start(episode=tiktok_episode)  # in flight: the same post, a fresh run to check on it
    assert again.id == post.id and again.run != first_run and again.run.steps.get().label == "TikTok check"
    assert publish(tiktok_episode).status == "published"
    assert len(fake_tiktok.uploads) == 1 and len(only_upload(fake_tiktok).chunks) == 2
    again.run.refresh_from_db()
    assert again.run.status == RunStatus.COMPLETED


def test_a_second_worker_cannot_take_a_post_in_progress(tiktok_episode, fake_tiktok):
    tiktok_post_start(episode=tiktok_episode)
    TikTokPost.objects.update(status=TikTokPost.Status.UPLOADING)

    assert publish(tiktok_episode).status == "busy"
    assert fake_tiktok.log == []


def test_a_render_that_changed_after_the_post_was_prepared_is_not_half_sent(tiktok_episode, fake_tiktok):
    tiktok_post_start(episode=tiktok_episode)
    key = episode_vertical_key(tiktok_episode.id)
    default_storage.delete(key)
    default_storage.save(key, ContentFile(os.urandom(6 * MB)))

    outcome = publish(tiktok_episode)

    assert outcome.status == "failed" and "changed since the post was prepared" in outcome.message
    assert fake_tiktok.uploads == {}


def test_an_expired_access_token_is_refreshed_before_it_is_used(tiktok_episode, fake_tiktok):
    from datetime import timedelta

    from django.utils import timezone

    credential = TikTokCredential.objects.get()
    credential.access_token = "act.expired-yesterday"
    credential.access_expires_at = timezone.now() - timedelta(hours=1)
    credential.save()
    tiktok_post_start(episode=tiktok_episode)

    assert publish(tiktok_episode).status == "published"

    credential.refresh_from_db()
    assert credential.access_token in fake_tiktok.access_tokens and credential.access_expires_at > timezone.now()
    assert "access_token_invalid" not in fake_tiktok.codes()  # the stale token was never sent
