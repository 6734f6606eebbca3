"""Browser-playable proxies for recordings whose codec browsers cannot decode (here MPEG-4 Part 2)."""

import subprocess

import av
import pytest
from django.core.files.storage import default_storage
from django.test import Client

from episodes.review_selectors import review_overview
from rendering.proxy import clip_make_proxy, needs_proxy, proxy_key
from streams.services import stream_ingest


@pytest.mark.parametrize(
    ("codec", "expected"),
    [
        ("h264", False),
        ("H264", False),
        ("vp9", False),
        ("av1", False),
        ("hevc", True),
        ("mpeg4", True),
        ("prores", True),
        ("", False),
    ],
)
def test_only_video_browsers_cannot_decode_needs_a_proxy(codec, expected):
    assert needs_proxy(codec) is expected


@pytest.fixture
def mpeg4_video(media_dir, ffmpeg):
    path = media_dir / "mpeg4" / "old-capture.mp4"
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=3",
         "-f", "lavfi", "-i", "sine=frequency=440:duration=3:sample_rate=48000",
         "-c:v", "mpeg4", "-c:a", "aac", str(path)],
        check=True,
    )  # fmt: skip
    return path


def test_a_proxy_is_queued_then_made_as_h264_and_served_to_its_owner_only(db, user, other_user, mpeg4_video):
    stream = stream_ingest(owner=user, paths=[mpeg4_video], title="Old capture", process=False).stream
    clip = stream.clips.get()
    assert clip.video_codec == "mpeg4"
    default_storage.delete(proxy_key(clip.id))

    entry = review_overview(stream)["clips"][0]
    assert (entry["url"], entry["proxy"]) == (None, "queued")  # the page says a playable copy is on its way

    key = clip_make_proxy(clip_id=clip.id)

    assert key == proxy_key(clip.id)
    with av.open(default_storage.path(key)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.streams.audio[0].codec_context.name == "aac"
        assert abs(container.duration / 1_000_000 - 3.0) < 0.2
    entry = review_overview(stream)["clips"][0]
    assert (entry["url"], entry["proxy"]) == (f"/media/{key}", "ready")

    owner = Client()
    owner.force_login(user)
    response = owner.get(entry["url"], HTTP_RANGE="bytes=0-99")
    assert response.status_code == 206 and response["Content-Range"].startswith("bytes 0-99/")
    rival = Client()
    rival.force_login(other_user)
    assert rival.get(entry["url"]).status_code == 404
