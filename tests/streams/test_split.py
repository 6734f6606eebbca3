"""A long MP4 AAC track scanned in parts, in parallel processes: the same analysis as one pass."""

import subprocess

import numpy as np
import pytest

from streams.analysis import mp4, split
from streams.analysis.decode import read_wav, scan_audio
from streams.analysis.levels import LevelMeter
from streams.analysis.silence import SilenceDetector


@pytest.fixture
def talk(ffmpeg, tmp_path):
    """70 s of 48 kHz AAC in MP4: bursts of tone between stretches of near silence, some of them short, so
    silences, pauses and speech all cross wherever the parts are cut."""
    path = tmp_path / "talk.m4a"
    loud = "0.3*sin(2*PI*220*t)*(0.6+0.4*sin(2*PI*3*t))"
    gate = "lt(mod(t,7.3),3.1)+lt(mod(t,2.9),0.45)*gt(mod(t,7.3),4)"  # talks, and short blips in the quiet
    expr = f"({loud})*gt({gate},0)+0.0003*sin(2*PI*50*t)"
    argv = [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", f"aevalsrc='{expr}':s=48000:d=70"]
    subprocess.run([*argv, "-c:a", "aac", "-b:a", "96k", str(path)], check=True)
    return path


@pytest.mark.parametrize("processes", [2, 3, 4])
def test_parts_give_what_one_pass_gives(talk, tmp_path, monkeypatch, processes):
    monkeypatch.setattr(split, "MIN_SECONDS", 10.0)
    one = scan_audio(talk, processes=1, wav_path=tmp_path / "one.wav", min_pause=0.2)
    track = mp4.open_audio_track(talk, 0)
    assert split.scan_in_parts(track, processes=processes, threshold_db=-48, min_silence=1.0, min_pause=0.2)

    parts = scan_audio(talk, processes=processes, wav_path=tmp_path / "parts.wav", min_pause=0.2)

    assert len(one.silences) > 10 and one.pauses
    for field in ("duration", "silences", "pauses", "speech", "loudness_db", "peaks", "wav_bytes"):
        assert getattr(parts, field) == getattr(one, field), field
    # The resampler's output depends a little on how its input is chunked (in one pass too): a few LSB.
    one_wav, parts_wav = read_wav(tmp_path / "one.wav"), read_wav(tmp_path / "parts.wav")
    assert len(one_wav) == len(parts_wav) == one.wav_bytes // 2
    assert np.abs(one_wav - parts_wav).max() < 0.01


def test_a_short_track_is_scanned_in_one_pass(talk):
    track = mp4.open_audio_track(talk, 0)
    assert split.scan_in_parts(track, processes=2, threshold_db=-48, min_silence=1.0, min_pause=None) is None


def test_packets_from_a_start_to_a_stop_are_those_of_the_whole_walk(talk):
    track = mp4.open_audio_track(talk, 0)
    every = list(track.packets())
    assert list(track.packets(1000, 1234)) == every[1000:1234]
    assert list(track.packets(len(every) - 3)) == every[-3:]
    assert list(track.packets(5, 5)) == []


def _silent_runs(rng: np.random.Generator) -> np.ndarray:
    """int16 samples: loud stretches and silent runs of every length around the minimums, in random order."""
    pieces = []
    for _ in range(60):
        pieces.append(rng.integers(3000, 9000, int(rng.integers(1, 400))) * rng.choice([-1, 1]))
        pieces.append(rng.integers(-50, 50, int(rng.choice([rng.integers(1, 40), rng.integers(80, 400)]))))
    return np.concatenate(pieces).astype(np.int16)


def test_detectors_of_consecutive_parts_join_into_the_detector_of_the_whole():
    rng = np.random.default_rng(5)
    for _ in range(200):
        samples = _silent_runs(rng)
        whole = SilenceDetector(1000, min_duration=0.2, min_pause=0.08)
        whole.feed(samples)
        cuts = sorted(set(rng.integers(1, len(samples), int(rng.integers(1, 6)))))
        parts = []
        for start, end in zip([0, *cuts], [*cuts, len(samples)], strict=True):
            part = SilenceDetector(1000, min_duration=0.2, min_pause=0.08, start=int(start))
            part.feed(samples[start:end])
            parts.append(part)

        joined = SilenceDetector.joined(parts)

        assert (joined.finish(), joined.pauses) == (whole.finish(), whole.pauses)
        assert joined.duration == whole.duration


def test_level_meters_of_whole_blocks_join_into_the_meter_of_the_whole():
    samples = np.random.default_rng(1).integers(-20000, 20000, 16_000 * 5 + 700).astype(np.int16)
    whole = LevelMeter(16_000)
    whole.feed(samples)
    first, second = LevelMeter(16_000), LevelMeter(16_000)
    first.feed(samples[: 1600 * 23])
    second.feed(samples[1600 * 23 :])

    joined = LevelMeter.joined(16_000, [first.blocks(), second.blocks()])

    assert joined.loudness_db() == whole.loudness_db() and joined.peaks() == whole.peaks()


@pytest.mark.parametrize("where", [0.3, 0.8], ids=["this-process-part", "forked-part"])
def test_a_damaged_part_falls_back_to_one_pass_which_names_the_damage(talk, monkeypatch, where):
    monkeypatch.setattr(split, "MIN_SECONDS", 10.0)
    data = bytearray(talk.read_bytes())
    start = int(len(data) * where)
    for index in range(start, start + 3000):
        data[index] = (index * 151) % 251
    talk.write_bytes(bytes(data))
    track = mp4.open_audio_track(talk, 0)

    assert split.scan_in_parts(track, processes=2, threshold_db=-48, min_silence=1.0, min_pause=None) is None
    scan = scan_audio(talk, processes=2)
    assert scan.warnings and all("skipped a damaged packet" in text for text in scan.warnings)
