"""Publishing services against the fake YouTube: statuses on the episode, resume after throttling."""

import logging
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from episodes.models import Episode
from rendering.publishing.models import YouTubeCredential, YouTubeUpload
from rendering.publishing.services import PublishError, episode_publish, episode_publish_start
from tests.rendering.fake_youtube import REFRESH_TOKEN

CHAPTERS = [(0, "Intro"), (12, "Phase one"), (40, "Phase two")]
CHUNK = 256 * 1024


def publish_now(episode):
    return episode_publish(episode_id=episode.id)


def test_refresh_token_is_encrypted_at_rest_and_never_displayed(rendered_episode):
    credential = YouTubeCredential.objects.get(owner=rendered_episode.owner)
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed_refresh_token FROM rendering_youtubecredential WHERE id = %s", [credential.id])
        (stored,) = cursor.fetchone()
    assert REFRESH_TOKEN not in stored
    assert credential.refresh_token == REFRESH_TOKEN
    assert REFRESH_TOKEN not in str(credential) + repr(credential)


def test_metadata_comes_from_the_episode_and_series_templates(rendered_episode):
    upload = episode_publish_start(episode=rendered_episode, privacy_status="unlisted", chapters=CHAPTERS)

    snippet, status = upload.metadata["snippet"], upload.metadata["status"]
    assert snippet["title"] == "Boss Rush - Episode 3"
    assert snippet["description"] == (
        "We beat the last boss.\n\nChapters:\n0:00 Intro\n0:12 Phase one\n0:40 Phase two\n\nPart 3 of Boss Rush."
    )
    assert snippet["tags"] == ["speedrun", "boss rush"] and snippet["categoryId"] == "20"
    assert snippet["defaultLanguage"] == snippet["defaultAudioLanguage"] == "en"
    assert status == {
        "privacyStatus": "unlisted",
        "embeddable": True,
        "license": "youtube",
        "selfDeclaredMadeForKids": False,
    }
    assert upload.status == YouTubeUpload.Status.PENDING and upload.total_bytes == rendered_episode.rendered_file.size


def test_without_named_chapters_the_edit_boundaries_become_the_description_chapters(rendered_episode):
    sections = [
        {"startFrame": 0, "endFrame": 900},
        {"startFrame": 900, "endFrame": 2400},
        {"startFrame": 2400, "endFrame": 3600},
    ]
    rendered_episode.cut_list = {
        "version": "1.0.0",
        "frameRate": 60,
        "inputMedia": [{"s3Location": "streams/1/a.mp4", "sections": sections}],
        "outputTrack": [{"mediaIndex": 0, "sectionIndex": index} for index in range(3)],
    }
    rendered_episode.save()

    upload = episode_publish_start(episode=rendered_episode, privacy_status="private")

    assert "Chapters:\n0:00 Part 1\n0:15 Part 2\n0:40 Part 3\n" in upload.metadata["snippet"]["description"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"privacy_status": "secret"}, "privacy_status: 'secret' is not one of private, unlisted, public"),
        ({"chapters": [(0, "Intro"), (5, "Too soon"), (40, "Late")]}, "chapters: chapter 1 (0:00) lasts 5 s"),
        ({"chapters": [(0, "a"), (20, "b"), (55, "c")]}, "chapter 3 (0:55) lasts 5 s"),  # episode is 60 s long
    ],
)
def test_bad_publish_requests_are_refused_before_anything_changes(rendered_episode, options, message):
    with pytest.raises(PublishError, match=message.replace("(", r"\(").replace(")", r"\)")):
        episode_publish_start(episode=rendered_episode, **options)
    assert not YouTubeUpload.objects.exists()
    rendered_episode.refresh_from_db()
    assert rendered_episode.status == Episode.Status.RENDERED


def test_an_episode_without_a_render_cannot_be_published(rendered_episode):
    rendered_episode.rendered_file = ""
    with pytest.raises(PublishError, match="no rendered file yet"):
        episode_publish_start(episode=rendered_episode)


def test_publish_uploads_every_byte_then_adds_the_video_to_the_series_playlist(rendered_episode, fake_youtube):
    episode_publish_start(episode=rendered_episode, chapters=CHAPTERS)

    outcome = publish_now(rendered_episode)

    rendered_episode.refresh_from_db()
    upload = rendered_episode.youtube_upload
    assert outcome.status == "uploaded" and outcome.video_id == rendered_episode.youtube_video_id == "vid1"
    assert rendered_episode.status == Episode.Status.UPLOADED
    assert bytes(fake_youtube.videos["vid1"].data) == rendered_episode.rendered_file.open("rb").read()
    assert fake_youtube.videos["vid1"].content_type == "video/mp4"
    assert upload.bytes_confirmed == upload.total_bytes and upload.playlist_item_id == "PLI-PLseries-1"
    assert fake_youtube.playlists["PLseries"] == ["vid1"]
    with pytest.raises(PublishError, match="already on YouTube as vid1"):
        episode_publish_start(episode=rendered_episode)


