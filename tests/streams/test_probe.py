import pytest

from streams.probe import ProbeError, probe_media


def test_probe_reports_streams_duration_and_audio_tracks(make_video):
    path = make_video("two-tracks.mp4", seconds=3, audio_tracks=2, size="320x180", rate=30)

    info = probe_media(path)

    assert info.duration == pytest.approx(3.0, abs=0.1)
    assert (info.video_codec, info.width, info.height, info.frame_rate) == ("h264", 320, 180, 30.0)
    assert [(t.index, t.codec, t.sample_rate) for t in info.audio_tracks] == [(0, "aac", 48000), (1, "aac", 48000)]
    assert [s["type"] for s in info.streams] == ["video", "audio", "audio"]


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("make_bad_file", "problem"),
    [
        (lambda tmp, good: tmp / "missing.mp4", "no such file"),
        (lambda tmp, good: _write(tmp / "empty.mp4", b""), "is empty (0 bytes)"),
        (lambda tmp, good: _write(tmp / "notes.mp4", b"these are my stream notes\n"), "is not a media file"),
        (lambda tmp, good: _write(tmp / "cut.mp4", good.read_bytes()[:40_000]), "is a truncated MP4"),
    ],
    ids=["missing", "zero-byte", "text-renamed", "truncated"],
)
def test_bad_files_get_a_message_naming_file_and_problem(tmp_path, make_video, make_bad_file, problem):
    bad = make_bad_file(tmp_path, make_video("good.mp4", seconds=3))

    with pytest.raises(ProbeError) as caught:
        probe_media(bad)

    assert str(caught.value).startswith(bad.name + ": ")
    assert problem in str(caught.value)


def test_faststart_file_cut_short_is_reported_truncated(tmp_path, ffmpeg):
    import subprocess

    whole = tmp_path / "whole.mp4"
    subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=160x90:rate=30:duration=20",
            "-f",
            "lavfi",
            "-i",
            "sine=duration=20",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-movflags",
            "+faststart",
            "-shortest",
            str(whole),
        ],
        check=True,
    )
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])

    with pytest.raises(ProbeError, match=r"cut.mp4: is truncated: data ends at \d+\.\d s of 20\.0 s"):
        probe_media(cut)


def test_file_without_audio_is_refused(make_video):
    with pytest.raises(ProbeError, match="silent.mp4: has no audio track"):
        probe_media(make_video("silent.mp4", audio_tracks=0))
