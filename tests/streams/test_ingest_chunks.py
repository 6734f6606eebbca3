"""A browser recording uploaded as WebM chunks is joined into one MP4 and ingested as one clip."""

import re

import av
import pytest
from django.core.management import CommandError, call_command

from streams.models import Stream
from streams.services import stream_ingest_chunks
from tests.streams.test_chunks import segments, webm

pytestmark = pytest.mark.django_db


@pytest.fixture
def chunk_dir(tmp_path, ffmpeg):
    folder = tmp_path / "browser-rec"
    folder.mkdir()
    for number in (2, 0, 1):  # uploaded out of order
        webm(ffmpeg, folder / f"rec-chunk-{number}.webm", 1, offset=number)
    return folder


def test_chunks_are_joined_in_number_order_and_ingested_as_one_clip(user, chunk_dir):
    chunks = [chunk_dir / "rec-chunk-2.webm", chunk_dir / "rec-chunk-0.webm", chunk_dir / "rec-chunk-1.webm"]

    report, late = stream_ingest_chunks(owner=user, chunks=chunks, title="Browser stream", process=False)

    clip = report.stream.clips.get()
    assert late == [0, 1]
    assert clip.original_name == "browser-rec.mp4" and clip.video_codec == "h264"
    assert clip.duration == pytest.approx(3.0, abs=0.1)
    with av.open(clip.file.path) as container:
        assert container.streams.audio[0].codec_context.name == "aac"


def test_ingest_command_with_chunks_reports_a_missing_one_and_stores_nothing(user, chunk_dir):
    user.is_superuser = True
    user.save()
    (chunk_dir / "rec-chunk-1.webm").unlink()

    with pytest.raises(CommandError, match=r"missing chunk\(s\) 1"):
        call_command("ingest", str(chunk_dir), "--chunks", "--stream", "Gap")

    assert not Stream.objects.exists()


def test_a_gap_in_carried_on_chunk_timestamps_is_kept_and_named_in_the_report(user, ffmpeg, tmp_path):
    chunks = segments(ffmpeg, tmp_path / "live", reset=False, drop=2)

    report, _ = stream_ingest_chunks(owner=user, chunks=chunks, title="Recorded live", process=False)

    assert report.stream.clips.get().duration == pytest.approx(20.0, abs=0.1)
    [note] = report.notes
    missing = re.match(r"chunk 2: ([0-9.]+) s of the recording missing", note)
    assert missing and float(missing.group(1)) == pytest.approx(5.0, abs=0.3), note
