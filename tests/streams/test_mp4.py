"""The MP4 track reader: the AAC track of a plain MP4/MOV, walked table block by table block, decodes to
exactly what ``ffmpeg -map 0:a:N -ac 1 -ar 16000`` gives; anything it does not take goes to libavformat."""

import os
import subprocess

import numpy as np
import pytest

from streams.analysis import mp4
from streams.analysis.decode import AudioDecodeError, pcm_chunks, scan_audio


@pytest.fixture
def encode(ffmpeg, tmp_path):
    def encode(name: str, *args: str) -> str:
        path = tmp_path / name
        subprocess.run([ffmpeg, "-v", "error", "-y", *args, str(path)], check=True)
        return str(path)

    return encode


@pytest.fixture
def reference(reference_ffmpeg):
    def reference(path: str, track: int = 0) -> np.ndarray:
        command = [reference_ffmpeg, "-v", "error", "-i", path, "-map", f"0:a:{track}", "-ac", "1", "-ar", "16000"]
        command += ["-f", "s16le", "-"]
        return np.frombuffer(subprocess.run(command, capture_output=True, check=True).stdout, dtype=np.int16)

    return reference


def _decoded(path: str, track: int = 0) -> np.ndarray:
    return np.concatenate(list(pcm_chunks(path, track=track, chunk_seconds=2)))


@pytest.fixture
def recording(encode):
    """What OBS writes: video, then a mic track and a game track (different rates), interleaved in chunks."""
    return encode(
        "obs.mp4",
        "-f", "lavfi", "-i", "testsrc=d=6:s=64x36:r=30",
        "-f", "lavfi", "-i", "sine=f=300:d=6:sample_rate=48000",
        "-f", "lavfi", "-i", "sine=f=900:d=6:sample_rate=44100",
        "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-c:a", "aac", "-ac", "2",
    )


@pytest.mark.parametrize("track", [0, 1])
def test_each_track_of_a_recording_is_what_ffmpeg_gives(recording, reference, track, monkeypatch):
    monkeypatch.setattr(mp4, "ENTRIES_PER_READ", 7)  # many table blocks, runs of chunks across their edges
    assert mp4.open_audio_track(recording, track) is not None  # read by this module, not by libavformat

    pcm, expected = _decoded(recording, track), reference(recording, track)

    assert len(pcm) == len(expected) == 6 * 16_000
    assert np.array_equal(pcm, expected)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("mpeg2-aac.m4a", ["-c:a", "aac", "-profile:a", "mpeg2_aac_low"]),  # another object type in esds
        ("quicktime.mov", ["-c:a", "aac"]),  # QuickTime's sound description
        ("faststart.mp4", ["-c:a", "aac", "-movflags", "+faststart"]),  # tables before the data
    ],
)
def test_variants_of_the_plain_case_decode_exactly(encode, reference, name, args, monkeypatch):
    monkeypatch.setattr(mp4, "READ_BYTES", 1000)  # an audio-only file is one chunk: read in many runs
    path = encode(name, "-f", "lavfi", "-i", "sine=f=440:d=7:sample_rate=22050", *args)
    assert mp4.open_audio_track(path, 0) is not None

    pcm = _decoded(path)

    assert np.array_equal(pcm, reference(path))
    assert len(pcm) == 7 * 16_000


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("fragmented.mp4", ["-c:a", "aac", "-movflags", "frag_keyframe+empty_moov"]),
        ("mp3.mp4", ["-c:a", "libmp3lame"]),
        ("opus.mp4", ["-c:a", "libopus"]),
        ("alac.m4a", ["-c:a", "alac"]),
        ("aac.mkv", ["-c:a", "aac"]),
    ],
)
def test_anything_else_is_left_to_libavformat(encode, reference, name, args):
    path = encode(name, "-f", "lavfi", "-i", "sine=f=440:d=3:sample_rate=48000", *args)

    assert mp4.open_audio_track(path, 0) is None
    pcm, expected = _decoded(path), reference(path)
    # libavformat's reading, which trims the end by the container's duration where the command line may not
    assert len(pcm) == pytest.approx(3 * 16_000, abs=500)
    assert np.abs(pcm).max() == pytest.approx(np.abs(expected).max(), rel=0.05)


def test_a_file_cut_short_inside_the_audio_stops_with_where(encode):
    path = encode("cut.mp4", "-f", "lavfi", "-i", "sine=f=440:d=20", "-c:a", "aac", "-movflags", "+faststart")
    data = open(path, "rb").read()
    open(path, "wb").write(data[: len(data) // 2])
    assert mp4.open_audio_track(path, 0) is not None  # the tables are whole; the data is not

    with pytest.raises(AudioDecodeError, match=r"audio track 0 stops at \d\.\d+ s of 20\.000 s \(truncated or corrupt\)"
                                               r": reading stopped: the file ends at byte \d+, in the audio data"):
        scan_audio(path, expected_duration=20)


def test_damaged_packets_are_skipped_and_named(encode):
    path = encode("damaged.mp4", "-f", "lavfi", "-i", "sine=f=440:d=20", "-c:a", "aac", "-b:a", "96k",
                  "-movflags", "+faststart")
    data = bytearray(open(path, "rb").read())
    for index in range(len(data) // 2, len(data) // 2 + 3000):
        data[index] = (index * 151) % 251
    open(path, "wb").write(bytes(data))

    warnings: list[str] = []
    pcm = np.concatenate(list(pcm_chunks(path, warnings=warnings)))

    assert warnings and all("skipped a damaged packet at " in text for text in warnings)
    assert 15 * 16_000 < len(pcm) < 20 * 16_000  # the rest of the track is still there


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "cannot be decoded: Invalid data found"),
        (b"\x00\x00\x00\x18ftypisom" + b"\x00" * 8, "cannot be decoded: .*moov atom not found"),
        (b"\x00\x00\x00\x08moov" + b"\xff" * 64, r"does not exist \(the file has 0\)"),
        (b"RIFF" + b"\x00" * 60, "cannot be decoded: Invalid data found"),
    ],
    ids=["empty", "only-ftyp", "junk-moov", "not-mp4"],
)
def test_files_it_cannot_read_are_left_to_libavformat(tmp_path, content, expected):
    path = tmp_path / "odd.mp4"
    path.write_bytes(content)

    assert mp4.open_audio_track(path, 0) is None
    with pytest.raises(AudioDecodeError, match=f"audio track 0 {expected}"):
        list(pcm_chunks(path))


def test_a_file_that_shrinks_while_it_is_read_stops_cleanly(encode):
    path = encode("shrinks.mp4", "-f", "lavfi", "-i", "sine=f=440:d=20", "-c:a", "aac", "-movflags", "+faststart")
    track = mp4.open_audio_track(path, 0)
    os.truncate(path, track.sizes.start + 40)  # inside the table of sample sizes

    with pytest.raises(mp4.TruncatedTrack, match=r"the file ends at byte \d+, in a sample table"):
        list(track.packets())