def test_a_429_throttles_the_episode_until_retry_after_then_resumes_from_the_confirmed_byte(
    rendered_episode, fake_youtube
):
    episode_publish_start(episode=rendered_episode)
    fake_youtube.fail("chunk", "429", retry_after="42", skip=2)

    outcome = publish_now(rendered_episode)

    rendered_episode.refresh_from_db()
    upload = rendered_episode.youtube_upload
    assert outcome.status == "throttled" and outcome.retry_in == 42
    assert rendered_episode.status == Episode.Status.THROTTLED
    assert upload.bytes_confirmed == 2 * CHUNK and upload.session_url
    assert timedelta(seconds=40) < upload.resume_at - timezone.now() <= timedelta(seconds=42)
    assert "rateLimitExceeded" in upload.last_error

    # Delivered again too early (a duplicate, or a redelivered countdown): it waits and sends nothing.
    requests_before = len(fake_youtube.log)
    early = publish_now(rendered_episode)
    assert early.status == "throttled" and 0 < early.retry_in <= 42
    assert len(fake_youtube.log) == requests_before

    YouTubeUpload.objects.filter(id=upload.id).update(resume_at=timezone.now())
    done = publish_now(rendered_episode)

    rendered_episode.refresh_from_db()
    assert done.status == "uploaded" and rendered_episode.status == Episode.Status.UPLOADED
    assert len(fake_youtube.sessions) == 1  # the same session, not a fresh upload from byte 0
    assert fake_youtube.chunk_ranges()[2:4] == [f"bytes {2 * CHUNK}-{3 * CHUNK - 1}/{upload.total_bytes}"] * 2
    assert bytes(fake_youtube.videos[done.video_id].data) == rendered_episode.rendered_file.open("rb").read()


def test_a_dropped_connection_and_a_partial_308_are_survived_within_one_run(rendered_episode, fake_youtube):
    episode_publish_start(episode=rendered_episode)
    fake_youtube.fail("chunk", "drop", keep=1000, skip=1)
    fake_youtube.fail("chunk", "partial", keep=CHUNK - 10)

    assert publish_now(rendered_episode).status == "uploaded"
    video = fake_youtube.videos[YouTubeUpload.objects.get(episode=rendered_episode).video_id]
    assert bytes(video.data) == rendered_episode.rendered_file.open("rb").read()


def test_quota_exhaustion_waits_for_the_daily_reset(rendered_episode, fake_youtube):
    episode_publish_start(episode=rendered_episode)
    fake_youtube.fail("init", "quota")

    outcome = publish_now(rendered_episode)

    upload = YouTubeUpload.objects.get(episode=rendered_episode)
    assert outcome.status == "throttled" and 0 < outcome.retry_in <= 25 * 3600
    assert upload.status == "throttled" and "quotaExceeded" in upload.last_error and not upload.session_url


def test_an_expired_session_starts_again_from_byte_zero(rendered_episode, fake_youtube):
    episode_publish_start(episode=rendered_episode)
    fake_youtube.fail("chunk", "429", skip=1)
    publish_now(rendered_episode)
    fake_youtube.sessions.clear()  # YouTube forgets sessions after about a week
    YouTubeUpload.objects.update(resume_at=timezone.now())

    assert publish_now(rendered_episode).status == "uploaded"
    assert fake_youtube.chunk_ranges()[-5].startswith("bytes 0-")


def test_a_revoked_token_fails_the_episode_with_a_message_that_never_contains_the_token(
    rendered_episode, fake_youtube, caplog
):
    episode_publish_start(episode=rendered_episode)
    fake_youtube.refresh_token = "a-different-token"  # the user revoked access

    with caplog.at_level(logging.DEBUG):
        outcome = publish_now(rendered_episode)

    rendered_episode.refresh_from_db()
    assert outcome.status == "failed" and "reconnect the account" in outcome.message
    assert rendered_episode.status == Episode.Status.FAILED
    assert REFRESH_TOKEN not in caplog.text + rendered_episode.youtube_upload.last_error


def test_a_second_worker_cannot_claim_an_upload_in_progress(rendered_episode, fake_youtube):
    episode_publish_start(episode=rendered_episode)
    YouTubeUpload.objects.update(status=YouTubeUpload.Status.UPLOADING, updated_at=timezone.now())

    assert publish_now(rendered_episode).status == "busy"
    assert fake_youtube.log == []


def test_a_missing_playlist_leaves_the_video_uploaded_and_says_so(rendered_episode, fake_youtube):
    series = rendered_episode.stream.series
    series.youtube_playlist_id = "PLdeleted"
    series.save()
    episode_publish_start(episode=rendered_episode)

    outcome = publish_now(rendered_episode)

    rendered_episode.refresh_from_db()
    assert outcome.status == "uploaded" and rendered_episode.status == Episode.Status.UPLOADED
    assert "not added to playlist PLdeleted" in outcome.message and "playlistNotFound" in outcome.message


def test_a_changed_secret_key_fails_the_upload_asking_to_reconnect(rendered_episode, settings):
    episode_publish_start(episode=rendered_episode)
    settings.SECRET_KEY = "rotated-" + settings.SECRET_KEY

    outcome = publish_now(rendered_episode)

    assert outcome.status == "failed"
    assert "cannot be decrypted" in outcome.message and "connect again" in outcome.message
