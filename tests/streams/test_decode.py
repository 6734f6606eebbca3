"""The one-pass decoder (PyAV in process) on real files made by ffmpeg: lengths, formats and damage."""

import random
import subprocess
import threading
import wave

import numpy as np
import pytest

from streams.analysis.decode import AudioDecodeError, pcm_chunks, scan_audio


@pytest.fixture
def encode(ffmpeg, tmp_path):
    def encode(name: str, source: str, *codec: str) -> str:
        path = tmp_path / name
        subprocess.run([ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", source, *codec, str(path)], check=True)
        return str(path)

    return encode


@pytest.mark.parametrize(
    ("name", "codec", "rate"),
    [
        ("aac-44k.mp4", ["-c:a", "aac"], 44100),  # priming and padding samples around the edit list
        ("opus.webm", ["-c:a", "libopus"], 48000),
        ("stereo.wav", ["-c:a", "pcm_s16le", "-ac", "2"], 22050),  # packed samples, two channels to mix
        ("flac-96k.mkv", ["-c:a", "flac"], 96000),
    ],
)
def test_any_codec_and_rate_gives_what_ffmpeg_ar_16000_gives(reference_ffmpeg, encode, name, codec, rate):
    """The reference is the command line Whisper's own loader runs: ``ffmpeg -ac 1 -ar 16000``."""
    path = encode(name, f"sine=f=440:d=7:sample_rate={rate}", *codec)
    command = [reference_ffmpeg, "-v", "error", "-i", path, "-ac", "1", "-ar", "16000", "-f", "s16le", "-"]
    reference = np.frombuffer(subprocess.run(command, capture_output=True, check=True).stdout, dtype=np.int16)

    pcm = np.concatenate(list(pcm_chunks(path, chunk_seconds=2)))

    assert pcm.dtype == np.int16
    assert len(pcm) == len(reference)
    assert len(pcm) == pytest.approx(7 * 16_000, abs=16 if name != "opus.webm" else 400)
    assert np.max(np.abs(pcm.astype(np.int32) - reference)) <= 2  # the same resampler: rounding only


def test_streamed_blocks_join_without_a_seam(encode, tmp_path):
    """Resampling in blocks keeps the filter's state: the WAV is the same tone throughout, no clicks."""
    path = encode("long.mp4", "sine=f=1000:d=13:sample_rate=48000", "-c:a", "aac")
    wav = tmp_path / "out.wav"

    scan = scan_audio(path, wav_path=wav)

    with wave.open(str(wav)) as result:
        samples = np.frombuffer(result.readframes(result.getnframes()), dtype=np.int16) / 32768.0
    assert scan.duration == 13.0 and len(samples) == 13 * 16_000
    body = samples[800:-800]
    assert np.max(np.abs(np.diff(body))) < 0.06  # a 1 kHz tone at 1/8 amplitude moves at most 0.049 per sample


def test_damaged_packets_are_skipped_and_named(encode, tmp_path):
    path = encode("damaged.mkv", "sine=f=440:d=20", "-c:a", "aac", "-b:a", "96k")
    data = bytearray(open(path, "rb").read())
    noise = random.Random(1)
    for index in range(len(data) // 2, len(data) // 2 + 3000):
        data[index] = noise.randrange(256)
    open(path, "wb").write(bytes(data))

    with pytest.raises(AudioDecodeError, match=r"audio track 0 stops at 1\d\.\d+ s of 20\.000 s \(truncated or "
                                               r"corrupt\): skipped a damaged packet at \d+\.\d+ s"):
        scan_audio(path, expected_duration=20)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "cannot be decoded: Invalid data found"),
        (b"just some text, renamed\n" * 40, "cannot be decoded: Invalid data found"),
    ],
)
def test_unreadable_files_are_refused_with_the_reason(tmp_path, content, expected):
    path = tmp_path / "recording.mp4"
    path.write_bytes(content)

    with pytest.raises(AudioDecodeError, match=f"audio track 0 {expected}"):
        scan_audio(path)


def test_a_track_that_does_not_exist(encode):
    path = encode("one-track.mka", "sine=d=1", "-c:a", "aac")

    with pytest.raises(AudioDecodeError, match=r"audio track 2 does not exist \(the file has 1\)"):
        list(pcm_chunks(path, track=2))


def test_a_reader_that_stops_early_leaves_no_decoder_running(encode):
    """The decoding thread reads ahead; closing the stream (a task's time limit, say) stops and joins it."""
    path = encode("long.mka", "sine=d=60", "-c:a", "aac")
    chunks = pcm_chunks(path, chunk_seconds=1)

    first = next(chunks)
    chunks.close()

    assert len(first) == pytest.approx(16_000, abs=1024)  # blocks end on a frame
    assert not [thread for thread in threading.enumerate() if thread.name == "audio-decode"]
