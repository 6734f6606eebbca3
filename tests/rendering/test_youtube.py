"""The real upload client against a local server speaking YouTube's resumable protocol."""

import io
import os
from datetime import UTC, datetime

import pytest

from rendering.publishing.youtube import (
    CHUNK_QUANTUM,
    SessionExpired,
    Throttled,
    YouTubeClient,
    YouTubeError,
    authorized_session,
    metadata_json,
    next_offset,
    retry_after_seconds,
    seconds_until_quota_reset,
)
from tests.rendering.fake_youtube import REFRESH_TOKEN

VIDEO = os.urandom(4 * CHUNK_QUANTUM + 1000)  # five chunks: four full, one short
METADATA = metadata_json(
    title="Boss rush - Episode 3",
    description="0:00 Intro",
    tags=["speedrun"],
    category_id="20",
    privacy_status="private",
    language="en",
)


def make_client(fake, *, refresh_token=REFRESH_TOKEN, **options) -> YouTubeClient:
    session = authorized_session(
        refresh_token=refresh_token, client_id="client", client_secret="secret", token_uri=fake.token_uri
    )
    options = {"chunk_size": CHUNK_QUANTUM, "sleep": lambda _: None, **options}
    return YouTubeClient(session, api_url=fake.url, **options)


def upload(client, data=VIDEO, progress=None):
    url = client.start_upload(metadata=METADATA, total_bytes=len(data), content_type="video/mp4")
    return url, client.upload(url, io.BytesIO(data), total_bytes=len(data), progress=progress)


@pytest.mark.parametrize(
    ("header", "offset"), [(None, 0), ("", 0), ("bytes=0-0", 1), ("bytes=0-262143", 262144), (" bytes=0-9 ", 10)]
)
def test_a_308_range_confirms_up_to_n_so_the_next_byte_is_n_plus_one(header, offset):
    assert next_offset(header) == offset


def test_an_unexpected_range_is_an_error_not_a_guess():
    with pytest.raises(YouTubeError, match="Range"):
        next_offset("bytes=5-10")


def test_retry_after_reads_seconds_and_http_dates():
    now = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now=now) == 120
    assert retry_after_seconds("Sun, 01 Mar 2026 12:01:30 GMT", now=now) == 90
    assert retry_after_seconds("soon", now=now) is None
    assert retry_after_seconds(None, now=now) is None


def test_quota_waits_until_midnight_pacific():
    # 07:00 UTC on 1 March is 23:00 the day before in Los Angeles (PST, UTC-8): one hour to go.
    assert seconds_until_quota_reset(datetime(2026, 3, 1, 7, 0, tzinfo=UTC)) == 3600


def test_chunk_size_must_be_a_multiple_of_256_kib(fake_youtube):
    with pytest.raises(ValueError, match="multiple of 262144"):
        make_client(fake_youtube, chunk_size=1000)


def test_clean_upload_sends_every_byte_once_in_order(fake_youtube):
    seen = []
    _, video_id = upload(make_client(fake_youtube), progress=lambda done, total: seen.append(done))

    stored = fake_youtube.videos[video_id]
    assert bytes(stored.data) == VIDEO
    assert stored.metadata == METADATA and stored.content_type == "video/mp4"
    assert fake_youtube.chunk_ranges()[0] == f"bytes 0-{CHUNK_QUANTUM - 1}/{len(VIDEO)}"
    assert len(fake_youtube.chunk_ranges()) == 5
    assert seen == [CHUNK_QUANTUM, 2 * CHUNK_QUANTUM, 3 * CHUNK_QUANTUM, 4 * CHUNK_QUANTUM, len(VIDEO)]
    assert fake_youtube.tokens_issued == 1  # one refresh, then the access token is reused


def test_a_308_with_a_partial_range_resumes_from_the_confirmed_byte_not_the_sent_one(fake_youtube):
    fake_youtube.fail("chunk", "partial", keep=1000)
    _, video_id = upload(make_client(fake_youtube))

    assert bytes(fake_youtube.videos[video_id].data) == VIDEO
    # The server kept bytes 0..999 of the first chunk and said "bytes=0-999": the next chunk starts at 1000.
    assert fake_youtube.chunk_ranges()[1].startswith("bytes 1000-")


def test_a_dropped_connection_asks_the_server_and_resumes_where_it_stopped(fake_youtube):
    fake_youtube.fail("chunk", "drop", keep=5000)  # the first chunk's connection dies after 5000 bytes
    _, video_id = upload(make_client(fake_youtube))

    assert bytes(fake_youtube.videos[video_id].data) == VIDEO
    status_queries = [s for s in fake_youtube.log if s.content_range == f"bytes */{len(VIDEO)}"]
    assert [s.status for s in status_queries] == [308]
    assert fake_youtube.chunk_ranges()[1].startswith("bytes 5000-")


