"""Ingest from an S3 prefix against a real S3-protocol server (moto in server mode): probe over signed URLs,
fetch on the io queue's task, idempotent by bucket/key/ETag, a clear error for each bad input."""

import io
import uuid

import pytest
import requests
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from pipeline.models import PipelineRun
from streams.models import Stream, VideoClip
from streams.s3_ingest import remote_clips_fetch, s3_client, stream_ingest_s3
from streams.services import IngestError

pytestmark = pytest.mark.django_db


@pytest.fixture
def s3(settings, s3_server):
    """S3 settings pointing at the local server, and a fresh bucket."""
    settings.S3_ENDPOINT_URL = s3_server
    settings.S3_REGION_NAME = "us-east-1"
    settings.S3_ACCESS_KEY_ID = settings.S3_SECRET_ACCESS_KEY = "test"
    settings.S3_ADDRESSING_STYLE = "path"
    client = s3_client()
    bucket = f"vods-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    return client, bucket


@pytest.fixture
def recordings(s3, make_video, ffmpeg, tmp_path):
    """Under vods/: two OBS MP4s (index at the end, as OBS writes them) and an MKV; a text file; one outside."""
    client, bucket = s3
    mp4 = make_video("s3-src.mp4", seconds=2).read_bytes()
    mkv = tmp_path / "part.mkv"
    import subprocess

    subprocess.run(
        [ffmpeg, "-v", "error", "-i", str(make_video("s3-src.mp4", seconds=2)), "-c", "copy", str(mkv)], check=True
    )
    objects = {
        "vods/2024-05-01 20-00-00.mp4": mp4,
        "vods/2024-05-01 20-00-03.mkv": mkv.read_bytes(),
        "vods/day2/2024-05-02 20-00-00.mp4": mp4,
        "vods/notes.txt": b"setlist",
        "elsewhere/2024-05-01 19-00-00.mp4": mp4,
    }
    for key, body in objects.items():
        client.put_object(Bucket=bucket, Key=key, Body=body)
    return client, bucket, objects


def test_prefix_becomes_one_stream_probed_without_fetching_then_fetched_by_the_task(user, recordings):
    client, bucket, objects = recordings

    report = stream_ingest_s3(owner=user, url=f"s3://{bucket}/vods/")

    clips = list(report.stream.clips.order_by("order"))
    assert [c.original_name for c in clips] == [
        "2024-05-01 20-00-00.mp4",
        "2024-05-01 20-00-03.mkv",
        "2024-05-02 20-00-00.mp4",
    ]
    assert [c.duration for c in clips] == pytest.approx([2.0, 2.0, 2.0], abs=0.1)
    assert clips[1].source_url == f"s3://{bucket}/vods/2024-05-01 20-00-03.mkv" and clips[1].source_etag
    assert clips[0].width == 320 and clips[0].audio_tracks[0]["codec"] == "aac"
    assert not any(default_storage.exists(c.file.name) for c in clips)  # probed, not fetched
    assert report.skipped == [f"s3://{bucket}/vods/notes.txt: not a media file type (.txt)"]
    assert report.run.status == "ingesting"
    assert list(report.run.steps.values_list("name", "status")) == [("fetch", "queued")] * 3

    run = remote_clips_fetch(run_id=report.run.id)

    assert run.status == "completed" and run.progress == 100.0
    for clip in clips:
        with default_storage.open(clip.file.name, "rb") as stored:
            assert stored.read() == objects[clip.source_url.split("/", 3)[3]]
    processing = PipelineRun.objects.get(stream=report.stream, kind=PipelineRun.Kind.PROCESS)
    assert set(processing.steps.exclude(clip=None).values_list("clip_id", flat=True)) == {c.id for c in clips}


def test_ingesting_the_prefix_again_adds_only_new_or_changed_objects(user, recordings):
    client, bucket, objects = recordings
    first = stream_ingest_s3(owner=user, url=f"s3://{bucket}/vods")
    remote_clips_fetch(run_id=first.run.id)

    again = stream_ingest_s3(owner=user, url=f"s3://{bucket}/vods")

    assert again.added == [] and again.run.status == "completed" and again.stream == first.stream
    assert sum("already ingested" in line for line in again.skipped) == 3
    assert VideoClip.objects.filter(stream__owner=user).count() == 3

    client.put_object(Bucket=bucket, Key="vods/2024-05-01 20-00-06.mp4", Body=objects["vods/2024-05-01 20-00-00.mp4"])
    client.put_object(Bucket=bucket, Key="vods/2024-05-01 20-00-00.mp4", Body=objects["vods/2024-05-01 20-00-03.mkv"])
    third = stream_ingest_s3(owner=user, url=f"s3://{bucket}/vods")

    assert third.stream == first.stream  # a re-sync continues the same stream
    assert sorted(c.original_name for c in third.added) == ["2024-05-01 20-00-00.mp4", "2024-05-01 20-00-06.mp4"]
    assert Stream.objects.filter(owner=user).count() == 1


