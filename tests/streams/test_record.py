"""Live recording with streamlink against a local HLS server whose playlist grows (no internet)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command

from streams.models import Stream
from streams.sources.channels import Channel, parse_channel
from streams.sources.livecore import PartPlan, SegmentMark, ad_note, part_name, part_start, unique_name
from tests.streams.hls_server import HLSServer, LivePlaylist, make_hls, segment_lines

SECONDS = 8  # eight 1-second segments
PART_MINUTES = "0.05"  # 3-second parts: 3 + 3 + 2


# --- pure cores (milliseconds) ------------------------------------------------------------------------
def test_the_cores_import_without_django():
    modules = "streams.sources.livecore, streams.sources.recorder, streams.sources.channels"
    code = f"import sys, {modules}; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


def test_part_names_are_obs_shaped_and_never_clash():
    assert part_name(datetime(2026, 12, 2, 14, 30, 0, 750000)) == "2026-12-02 14-30-00.ts"
    assert unique_name("2026-12-02 14-30-00.ts", set()) == "2026-12-02 14-30-00.ts"
    taken = {"2026-12-02 14-30-00.ts", "2026-12-02 14-30-00 (2).ts"}
    assert unique_name("2026-12-02 14-30-00.ts", taken) == "2026-12-02 14-30-00 (3).ts"


def test_a_part_ends_at_the_first_segment_boundary_past_its_length():
    plan = PartPlan(part_seconds=4.0)
    for end in (100, 200, 300, 400, 500):
        plan.add(SegmentMark(end_byte=end, duration=1.5))
    assert [part.start_byte for part in plan.parts] == [0, 300]  # 4.5 s, then the rest
    assert [part.seconds for part in plan.parts] == [4.5, 3.0]
    assert plan.index_at(299) == 0 and plan.index_at(300) == 1
    assert plan.boundary_after(0) == 300 and plan.boundary_after(300) is None


def test_ads_discontinuities_and_lost_segments_are_noted_where_they_happen():
    plan = PartPlan(part_seconds=60)
    plan.add(SegmentMark(end_byte=10, duration=2.0))
    plan.add(SegmentMark(end_byte=10, duration=2.0, ad=True, discontinuity=True))
    plan.add(SegmentMark(end_byte=10, duration=2.0, ad=True))
    plan.add(SegmentMark(end_byte=20, duration=2.0, discontinuity=True))  # back from the ad: not noted again
    plan.add(SegmentMark(end_byte=30, duration=2.0, discontinuity=True))
    plan.add(SegmentMark(end_byte=30, duration=2.0, lost=True))
    assert ad_note(plan.parts[0]) == [
        "ad break at 0:00:02",
        "discontinuity at 0:00:04: the stream's timestamps jump here",
        "2.0 s lost at 0:00:06: a segment could not be fetched",
        "4 s of ads filtered out (not in the recording)",
    ]
    assert plan.parts[0].seconds == 6.0


def test_a_part_starts_at_its_playlist_date_else_where_the_one_before_ended():
    plan = PartPlan(part_seconds=2)
    captured = datetime(2026, 12, 2, 14, 30, 0, 500000, tzinfo=UTC)
    plan.add(SegmentMark(end_byte=1, duration=2.0, date=captured))
    plan.add(SegmentMark(end_byte=2, duration=2.0))
    arrived = datetime(2026, 12, 2, 14, 30, 9, tzinfo=UTC)
    first = part_start(plan.parts[0], None, arrived)
    assert first == captured
    assert part_start(plan.parts[1], (first, 2.0), arrived) == captured + timedelta(seconds=2)
    assert part_start(plan.parts[1], None, arrived) == arrived


@pytest.mark.parametrize(
    ("value", "channel"),
    [
        ("twitch:Caster", Channel("twitch", "caster")),
        ("kick:some-slug", Channel("kick", "some-slug")),
        ("https://www.twitch.tv/caster/videos", Channel("twitch", "caster")),
        ("https://kick.com/kicker", Channel("kick", "kicker")),
    ],
)
def test_parse_channel(value, channel):
    assert parse_channel(value) == channel


@pytest.mark.parametrize("value", ["youtube:x", "twitch:", "caster", "https://example.com/caster", "twitch:a b"])
def test_parse_channel_refuses_what_it_cannot_watch(value):
    with pytest.raises(ValueError, match="expected twitch:LOGIN"):
        parse_channel(value)


# --- the live server ----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def live_root(tmp_path_factory, ffmpeg) -> Path:
    root = tmp_path_factory.mktemp("live")
    make_hls(ffmpeg, root, seconds=SECONDS)
    for index in range(2):  # ad segments: streamlink filters them by name (LIVE_FILTER_SEGMENT_NAMES)
        shutil.copy(root / f"seg00{index}.ts", root / f"ad00{index}.ts")
    return root


@pytest.fixture
def server(live_root):
    with HLSServer(live_root) as running:
        yield running


@pytest.fixture(autouse=True)
def _recording(settings, tmp_path):
    settings.LIVE_RECORD_DIR = tmp_path / "recordings"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LIVE_HLS_LIVE_EDGE = 99  # from the first segment the playlist shows: every second is recorded
    settings.LIVE_STREAM_TIMEOUT = 20.0


def go_live(server: HLSServer, path: str, live_root: Path, **options) -> LivePlaylist:
    """A live playlist at ``path`` that starts with two segments and grows to all of them, then ends."""
    segments = [(seconds, f"/{uri}") for seconds, uri in segment_lines(live_root / "vod.m3u8")]
    playlist = LivePlaylist(segments, **options)
    server.routes[path] = playlist.serve
    playlist.shown = playlist.start_with
    threading.Thread(target=playlist.grow, daemon=True).start()
    return playlist


@pytest.fixture
def superuser(user):
    user.is_superuser = True
    user.save()
    return user


# --- manage.py record URL -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_record_writes_timed_parts_and_ingests_them_as_clips_of_one_stream(
    superuser, server, live_root, settings, capsys
):
    captured = datetime(2026, 12, 2, 14, 30, 0, 250000, tzinfo=UTC)
    go_live(server, "/live.m3u8", live_root, discontinuity_before={4}, start_date=captured)

    call_command("record", f"hls://{server.url}/live.m3u8", "--part-minutes", PART_MINUTES, "--no-process")

    stream = Stream.objects.get()
    clips = list(stream.clips.order_by("order"))
    assert [clip.original_name for clip in clips] == [
        "2026-12-02 14-30-00.ts",
        "2026-12-02 14-30-03.ts",
        "2026-12-02 14-30-06.ts",
    ]
    assert [clip.duration for clip in clips] == pytest.approx([3, 3, 2], abs=0.15)
    assert [clip.start_time for clip in clips] == pytest.approx([0, 3, 6], abs=0.15)
    # Each clip starts when its first frame was captured: chat stamped by EventSub lands on the right second.
    assert [clip.recorded_at for clip in clips] == [captured + timedelta(seconds=s) for s in (0, 3, 6)]
    assert stream.recorded_at == captured
    out = capsys.readouterr().out
    # Chat captured live through EventSub (stamped with Twitch's send time) lands on the recorded second.
    from chat.models import ChatMessage
    from chat.selectors import stream_chat_activity, stream_chat_messages

    for message_id, seconds in (("before", -5.0), ("during", 4.5)):
        ChatMessage.objects.create(
            owner=superuser, twitch_message_id=message_id, broadcaster_user_id="1", text="hype",
            chatter_login="fan", sent_at=captured + timedelta(seconds=seconds),
        )  # fmt: skip
    assert list(stream_chat_messages(stream).values_list("twitch_message_id", flat=True)) == ["during"]
    activity = stream_chat_activity(stream, window=1.0)
    assert [window.start for window in activity if window.messages] == [4.0]
    assert "2026-12-02 14-30-03.ts" in out and "note: 2026-12-02 14-30-03.ts: discontinuity at 0:00:01" in out
    assert f"Stream #{stream.id}" in out and "3 part(s) recorded" in out
    assert not any(Path(settings.LIVE_RECORD_DIR).rglob("*.ts"))  # each clip holds its part now


@pytest.mark.django_db
def test_ad_breaks_are_filtered_and_noted(superuser, server, live_root, settings, capsys):
    settings.LIVE_FILTER_SEGMENT_NAMES = ["/ad0"]
    playlist = go_live(server, "/live.m3u8", live_root, discontinuity_before={2, 4})
    playlist.segments[2:2] = [(1.0, "/ad000.ts"), (1.0, "/ad001.ts")]

    call_command("record", f"hls://{server.url}/live.m3u8", "--part-minutes", "1", "--no-process")

    stream = Stream.objects.get()
    assert stream.duration == pytest.approx(SECONDS, abs=0.15)  # the ads are not in the recording
    assert server.hits["/ad000.ts"] == 1  # fetched, then discarded
    out = capsys.readouterr().out
    assert "ad break at 0:00:02" in out and "2 s of ads filtered out" in out


@pytest.mark.django_db
def test_a_segment_that_never_comes_is_noted_as_lost(superuser, server, live_root, capsys):
    playlist = go_live(server, "/live.m3u8", live_root)
    playlist.segments[3:3] = [(1.0, "/gone.ts")]  # 404 on every attempt

    call_command("record", f"hls://{server.url}/live.m3u8", "--part-minutes", "1", "--no-process")

    assert server.hits["/gone.ts"] >= 1
    assert Stream.objects.get().duration == pytest.approx(SECONDS, abs=0.15)
    assert "1.0 s lost at 0:00:03: a segment could not be fetched" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/page.html", "unsupported URL: streamlink knows no live stream"),
        ("hls:/offline.m3u8", "offline.m3u8: no live stream there .HTTP 404"),
    ],
)
def test_record_refuses_what_it_cannot_record(superuser, server, path, message):
    url = f"hls://{server.url}{path[4:]}" if path.startswith("hls:") else f"{server.url}{path}"
    with pytest.raises(CommandError, match=message):
        call_command("record", url, "--no-process")
    assert not Stream.objects.exists()


@pytest.mark.django_db
def test_record_needs_a_url_or_the_monitor(superuser):
    with pytest.raises(CommandError, match="give the URL of a live stream"):
        call_command("record")
    with pytest.raises(CommandError, match="expected twitch:LOGIN"):
        call_command("record", "--monitor", "--channel", "youtube:nope", "--once")


# --- the monitor: Twitch Helix and Kick's public API, spoken by the local server --------------------------
def fake_platforms(server: HLSServer, *, twitch_live: set[str], kick_live: bool, secret: str = "s3cret") -> list[dict]:
    """Twitch's token + Helix streams and Kick's token + channels, as documented; returns the requests seen."""
    seen: list[dict] = []

    def token(request):
        form = parse_qs(request.body.decode())
        seen.append({"path": request.path, "form": form})
        if form.get("grant_type") != ["client_credentials"] or form.get("client_secret") != [secret]:
            return 400, "application/json", json.dumps({"status": 400, "message": "invalid client secret"}).encode()
        body = {"access_token": "app-token", "expires_in": 5000000, "token_type": "bearer"}
        return 200, "application/json", json.dumps(body).encode()

    def helix_streams(request):
        query = parse_qs(urlsplit(request.path).query)
        seen.append({"path": "/helix/streams", "query": query, "auth": request.headers["Authorization"],
                     "client": request.headers["Client-Id"]})  # fmt: skip
        live = {"id": "4001", "user_login": query["user_login"][0], "type": "live", "title": "Building things",
                "started_at": "2026-12-02T14:00:00Z"}  # fmt: skip
        data = [live] if live["user_login"] in twitch_live else []
        return 200, "application/json", json.dumps({"data": data, "pagination": {}}).encode()

    def kick_channels(request):
        query = parse_qs(urlsplit(request.path).query)
        seen.append({"path": "/kick/channels", "query": query, "auth": request.headers["Authorization"]})
        stream = {"is_live": kick_live, "start_time": "2026-12-02T15:00:00Z" if kick_live else "0001-01-01T00:00:00Z"}
        channel = {"slug": query["slug"][0], "broadcaster_user_id": 7, "stream": stream, "stream_title": "Kick it"}
        return 200, "application/json", json.dumps({"data": [channel], "message": "OK"}).encode()

    server.routes.update(
        {
            "/oauth2/token": token,
            "/helix/streams": helix_streams,
            "/kick/oauth/token": token,
            "/kick/public/v1/channels": kick_channels,
        }
    )
    return seen


@pytest.fixture
def platforms(settings, server):
    settings.TWITCH_CLIENT_ID, settings.TWITCH_CLIENT_SECRET = "twitch-id", "s3cret"
    settings.TWITCH_API_URL, settings.TWITCH_AUTH_URL = f"{server.url}/helix", f"{server.url}/oauth2/token"
    settings.KICK_CLIENT_ID, settings.KICK_CLIENT_SECRET = "kick-id", "s3cret"
    settings.KICK_API_URL, settings.KICK_AUTH_URL = f"{server.url}/kick/public/v1", f"{server.url}/kick/oauth/token"
    settings.LIVE_TWITCH_URL = f"hls://{server.url}/twitch/{{login}}.m3u8"
    settings.LIVE_KICK_URL = f"hls://{server.url}/kick/{{login}}.m3u8"
    settings.TIME_ZONE = "UTC"
    return settings


@pytest.mark.django_db(transaction=True)  # each channel records in a thread of its own, on its own connection
def test_the_monitor_records_each_channel_that_is_live(superuser, server, live_root, platforms, capsys):
    seen = fake_platforms(server, twitch_live={"caster"}, kick_live=True)
    go_live(server, "/twitch/caster.m3u8", live_root)
    go_live(server, "/kick/kicker.m3u8", live_root)
    go_live(server, "/twitch/sleeper.m3u8", live_root)  # would record, but Helix says it is offline
    call_command(
        "record", "--monitor", "--channel", "twitch:caster", "--channel", "kick:kicker", "--channel",
        "twitch:sleeper", "--once", "--no-process",
    )  # fmt: skip

    streams = {stream.title: stream for stream in Stream.objects.filter(owner=superuser)}
    assert set(streams) == {"caster live 2026-12-02 14:00", "kicker live 2026-12-02 15:00"}
    assert all(stream.duration == pytest.approx(SECONDS, abs=0.15) for stream in streams.values())
    helix_calls = [call for call in seen if call["path"] == "/helix/streams"]
    assert helix_calls[0]["auth"] == "Bearer app-token" and helix_calls[0]["client"] == "twitch-id"
    assert {call["query"]["user_login"][0] for call in helix_calls} == {"caster", "sleeper"}
    kick_calls = [call for call in seen if call["path"] == "/kick/channels"]
    assert kick_calls[0]["query"] == {"slug": ["kicker"]} and kick_calls[0]["auth"] == "Bearer app-token"
    out = capsys.readouterr().out
    assert "twitch:caster is live (Building things)" in out and "kick:kicker: broadcast over, 1 part(s)" in out
    assert server.hits["/twitch/sleeper.m3u8"] == 0


@pytest.mark.django_db
def test_the_monitor_names_a_platform_it_cannot_ask(superuser, server, platforms, capsys):
    fake_platforms(server, twitch_live={"caster"}, kick_live=False, secret="another")
    call_command("record", "--monitor", "--channel", "twitch:caster", "--channel", "kick:kicker", "--once")

    out = capsys.readouterr().out
    assert "cannot check twitch:caster: Twitch API answered 400: invalid client secret" in out
    assert "cannot check kick:kicker: Kick API answered 400: invalid client secret" in out
    assert not Stream.objects.exists()


@pytest.mark.django_db
def test_a_full_disk_stops_the_recording_with_a_clear_error_and_keeps_what_was_recorded(
    superuser, server, live_root, settings, full_disk
):
    settings.LIVE_RECORD_DIR = full_disk
    go_live(server, "/live.m3u8", live_root)

    with pytest.raises(CommandError, match="the disk is full"):
        call_command("record", f"hls://{server.url}/live.m3u8", "--part-minutes", "1", "--no-process")

    clip = Stream.objects.get().clips.get()  # what fitted before the disk filled
    assert 0 < clip.duration < SECONDS
    assert list(full_disk.rglob("*.partial")) == [] and list(full_disk.rglob("*.ts")) == []
