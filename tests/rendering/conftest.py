import pytest

from tests.rendering.fake_youtube import FakeYouTube
from tests.rendering.render_media import (  # noqa: F401  (fixtures)
    alpha_asset,
    colorkey_asset,
    make_overlay,
    make_recording,
)


@pytest.fixture
def fake_youtube():
    server = FakeYouTube().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_server():
    """A real S3-protocol server (moto in server mode) on a free local port."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server):
    """A client and a fresh bucket on the local S3 server."""
    import uuid

    from rendering.publishing.archive import s3_client

    client = s3_client(endpoint_url=s3_server, region_name="us-east-1", access_key="test", secret_key="test")
    bucket = f"archive-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    return client, bucket


@pytest.fixture
def youtube_settings(settings, fake_youtube, tmp_path):
    """Point the real client at the fake server and keep media in a per-test folder."""
    settings.YOUTUBE_API_URL = fake_youtube.url
    settings.GOOGLE_TOKEN_URI = fake_youtube.token_uri
    settings.GOOGLE_CLIENT_ID, settings.GOOGLE_CLIENT_SECRET = "client-id", "client-secret"
    settings.YOUTUBE_CHUNK_SIZE = 256 * 1024
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


@pytest.fixture
def rendered_episode(db, user, youtube_settings):
    """A rendered episode of a series with a playlist, its owner connected to (fake) YouTube."""
    import os

    from django.core.files.base import ContentFile

    from episodes.models import Episode
    from rendering.publishing.tokens import youtube_credential_save
    from streams.models import Series, Stream
    from tests.rendering.fake_youtube import REFRESH_TOKEN

    series = Series.objects.create(
        owner=user,
        name="Boss Rush",
        tags=["speedrun", "boss rush"],
        youtube_playlist_id="PLseries",
        episode_description_template="{summary}\n\nChapters:\n{chapters}\n\nPart {order} of {series}.",
    )
    stream = Stream.objects.create(owner=user, series=series, title="Friday run", language="en")
    episode = Episode.objects.create(
        owner=user,
        stream=stream,
        order=3,
        title="Boss Rush - Episode 3",
        description="We beat the last boss.",
        status=Episode.Status.RENDERED,
        tracks=[{"start": 0, "end": 60}],
    )
    episode.rendered_file.save("episode-3.mp4", ContentFile(os.urandom(4 * 256 * 1024 + 777)))
    youtube_credential_save(owner=user, refresh_token=REFRESH_TOKEN)
    return episode


@pytest.fixture
def fake_tiktok():
    from tests.rendering.fake_tiktok import FakeTikTok

    server = FakeTikTok().start()
    yield server
    server.stop()


@pytest.fixture
def tiktok_settings(settings, fake_tiktok, tmp_path):
    """The real TikTok client against the fake server; no waiting between polls or retries."""
    from tests.rendering.fake_tiktok import CLIENT_KEY, CLIENT_SECRET, MB

    settings.TIKTOK_API_BASE = fake_tiktok.url
    settings.TIKTOK_CLIENT_KEY, settings.TIKTOK_CLIENT_SECRET = CLIENT_KEY, CLIENT_SECRET
    settings.TIKTOK_APP_AUDITED = False
    settings.TIKTOK_CHUNK_SIZE = 5 * MB
    settings.TIKTOK_POLL_INTERVAL = 0.0
    settings.TIKTOK_RETRY_WAIT = 0.0
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


@pytest.fixture
def tiktok_episode(db, user, tiktok_settings):
    """An episode with a 12 MB vertical render (two chunks of 5 MB, the last holding 7), its owner connected
    to (fake) TikTok."""
    import os

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from episodes.models import Episode
    from rendering.publishing.tokens import tiktok_credential_save
    from rendering.vertical_service import episode_vertical_key
    from streams.models import Stream
    from tests.rendering.fake_tiktok import MB, REFRESH_TOKEN

    stream = Stream.objects.create(owner=user, title="Friday run", language="en")
    episode = Episode.objects.create(
        owner=user, stream=stream, order=1, title="Boss down in one hit", tracks=[{"start": 0, "end": 30}]
    )
    default_storage.save(episode_vertical_key(episode.id), ContentFile(os.urandom(12 * MB + 123)))
    tiktok_credential_save(owner=user, refresh_token=REFRESH_TOKEN)
    return episode


@pytest.fixture
def archive_settings(youtube_settings, s3_server, s3):
    """Archiving to a fresh bucket on the local S3 server."""
    _, bucket = s3
    youtube_settings.ARCHIVE_BUCKET = bucket
    youtube_settings.AWS_S3_ENDPOINT_URL = s3_server
    youtube_settings.AWS_S3_REGION_NAME = "us-east-1"
    youtube_settings.AWS_ACCESS_KEY_ID = youtube_settings.AWS_SECRET_ACCESS_KEY = "test"
    return youtube_settings


@pytest.fixture
def editor(client, user):
    """The episodes' owner logged in to the admin as a staff user allowed to change episodes."""
    from django.contrib.auth.models import Permission

    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_episode", "change_episode"]))
    client.force_login(user)
    return client