def test_bad_objects_are_named_each_and_good_ones_still_go_in(user, recordings):
    client, bucket, objects = recordings
    client.put_object(Bucket=bucket, Key="vods/2024-05-01 21-00-00.mp4", Body=b"")
    client.put_object(Bucket=bucket, Key="vods/2024-05-01 21-00-05.mp4", Body=b"<html>not a video</html>")
    good = objects["vods/2024-05-01 20-00-00.mp4"]
    client.put_object(Bucket=bucket, Key="vods/2024-05-01 21-00-10.mp4", Body=good[: len(good) // 3])

    report = stream_ingest_s3(owner=user, url=f"s3://{bucket}/vods/")

    assert len(report.added) == 3 and report.partial
    problems = "\n".join(report.problems)
    assert f"s3://{bucket}/vods/2024-05-01 21-00-00.mp4: is empty (0 bytes)" in problems
    assert f"s3://{bucket}/vods/2024-05-01 21-00-05.mp4: is not a media file ffmpeg can read" in problems
    assert f"s3://{bucket}/vods/2024-05-01 21-00-10.mp4: is a truncated MP4" in problems


def test_an_object_that_vanishes_before_its_fetch_leaves_no_clip_and_no_empty_stream(user, s3, make_video):
    client, bucket = s3
    client.put_object(Bucket=bucket, Key="one/2024-05-01 20-00-00.mp4", Body=make_video("s3-src.mp4").read_bytes())
    report = stream_ingest_s3(owner=user, url=f"s3://{bucket}/one/")
    client.delete_object(Bucket=bucket, Key="one/2024-05-01 20-00-00.mp4")

    run = remote_clips_fetch(run_id=report.run.id)

    assert run.status == "failed" and "no such object" in run.error
    assert not Stream.objects.filter(owner=user).exists() and not VideoClip.objects.exists()
    assert run.steps.get().error.endswith("no such object")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("s3:/bucket/x", "no bucket name"),
        ("s3://Bad_Bucket/x", "'Bad_Bucket' is not a valid bucket name"),
        ("s3://bucket/x?versionId=1", "no ?query or #fragment"),
        ("s3:///prefix", "no bucket name"),
    ],
)
def test_malformed_urls_are_refused(user, s3, url, message):
    with pytest.raises(IngestError, match=message.replace("?", r"\?")):
        stream_ingest_s3(owner=user, url=url)


def test_missing_bucket_empty_prefix_and_no_media_are_each_explained(user, s3):
    client, bucket = s3
    with pytest.raises(IngestError, match="no-such-bucket-here/vods/: no such bucket"):
        stream_ingest_s3(owner=user, url="s3://no-such-bucket-here/vods/")
    with pytest.raises(IngestError, match=r"/empty/: nothing with a media extension"):
        stream_ingest_s3(owner=user, url=f"s3://{bucket}/empty/")
    client.put_object(Bucket=bucket, Key="docs/readme.txt", Body=b"hi")
    with pytest.raises(IngestError, match=r"/docs/: 1 object\(s\), none with a media extension"):
        stream_ingest_s3(owner=user, url=f"s3://{bucket}/docs/")
    assert not Stream.objects.exists() and not PipelineRun.objects.exists()


def test_access_denied_is_explained(user, s3, s3_server):
    client, bucket = s3
    previous = requests.post(f"{s3_server}/moto-api/reset-auth", data=b"0", timeout=10).json()
    try:
        with pytest.raises(IngestError, match="access denied"):
            stream_ingest_s3(owner=user, url=f"s3://{bucket}/vods/")
    finally:
        count = str(previous["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"]).encode()
        requests.post(f"{s3_server}/moto-api/reset-auth", data=count, timeout=10)
    assert not Stream.objects.exists()


def test_the_command_ingests_a_prefix_and_fails_clearly(user, recordings):
    client, bucket, _ = recordings
    out = io.StringIO()
    call_command("ingest", f"s3://{bucket}/vods/", "--user", user.username, "--no-process", stdout=out)
    assert "Fetching 3 object(s) on the io queue" in out.getvalue()
    assert "skipped s3://" in out.getvalue() and "notes.txt: not a media file type" in out.getvalue()

    with pytest.raises(CommandError, match="no such bucket") as failure:
        call_command("ingest", "s3://nope-bucket/x", "--user", user.username)
    assert failure.value.returncode == 1
    with pytest.raises(CommandError, match="ingested alone"):
        call_command("ingest", f"s3://{bucket}/vods/", "/tmp", "--user", user.username)


