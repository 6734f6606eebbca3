"""VOD URLs through yt-dlp, against a local HTTP server serving a generated HLS VOD (no internet)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pipeline.models import PipelineRun
from streams.models import Stream, VideoClip
from streams.services import IngestError
from streams.sources import is_url
from streams.sources.vod import stream_ingest_url
from streams.sources.vodcore import download_percent, download_stem, duration_problem, readable_error
from tests.streams.hls_server import HLSServer, make_hls

SECONDS = 6


# --- pure cores (milliseconds) ------------------------------------------------------------------------
def test_the_cores_import_without_django():
    code = "import sys, streams.sources.vodcore, streams.sources.ytdlp; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


@pytest.mark.parametrize(
    ("status", "percent"),
    [
        ({"status": "downloading", "fragment_index": 3, "fragment_count": 12}, 25.0),
        ({"status": "downloading", "downloaded_bytes": 50, "total_bytes": 200}, 25.0),
        ({"status": "downloading", "downloaded_bytes": 50, "total_bytes_estimate": 100}, 50.0),
        ({"status": "downloading", "downloaded_bytes": 50}, None),
        ({"status": "finished"}, 100.0),
    ],
)
def test_download_percent_from_fragments_else_bytes(status, percent):
    assert download_percent(status) == percent


def test_duration_problem_allows_a_frame_but_not_a_missing_stretch():
    assert duration_problem(6.0, 5.9) is None
    assert duration_problem(6.0, 6.4) is None
    assert duration_problem(None, 1.0) is None
    assert "short: 3.0 s of the 12.0 s" in duration_problem(12.0, 3.0)
    assert duration_problem(3600.0, 3570.0) is None  # 1 % of an hour
    assert duration_problem(3600.0, 3500.0) is not None


def test_download_stem_is_obs_shaped_and_keeps_the_id():
    stem = download_stem("Speedrun: any% / glitched", datetime(2026, 12, 2, 14, 30), "v123")
    assert stem == "2026-12-02 14-30-00 Speedrun_ any_ _ glitched [v123]"  # "%" would be a yt-dlp template field
    assert download_stem("", None, "x") == "video [x]"


@pytest.mark.parametrize(
    ("message", "start", "transient"),
    [
        ("ERROR: Unsupported URL: http://x/page", "unsupported URL", False),
        ("ERROR: [generic] vod: Unable to download webpage: HTTP Error 404: Not Found", "not found (HTTP 404)", False),
        ("ERROR: [twitch:vod] 123: This video is only available to subscribers", "private", False),
        ("ERROR: unable to write data: [Errno 28] No space left on device", "the disk is full", False),
        ("ERROR: fragment 3 not found: Connection reset by peer", "the connection failed", True),
        (
            "ERROR: \r[download] Got error: 14288 bytes read, 14288 more expected. Giving up after 2 retries",
            "the connection failed: Got error: 14288 bytes read",
            True,
        ),
    ],
)
def test_readable_error_names_the_cause(message, start, transient):
    text, is_transient = readable_error(message, url="http://x/page")
    assert text.startswith(start) and is_transient is transient


def test_is_url():
    assert is_url("https://www.twitch.tv/videos/1") and is_url("http://127.0.0.1:8000/vod.m3u8")
    assert not is_url("/srv/obs/2026-12-02 14-30-00.mkv") and not is_url("ftp://x/y") and not is_url("http://")


# --- the local server ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def hls_root(tmp_path_factory, ffmpeg) -> Path:
    root = tmp_path_factory.mktemp("hls")
    playlist = make_hls(ffmpeg, root, seconds=SECONDS)
    # A playlist that promises twice what its segments hold: the download comes out short.
    (root / "lies.m3u8").write_text(playlist.read_text().replace("#EXTINF:1.000000", "#EXTINF:2.000000"))
    (root / "page.html").write_text("<html><body><p>No video here.</p></body></html>")
    missing = playlist.read_text().replace("seg003.ts", "gone003.ts")
    (root / "holed.m3u8").write_text(missing)
    chat = {
        "streamer": {"name": "caster", "id": "42"},
        "comments": [
            {"_id": "c1", "content_offset_seconds": 1.5, "commenter": {"name": "fan"}, "message": {"body": "hi"}},
            {"_id": "c2", "content_offset_seconds": 4.0, "commenter": {"name": "fan"}, "message": {"body": "gg"}},
        ],
    }
    (root / "chat.json").write_text(json.dumps(chat))
    return root


@pytest.fixture
def server(hls_root):
    with HLSServer(hls_root) as running:
        yield running


@pytest.fixture(autouse=True)
def _downloads(settings, tmp_path):
    settings.INGEST_DOWNLOAD_DIR = tmp_path / "downloads"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VOD_DOWNLOAD_RETRIES = 2
    settings.VOD_SOCKET_TIMEOUT = 5.0


def _leftovers(settings) -> list[Path]:
    folder = Path(settings.INGEST_DOWNLOAD_DIR)
    return sorted(folder.rglob("*")) if folder.exists() else []


# --- ingest end to end --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_vod_url_becomes_a_stream_with_its_full_length(user, server, settings):
    seen: list[float] = []
    report = stream_ingest_url(owner=user, url=f"{server.url}/vod.m3u8", progress=seen.append, process=False)

    clip = report.added[0]
    assert clip.duration == pytest.approx(SECONDS, abs=0.2)
    assert clip.original_path == f"{server.url}/vod.m3u8"
    assert clip.file.storage.exists(clip.file.name) and clip.audio_tracks and clip.width == 160
    assert report.stream.title == "vod"
    assert seen and seen[-1] == 100.0 and seen == sorted(seen)
    run = report.run
    assert run.kind == PipelineRun.Kind.INGEST and run.status == "completed" and run.progress == 100.0
    assert run.stream_id == report.stream.id
    assert list(run.steps.order_by("position").values_list("name", "status")) == [
        ("download", "completed"),
        ("ingest", "completed"),
    ]
    assert _leftovers(settings) == []


@pytest.mark.django_db
def test_the_same_url_twice_is_ingested_once(user, other_user, server):
    url = f"{server.url}/vod.m3u8"
    first = stream_ingest_url(owner=user, url=url, process=False)
    again = stream_ingest_url(owner=user, url=url + "?", process=False)  # another spelling, one video

    assert again.added == [] and "already ingested" in again.skipped[0]
    assert again.stream == first.stream and VideoClip.objects.filter(stream__owner=user).count() == 1
    assert again.run.status == "completed"
    assert server.hits["/seg000.ts"] == 1  # nothing downloaded the second time
    # Another streamer ingesting the same video gets a stream of their own.
    theirs = stream_ingest_url(owner=other_user, url=url, process=False)
    assert theirs.stream.owner == other_user and len(theirs.added) == 1


@pytest.mark.django_db
def test_a_connection_dropped_mid_segment_is_resumed(user, server):
    server.drops["/seg002.ts"] = 1

    report = stream_ingest_url(owner=user, url=f"{server.url}/vod.m3u8", process=False)

    assert server.hits["/seg002.ts"] == 2
    assert report.added[0].duration == pytest.approx(SECONDS, abs=0.2)


@pytest.mark.django_db
def test_a_download_that_outlasts_its_retries_resumes_where_it_stopped(user, server, settings):
    server.drops["/seg003.ts"] = 3  # the first try and its 2 retries all break off
    url = f"{server.url}/vod.m3u8"
    with pytest.raises(IngestError, match="the connection failed: .*ingest the same URL again to resume"):
        stream_ingest_url(owner=user, url=url, process=False)
    assert not Stream.objects.exists() and _leftovers(settings)  # the partial download is kept

    report = stream_ingest_url(owner=user, url=url, process=False)

    assert report.added[0].duration == pytest.approx(SECONDS, abs=0.2)
    assert [server.hits[f"/seg00{n}.ts"] for n in range(SECONDS)] == [1, 1, 1, 4, 1, 1]  # 0-2 not fetched again
    assert _leftovers(settings) == []


@pytest.mark.django_db
def test_twitch_vod_chat_offered_by_the_extractor_is_imported_on_the_timeline(user, server, monkeypatch):
    from chat.models import ChatMessage
    from streams.sources import vod

    real = vod.vod_info

    def with_chat(url, **options):
        info = real(url, **options)
        return type(info)(**{**info.__dict__, "chat_url": f"{server.url}/chat.json"})

    monkeypatch.setattr(vod, "vod_info", with_chat)
    report = stream_ingest_url(owner=user, url=f"{server.url}/vod.m3u8", process=False)

    assert report.notes == ["chat: 2 message(s) imported, 0 already stored"]
    sent = list(ChatMessage.objects.filter(stream=report.stream).values_list("text", "sent_at"))
    start = report.stream.recorded_at
    assert [(text, (at - start).total_seconds()) for text, at in sent] == [("hi", 1.5), ("gg", 4.0)]


# --- bad input: a clear error and nothing stored --------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/nothing.m3u8", "not found (HTTP 404)"),
        ("/page.html", "unsupported URL"),
        ("/lies.m3u8", "the download is short: 6.0 s of the 12.0 s"),
        ("/holed.m3u8", "not found (HTTP 404)"),
    ],
)
def test_bad_urls_fail_clearly_and_leave_nothing(user, server, settings, path, message):
    with pytest.raises(IngestError) as caught:
        stream_ingest_url(owner=user, url=server.url + path, process=False)

    assert caught.value.problems[0].startswith(f"{server.url}{path}: ")
    assert message in caught.value.problems[0]
    assert not Stream.objects.exists() and not VideoClip.objects.exists()
    run = PipelineRun.objects.get()
    assert run.status == "failed" and message in run.error
    assert _leftovers(settings) == []


@pytest.mark.django_db
def test_a_video_being_downloaded_by_another_ingest_is_not_downloaded_twice(user, server, settings):
    import fcntl

    from streams.sources.vod import _download_folder
    from streams.sources.ytdlp import vod_info

    info = vod_info(f"{server.url}/vod.m3u8", ffmpeg="ffmpeg")
    folder = _download_folder(user, info)
    folder.parent.mkdir(parents=True)
    with open(folder.with_name(folder.name + ".lock"), "a") as held:  # what the other ingest holds
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(IngestError, match="being downloaded by another ingest"):
            stream_ingest_url(owner=user, url=f"{server.url}/vod.m3u8", process=False)
    assert server.hits["/seg000.ts"] == 0 and not Stream.objects.exists()


@pytest.mark.django_db
def test_a_private_video_says_so(user, server):
    server.forbidden.add("/vod.m3u8")
    with pytest.raises(IngestError, match="private or not allowed without a login"):
        stream_ingest_url(owner=user, url=f"{server.url}/vod.m3u8", process=False)
    assert not Stream.objects.exists()


@pytest.mark.django_db
def test_not_a_url_is_refused_before_any_download(user):
    with pytest.raises(IngestError, match="not an http.s. URL"):
        stream_ingest_url(owner=user, url="ftp://example.invalid/vod", process=False)


@pytest.mark.django_db
def test_a_full_disk_is_named_and_the_partial_download_removed(user, server, settings, full_disk):
    settings.INGEST_DOWNLOAD_DIR = full_disk
    with pytest.raises(IngestError, match="the disk is full"):
        stream_ingest_url(owner=user, url=f"{server.url}/vod.m3u8", process=False)
    assert not Stream.objects.exists()
    assert list(full_disk.iterdir()) == []


# --- the command and the API ----------------------------------------------------------------------------
@pytest.mark.django_db
def test_ingest_command_downloads_urls_and_names_the_failed_one(user, server, capsys):
    user.is_superuser = True
    user.save()
    with pytest.raises(CommandError, match="1 of 2 URL.s. not ingested") as caught:
        call_command("ingest", f"{server.url}/vod.m3u8", f"{server.url}/missing.m3u8", "--no-process")

    assert caught.value.returncode == 3
    out, err = capsys.readouterr()
    assert "Stream #" in out and "'vod'" in out and "Ingest run #" in out
    assert f"not ingested: {server.url}/missing.m3u8: not found (HTTP 404)" in err
    assert Stream.objects.get().clips.count() == 1


@pytest.mark.django_db
def test_ingest_command_refuses_urls_mixed_with_files(user, tmp_path):
    user.is_superuser = True
    user.save()
    with pytest.raises(CommandError, match="not both"):
        call_command("ingest", "http://127.0.0.1:9/vod.m3u8", str(tmp_path))


@pytest.mark.django_db
def test_api_queues_each_url_on_the_io_queue_and_the_task_ingests_it(
    api_client, other_client, user, server, django_capture_on_commit_callbacks
):
    from config.celery import app
    from streams.tasks import download_vod

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = api_client.post(
            "/api/streams/ingest/", {"urls": [f"{server.url}/vod.m3u8"], "title": "Imported"}, format="json"
        )
    assert response.status_code == 202, response.content
    (run_id,) = response.json()["pipeline_runs"]
    assert len(queued) == 1
    assert app.amqp.router.route({}, download_vod.name)["queue"].name == "io"

    download_vod.apply(args=[run_id, f"{server.url}/vod.m3u8"], kwargs={"title": "Imported", "process": False})

    run = PipelineRun.objects.get(id=run_id)
    assert run.status == "completed" and run.stream.title == "Imported" and run.stream.owner == user
    assert other_client.get(f"/api/pipeline-runs/{run_id}/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"urls": ["file:///etc/passwd"]}, "not an http(s) URL"),
        ({"urls": ["http://x/v.m3u8"], "paths": ["/tmp"]}, "not both"),
        ({"urls": "http://x/v.m3u8"}, "list"),
    ],
)
def test_api_refuses_bad_urls_with_400(api_client, body, error):
    response = api_client.post("/api/streams/ingest/", body, format="json")
    assert response.status_code == 400 and error in json.dumps(response.json())
    assert not PipelineRun.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_io_worker_downloads_the_url_the_api_queued(api_client, user, server, tmp_path):
    """A real worker consuming only the ``io`` queue takes the download: routing and task, end to end."""
    import time

    from config.celery import app
    from tests.conftest import sole_worker

    env = {"INGEST_DOWNLOAD_DIR": str(tmp_path / "worker-downloads"), "MEDIA_ROOT": str(tmp_path / "worker-media")}
    with sole_worker(queues="io", name="io-download", extra_env=env):
        response = api_client.post("/api/streams/ingest/", {"urls": [f"{server.url}/vod.m3u8"]}, format="json")
        assert response.status_code == 202, response.content
        (run_id,) = response.json()["pipeline_runs"]
        deadline = time.monotonic() + 120  # a bound on waiting, not a timing assertion
        while not PipelineRun.objects.get(id=run_id).is_finished and time.monotonic() < deadline:
            time.sleep(0.5)
    app.control.purge()  # the analysis run the ingest queued has no cpu worker here

    run = PipelineRun.objects.get(id=run_id)
    assert run.status == "completed", run.error
    assert run.stream.owner == user and run.stream.clips.get().duration == pytest.approx(SECONDS, abs=0.2)
    assert api_client.get(f"/api/pipeline-runs/{run_id}/").json()["progress"] == 100.0