def test_5xx_answers_are_retried_from_the_confirmed_offset(fake_youtube):
    fake_youtube.fail("chunk", "503")
    fake_youtube.fail("status", "503")
    _, video_id = upload(make_client(fake_youtube))
    assert bytes(fake_youtube.videos[video_id].data) == VIDEO


def test_a_server_that_keeps_failing_turns_into_a_throttle(fake_youtube):
    for _ in range(10):
        fake_youtube.fail("chunk", "503")
        fake_youtube.fail("status", "503")
    with pytest.raises(Throttled, match="interrupted 3 times"):
        upload(make_client(fake_youtube, max_retries=2))


def test_429_stops_with_the_servers_retry_after_and_a_later_client_resumes_from_the_confirmed_byte(fake_youtube):
    client = make_client(fake_youtube)
    url = client.start_upload(metadata=METADATA, total_bytes=len(VIDEO))
    fake_youtube.fail("chunk", "429", retry_after="42", skip=2)
    confirmed = []
    with pytest.raises(Throttled) as throttled:
        client.upload(url, io.BytesIO(VIDEO), total_bytes=len(VIDEO), progress=lambda done, _: confirmed.append(done))
    assert throttled.value.retry_after == 42
    assert confirmed[-1] == 2 * CHUNK_QUANTUM

    # Later, in another process: ask where the session stands and carry on from there.
    later = make_client(fake_youtube)
    offset = later.query_offset(url, total_bytes=len(VIDEO))
    assert offset == 2 * CHUNK_QUANTUM
    video_id = later.upload(url, io.BytesIO(VIDEO), total_bytes=len(VIDEO), offset=offset)
    assert bytes(fake_youtube.videos[video_id].data) == VIDEO
    assert fake_youtube.chunk_ranges()[2] == fake_youtube.chunk_ranges()[3]  # the refused chunk, sent again


def test_quota_exceeded_waits_for_the_quota_reset(fake_youtube):
    fake_youtube.fail("init", "quota")
    with pytest.raises(Throttled, match="quotaExceeded") as throttled:
        upload(make_client(fake_youtube))
    assert 0 < throttled.value.retry_after <= 25 * 3600


def test_a_revoked_refresh_token_is_a_clear_error_that_never_shows_the_token(fake_youtube):
    with pytest.raises(YouTubeError, match="reconnect the account") as error:
        upload(make_client(fake_youtube, refresh_token="1//revoked-secret"))
    assert "revoked-secret" not in str(error.value)


def test_an_expired_session_says_so(fake_youtube):
    client = make_client(fake_youtube)
    url = client.start_upload(metadata=METADATA, total_bytes=len(VIDEO))
    fake_youtube.sessions.clear()
    with pytest.raises(SessionExpired):
        client.upload(url, io.BytesIO(VIDEO), total_bytes=len(VIDEO))


def test_an_upload_that_already_finished_reports_its_video_when_asked(fake_youtube):
    client = make_client(fake_youtube)
    url, video_id = upload(client)
    assert client.query_offset(url, total_bytes=len(VIDEO)) == video_id


def test_bad_metadata_is_refused_with_youtubes_reason(fake_youtube):
    client = make_client(fake_youtube)
    with pytest.raises(YouTubeError, match="invalidMetadata"):
        client.start_upload(metadata={"snippet": {}}, total_bytes=10)


def test_playlist_insert(fake_youtube):
    client = make_client(fake_youtube)
    _, video_id = upload(client)
    item = client.add_to_playlist(playlist_id="PLseries", video_id=video_id)
    assert item == "PLI-PLseries-1" and fake_youtube.playlists["PLseries"] == [video_id]
    with pytest.raises(YouTubeError, match="playlistNotFound"):
        client.add_to_playlist(playlist_id="PLgone", video_id=video_id)
    fake_youtube.fail("playlist", "429", retry_after="30")
    with pytest.raises(Throttled):
        client.add_to_playlist(playlist_id="PLseries", video_id=video_id)


def test_5xx_when_opening_the_session_or_asking_its_status_is_retried_then_becomes_a_throttle(fake_youtube):
    fake_youtube.fail("init", "503")
    client = make_client(fake_youtube, max_retries=2)
    url, video_id = upload(client)
    assert bytes(fake_youtube.videos[video_id].data) == VIDEO

    for _ in range(3):
        fake_youtube.fail("status", "503")
    with pytest.raises(Throttled, match="interrupted 3 times"):
        client.query_offset(url, total_bytes=len(VIDEO))


def test_a_5xx_asking_for_a_long_wait_is_handed_back_instead_of_sleeping_in_the_worker(fake_youtube):
    slept = []
    client = make_client(fake_youtube, sleep=slept.append)
    fake_youtube.fail("init", "503", retry_after="600")
    with pytest.raises(Throttled) as throttled:
        upload(client)
    assert throttled.value.retry_after == 600 and slept == []
