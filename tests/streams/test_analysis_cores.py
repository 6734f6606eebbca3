"""The pure analysis cores: literal PCM in, seconds out, in milliseconds."""

import subprocess
import sys

import numpy as np
import pytest

from streams.analysis.levels import LevelMeter, loudness_db
from streams.analysis.silence import (
    SilenceDetector,
    db_to_amplitude,
    detect_silences,
    filter_silences,
    speech_spans,
)
from streams.analysis.waveform import column_peaks, waveform_png

RATE = 1000  # 1 sample = 1 ms keeps the literals readable


def tone(ms: int, amplitude: float = 0.5) -> np.ndarray:
    return np.full(ms, amplitude, dtype=np.float32) * np.where(np.arange(ms) % 2, 1, -1)


def quiet(ms: int, amplitude: float = 0.0) -> np.ndarray:
    return np.full(ms, amplitude, dtype=np.float32)


def test_default_threshold_is_the_reference_amplitude():
    assert db_to_amplitude(-48) == pytest.approx(0.00398, abs=1e-5)


def test_silences_and_speech_in_milliseconds_never_truncated():
    # given 1.5 s speech, 2.25 s silence, 0.75 s speech, 1.125 s silence
    samples = np.concatenate([tone(1500), quiet(2250), tone(750), quiet(1125)])
    # when
    silences = detect_silences(samples, RATE, min_duration=1.0)
    # then
    assert silences == [(1.5, 3.75), (4.5, 5.625)]
    assert speech_spans(silences, 5.625) == [(0.0, 1.5), (3.75, 4.5)]


def test_a_silence_shorter_than_the_minimum_is_speech():
    samples = np.concatenate([tone(500), quiet(999), tone(500), quiet(1000), tone(1)])
    assert detect_silences(samples, RATE, min_duration=1.0) == [(1.999, 2.999)]


def test_threshold_counts_negative_samples_and_louder_is_speech():
    limit = db_to_amplitude(-48)
    samples = np.concatenate(
        [quiet(1000, limit * 0.99), quiet(1000, -limit * 0.99), quiet(1000, limit * 1.001), tone(10)]
    )
    assert detect_silences(samples, RATE, min_duration=0.5) == [(0.0, 2.0)]


def test_amplitude_threshold_instead_of_db():
    samples = np.concatenate([tone(1000, 0.05), quiet(1000, 0.02)])
    assert detect_silences(samples, RATE, amplitude=0.1, min_duration=1.0) == [(0.0, 2.0)]
    assert detect_silences(samples, RATE, amplitude=0.03, min_duration=1.0) == [(1.0, 2.0)]


@pytest.mark.parametrize("chunk", [1, 7, 333, 1000, 10_000])
def test_streaming_in_any_chunk_size_gives_the_same_answer(chunk):
    rng = np.random.default_rng(3)
    samples = np.concatenate([quiet(1200), tone(300), quiet(2500), tone(40), quiet(1000), tone(900), quiet(3000)])
    samples = samples + rng.uniform(-0.001, 0.001, len(samples)).astype(np.float32)
    detector = SilenceDetector(RATE, min_duration=1.0)
    for start in range(0, len(samples), chunk):
        detector.feed(samples[start : start + chunk])
    assert detector.finish() == [(0.0, 1.2), (1.5, 4.0), (4.04, 5.04), (5.94, 8.94)]


@pytest.mark.parametrize("chunk", [7, 333, 10_000])
def test_shorter_silences_are_kept_apart_as_pauses(chunk):
    # given gaps of 0.2 s (inside a word), 0.5 s (a pause between phrases) and 1.5 s (a silence)
    samples = np.concatenate([tone(500), quiet(200), tone(500), quiet(500), tone(500), quiet(1500), tone(500)])
    detector = SilenceDetector(RATE, min_duration=1.0, min_pause=0.3)
    for start in range(0, len(samples), chunk):
        detector.feed(samples[start : start + chunk])

    # then the silences are those of min_duration alone and the pause is kept beside them
    assert detector.finish() == detect_silences(samples, RATE, min_duration=1.0) == [(2.2, 3.7)]
    assert detector.pauses == [(1.2, 1.7)]


def test_without_min_pause_there_are_no_pauses():
    detector = SilenceDetector(RATE, min_duration=1.0)
    detector.feed(np.concatenate([tone(500), quiet(500), tone(500)]))
    assert detector.finish() == [] and detector.pauses == []


def test_int16_pcm_uses_the_same_threshold():
    limit16 = int(db_to_amplitude(-48) * 32768)
    samples = np.concatenate([np.full(1000, -32768, np.int16), np.full(1500, limit16 - 1, np.int16)])
    assert detect_silences(samples, RATE, min_duration=1.0) == [(1.0, 2.5)]


def test_whole_recording_silent_or_never_silent():
    assert speech_spans(detect_silences(quiet(3000), RATE, min_duration=1.0), 3.0) == []
    assert detect_silences(tone(3000), RATE) == []
    assert speech_spans([], 3.0) == [(0.0, 3.0)]


def test_speech_spans_match_the_contract_example():
    assert speech_spans([(30.0, 40.0)], 100.0) == [(0.0, 30.0), (40.0, 100.0)]


def test_longer_minimum_is_a_filter_of_the_stored_silences():
    silences = [(0.0, 1.0), (5.0, 65.0), (70.0, 100.5)]
    assert filter_silences(silences, 60.0) == [(5.0, 65.0)]
    assert filter_silences(silences, 30.0) == [(5.0, 65.0), (70.0, 100.5)]


def test_bad_parameters_are_refused_with_a_message():
    with pytest.raises(ValueError, match="min_duration"):
        SilenceDetector(RATE, min_duration=-1)
    with pytest.raises(ValueError, match="threshold"):
        SilenceDetector(RATE, threshold_db=6)
    with pytest.raises(ValueError, match="min_pause"):
        SilenceDetector(RATE, min_pause=0)


def test_loudness_per_second_in_dbfs():
    full_scale_square = tone(1000, 1.0)
    half = tone(1000, 0.5)
    series = loudness_db(np.concatenate([full_scale_square, half, quiet(1000), half[:500]]), RATE)
    assert series == [0.0, -6.02, -120.0, -6.02]


def test_levels_stream_in_chunks_and_give_peaks_per_tenth_of_a_second():
    meter = LevelMeter(RATE)
    samples = np.concatenate([tone(100, 0.25), tone(100, 1.0), quiet(50)])
    for start in range(0, len(samples), 33):
        meter.feed(samples[start : start + 33])
    assert meter.peaks() == [0.25, 1.0, 0.0]
    assert meter.loudness_db() == [-3.72]


def test_waveform_columns_and_png():
    assert column_peaks([0.1, 0.9, 0.2, 0.4], 2).tolist() == pytest.approx([0.9, 0.4])
    assert column_peaks([0.1, 0.9], 4).tolist() == pytest.approx([0.1, 0.1, 0.9, 0.9])
    png = waveform_png([0.5] * 50, width=100, height=20)
    assert png.startswith(b"\x89PNG")


def test_cores_import_without_django():
    code = (
        "import sys; import streams.analysis.silence, streams.analysis.levels, streams.analysis.waveform, "
        "streams.analysis.decode; assert 'django' not in sys.modules, 'django imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