def test_the_api_takes_an_s3_source_for_allowed_buckets_only(user, api_client, recordings, settings):
    client, bucket, _ = recordings
    url = "/api/streams/ingest/"

    refused = api_client.post(url, {"paths": [f"s3://{bucket}/vods/"]}, format="json")
    assert refused.status_code == 400 and "S3_INGEST_ALLOWED_BUCKETS" in str(refused.json())

    settings.S3_INGEST_ALLOWED_BUCKETS = [bucket]
    answer = api_client.post(url, {"paths": [f"s3://{bucket}/vods/"], "title": "From the bucket"}, format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["pipeline_run_status"] == "ingesting" and len(body["added"]) == 3
    assert body["stream"]["title"] == "From the bucket"

    bad = api_client.post(url, {"paths": [f"s3://{bucket}/nothing-here/"]}, format="json")
    assert bad.status_code == 400 and "nothing with a media extension" in str(bad.json())
    malformed = api_client.post(url, {"paths": ["s3://Not_A_Bucket/x"]}, format="json")
    assert malformed.status_code == 400 and "'Not_A_Bucket' is not a valid bucket name" in str(malformed.json())
    mixed = api_client.post(url, {"paths": [f"s3://{bucket}/vods/", "/tmp/x.mp4"]}, format="json")
    assert mixed.status_code == 400 and "ingested alone" in str(mixed.json())


def test_other_users_do_not_see_or_block_each_others_s3_clips(user, other_user, recordings):
    client, bucket, _ = recordings
    mine = stream_ingest_s3(owner=user, url=f"s3://{bucket}/vods/")
    theirs = stream_ingest_s3(owner=other_user, url=f"s3://{bucket}/vods/")

    assert len(theirs.added) == 3 and theirs.stream.owner == other_user and mine.stream.owner == user


def test_the_admin_form_takes_an_s3_source(admin_client, admin_user, recordings):
    client, bucket, _ = recordings
    answer = admin_client.post("/admin/streams/stream/ingest/", {"paths": f"s3://{bucket}/vods/"}, follow=True)

    stream = Stream.objects.get(owner=admin_user)
    assert stream.clips.count() == 3
    assert answer.redirect_chain[-1][0].endswith(f"/admin/streams/stream/{stream.id}/change/")


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_the_io_queue_fetches_what_the_command_ingested(user, recordings, s3_server):
    from django.conf import settings

    from tests.conftest import sole_worker

    client, bucket, objects = recordings
    s3_env = {
        "S3_ENDPOINT_URL": s3_server,
        "S3_REGION_NAME": "us-east-1",
        "S3_ACCESS_KEY_ID": "test",
        "S3_SECRET_ACCESS_KEY": "test",
        "S3_ADDRESSING_STYLE": "path",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    with sole_worker(queues="io", name="s3-io", extra_env=s3_env):
        out, err = io.StringIO(), io.StringIO()
        call_command(
            "ingest", f"s3://{bucket}/vods/", "--user", user.username, "--no-process", "--wait", stdout=out, stderr=err
        )

    assert "Fetching 3 object(s) on the io queue" in out.getvalue()
    assert "completed" in out.getvalue()
    clips = VideoClip.objects.filter(stream__owner=user)
    assert clips.count() == 3
    for clip in clips:
        with default_storage.open(clip.file.name, "rb") as stored:
            assert stored.read() == objects[clip.source_url.split("/", 3)[3]]


def test_same_named_objects_and_a_local_ingest_before_the_fetch_each_keep_their_own_file(user, s3, make_video):
    from streams.services import stream_ingest

    client, bucket = s3
    first, second = make_video("s3-src.mp4").read_bytes(), make_video("s3-other.mp4", seconds=3).read_bytes()
    client.put_object(Bucket=bucket, Key="cams/a/2024-05-01 20-00-00.mp4", Body=first)
    client.put_object(Bucket=bucket, Key="cams/b/2024-05-01 20-00-00.mp4", Body=second)
    report = stream_ingest_s3(owner=user, url=f"s3://{bucket}/cams/", title="Two cams")
    local = make_video("2024-05-01 20-00-00.mp4", seconds=1)

    stream_ingest(owner=user, paths=[local], title="Two cams", process=False)  # before the fetch
    remote_clips_fetch(run_id=report.run.id, process=False)

    clips = list(Stream.objects.get(owner=user, title="Two cams").clips.all())
    assert len({clip.file.name for clip in clips}) == 3
    expected = {"": local.read_bytes(), "a": first, "b": second}
    for clip in clips:
        camera = clip.source_url.split("/")[-2] if clip.source_url else ""
        with default_storage.open(clip.file.name, "rb") as stored:
            assert stored.read() == expected[camera]


def test_listing_follows_every_page(recordings):
    from streams.s3_source import S3Location, list_objects

    client, bucket, objects = recordings
    keys = [item.key for item in list_objects(client, S3Location(bucket, "vods/"), page_size=2)]

    assert keys == sorted(key for key in objects if key.startswith("vods/"))


def test_an_object_ffmpeg_cannot_read_over_http_is_downloaded_and_probed(user, recordings, monkeypatch):
    """Some S3-compatible servers refuse ranged reads from signed URLs: the object is then fetched to probe it."""
    import streams.s3_ingest

    client, bucket, _ = recordings
    monkeypatch.setattr(streams.s3_ingest, "presigned_get", lambda *args, **kwargs: "http://127.0.0.1:9/refused")

    report = stream_ingest_s3(owner=user, url=f"s3://{bucket}/vods/")

    assert len(report.added) == 3 and not report.problems
    assert report.added[0].duration == pytest.approx(2.0, abs=0.1)
