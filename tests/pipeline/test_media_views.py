"""Stored media is served to its owner only, with byte ranges for players; nginx or S3 when configured."""

import os
import urllib.request

import pytest
from asgiref.sync import async_to_sync
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import AsyncClient
from rest_framework.authtoken.models import Token

from episodes.models import Episode
from pipeline.media_access import media_url
from streams.models import ClipAnalysis, Series, Stream, VideoClip
from tests.rendering.conftest import s3, s3_server  # noqa: F401  (the local S3 server)

pytestmark = pytest.mark.django_db

PAYLOAD = os.urandom(300_000)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def clip(media_root, user):
    stream = Stream.objects.create(owner=user, title="Mine")
    key = default_storage.save(f"streams/{stream.id}/rec.mp4", ContentFile(PAYLOAD))
    return VideoClip.objects.create(stream=stream, order=0, file=key, original_name="rec.mp4", duration=10)


@pytest.fixture
def owner(client, user):
    client.force_login(user)
    return client


def _body(response) -> bytes:
    return b"".join(response)


def test_the_owner_gets_the_whole_file_with_ranges_advertised(owner, clip):
    response = owner.get(media_url(clip.file.name))

    assert response.status_code == 200
    assert _body(response) == PAYLOAD
    assert response["Content-Length"] == str(len(PAYLOAD)) and response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/mp4" and "private" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=0-0", 0, 0), ("bytes=1000-1999", 1000, 1999), ("bytes=-500", 299_500, 299_999)],
)
def test_a_range_request_gets_206_with_content_range_and_those_bytes(owner, clip, header, first, last):
    response = owner.get(media_url(clip.file.name), HTTP_RANGE=header)

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{len(PAYLOAD)}"
    assert response["Content-Length"] == str(last - first + 1)
    assert _body(response) == PAYLOAD[first : last + 1]


def test_a_range_past_the_end_gets_416(owner, clip):
    response = owner.get(media_url(clip.file.name), HTTP_RANGE="bytes=400000-")

    assert response.status_code == 416 and response["Content-Range"] == f"bytes */{len(PAYLOAD)}"


def test_under_asgi_ranges_stream_asynchronously(user, clip):
    token = Token.objects.create(user=user).key
    headers = {"Authorization": f"Token {token}", "Range": "bytes=100-199"}

    response = async_to_sync(AsyncClient().get)(media_url(clip.file.name), headers=headers)

    async def read():
        return b"".join([part async for part in response.streaming_content])

    assert response.status_code == 206 and response.is_async
    assert async_to_sync(read)() == PAYLOAD[100:200]


def test_someone_else_gets_404_and_anonymous_callers_are_sent_to_log_in(client, other_user, clip):
    browser = client.get(media_url(clip.file.name), HTTP_ACCEPT="text/html,*/*")
    script = client.get(media_url(clip.file.name))
    client.force_login(other_user)
    rival = client.get(media_url(clip.file.name))

    assert browser.status_code == 302 and "/admin/login/" in browser["Location"]
    assert script.status_code == 401
    assert rival.status_code == 404


def test_an_api_token_fetches_the_url_the_api_gives(api_client, clip):
    file_url = api_client.get(f"/api/clips/{clip.id}/").json()["file_url"]

    response = api_client.get(file_url, HTTP_RANGE="bytes=0-9")

    assert file_url.endswith(f"/media/{clip.file.name}")
    assert response.status_code == 206 and _body(response) == PAYLOAD[:10]


def test_analysis_outputs_renders_and_series_assets_go_to_their_owner_only(owner, client, other_client, clip, user):
    prefix = f"analysis/stream-{clip.stream_id}/clip-{clip.id}"
    audio = default_storage.save(f"{prefix}/audio-16k.wav", ContentFile(b"RIFF" + bytes(100)))
    thumb = default_storage.save(f"{prefix}/thumbs/00001.jpg", ContentFile(b"\xff\xd8jpeg"))
    ClipAnalysis.objects.create(clip=clip, threshold_db=-48, min_silence=1, duration=10, audio=audio)
    episode = Episode.objects.create(owner=user, stream=clip.stream, title="E1")
    episode.rendered_file.save("episode-1.mp4", ContentFile(b"render"))
    series = Series.objects.create(owner=user, name="Show")
    series.intro_file.save("intro.mp4", ContentFile(b"intro"))

    for key, body in [
        (audio, b"RIFF" + bytes(100)),
        (thumb, b"\xff\xd8jpeg"),
        (episode.rendered_file.name, b"render"),
        (series.intro_file.name, b"intro"),
    ]:
        assert _body(owner.get(media_url(key))) == body
        assert other_client.get(media_url(key)).status_code == 404
    assert owner.get(media_url(f"{prefix}/missing.wav")).status_code == 404


def test_keys_that_climb_out_of_an_owned_folder_are_refused(owner, media_root, clip, other_user):
    theirs = Stream.objects.create(owner=other_user, title="Theirs")
    secret = default_storage.save(f"streams/{theirs.id}/secret.mp4", ContentFile(b"secret"))
    climbing = f"analysis/stream-{clip.stream_id}/../../{secret}"

    assert owner.get(f"/media/{climbing}").status_code == 404
    assert owner.get(f"/media/analysis/stream-{clip.stream_id}/%2e%2e/%2e%2e/{secret}").status_code == 404
    assert owner.get(f"/media/analysis/stream-{clip.stream_id}//{secret}").status_code == 404


def test_with_nginx_in_front_the_file_is_handed_over_by_x_accel_redirect(owner, clip, settings):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"

    response = owner.get(media_url(clip.file.name))

    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected-media/{clip.file.name}"


def test_on_s3_the_owner_is_redirected_to_a_short_lived_signed_url(owner, other_client, settings, s3, s3_server, user):  # noqa: F811
    client, bucket = s3
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "config.storage.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": s3_server,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "signature_version": "s3v4",
            },
        },
    }
    settings.MEDIA_SIGNED_URL_SECONDS = 120
    stream = Stream.objects.create(owner=user, title="On S3")
    key = default_storage.save(f"streams/{stream.id}/remote.mp4", ContentFile(b"remote bytes"))
    VideoClip.objects.create(stream=stream, order=0, file=key, original_name="remote.mp4", duration=1)

    response = owner.get(default_storage.url(key))  # what admin widgets and serializers link to

    assert default_storage.url(key) == media_url(key)
    assert response.status_code == 302
    signed = response["Location"]
    assert signed.startswith(s3_server) and "X-Amz-Expires=120" in signed
    with urllib.request.urlopen(signed) as fetched:
        assert fetched.read() == b"remote bytes"
    assert other_client.get(media_url(key)).status_code == 404


def test_the_media_folder_is_not_served_publicly(client, clip):
    response = client.get(f"/media/{clip.file.name}")

    assert response.status_code == 401 and PAYLOAD[:100] not in response.content


def test_the_episode_api_links_its_render_through_the_owner_checked_path(api_client, other_client, media_root, user):
    stream = Stream.objects.create(owner=user, title="Rendered")
    episode = Episode.objects.create(owner=user, stream=stream, title="E2")
    episode.rendered_file.save("episode-2.mp4", ContentFile(b"rendered bytes"))

    link = api_client.get(f"/api/episodes/{episode.id}/").json()["rendered_file"]

    assert link.endswith(media_url(episode.rendered_file.name))
    assert _body(api_client.get(link)) == b"rendered bytes"
    assert other_client.get(link).status_code == 404
