"""Pure transcription cores: clip ranges, windows, subtitles, word error rate, the model-call time limit."""

import subprocess
import sys
import threading

import numpy as np
import pytest

from transcription.engines import EngineError, SegmentResult, TranscriptionTimeout, packed_audio, run_model_call
from transcription.ranges import Piece, Window, clip_ranges, pack_ranges, plan_windows, split_long
from transcription.subtitles import to_srt, to_vtt
from transcription.wer import word_error_rate


def test_speech_spans_become_clip_ranges_as_in_the_contract():
    assert clip_ranges([(0.0, 30.0), (40.0, 100.0)], 100.0, pad=0) == [(0.0, 30.0), (40.0, 100.0)]


def test_ranges_are_padded_clamped_merged_and_crumbs_dropped():
    speech = [(0.1, 2.0), (2.3, 5.0), (9.0, 9.05), (20.0, 29.9)]
    assert clip_ranges(speech, 30.0, pad=0.2) == [(0.0, 5.2), (8.8, 9.25), (19.8, 30.0)]
    assert clip_ranges([(9.0, 9.05)], 30.0, pad=0.0) == []


def test_long_ranges_are_split_for_batched_inference():
    assert split_long([(0.0, 10.0), (20.0, 95.0)], 30.0) == [(0.0, 10.0), (20.0, 45.0), (45.0, 70.0), (70.0, 95.0)]


def test_intervals_inside_a_window_in_window_time():
    window = Window(100.0, 160.0, ((100.0, 130.0), (150.0, 160.0)))
    assert window.relative([(99.0, 99.5), (110.0, 110.5), (155.25, 155.75), (170.0, 171.0)]) == [
        (10.0, 10.5),
        (55.25, 55.75),
    ]


def test_speech_ranges_are_packed_into_30_second_windows_with_a_gap_after_each():
    windows = pack_ranges([(2.0, 16.0), (62.0, 76.0), (122.0, 136.0), (200.0, 259.0)], window=30.0, gap=0.5)

    assert [window.pieces for window in windows] == [
        (Piece(2.0, 16.0, 0.0), Piece(62.0, 76.0, 14.5)),  # 14 + 0.5 + 14 + 0.5 = 29 s: both fit
        (Piece(122.0, 136.0, 29.0),),  # the next 29.5 s piece of the long range does not fit beside it
        (Piece(200.0, 229.5, 43.5),),  # a range longer than a window is cut into equal pieces
        (Piece(229.5, 259.0, 73.5),),
    ]
    bounds = [(window.start, window.end) for window in windows]
    assert bounds == [(0.0, 29.0), (29.0, 43.5), (43.5, 73.5), (73.5, 103.5)]
    assert pack_ranges([]) == []


def test_a_range_that_does_not_fit_is_cut_at_its_last_pause_that_fills_the_window():
    # given two 18 s talks with pauses between their sentences (midpoints 5, 9, 12.5 and 65, 69, 72.5)
    ranges = [(1.0, 19.0), (61.0, 79.0)]
    pauses = [(4.8, 5.2), (8.7, 9.3), (12.3, 12.7), (64.8, 65.2), (68.7, 69.3), (72.3, 72.7)]

    windows = pack_ranges(ranges, pauses=pauses)

    # then the second talk fills the first window up to its pause at 69 s (18 + 1 + 8 + 1 = 28 <= 30; at 72.5
    # it would not fit) and the rest starts the next window
    assert [window.pieces for window in windows] == [
        (Piece(1.0, 19.0, 0.0), Piece(61.0, 69.0, 19.0)),
        (Piece(69.0, 79.0, 28.0),),
    ]


def test_a_cut_leaves_at_least_min_piece_in_the_window():
    # 28 s used: only a pause 0.8 s into the next range would fit, and 0.8 s is below min_piece
    windows = pack_ranges([(0.0, 27.0), (40.0, 50.0)], pauses=[(40.7, 40.9)], min_piece=1.0)
    assert [window.pieces for window in windows] == [(Piece(0.0, 27.0, 0.0),), (Piece(40.0, 50.0, 28.0),)]


def test_a_long_talk_is_cut_at_pauses_rather_than_into_equal_pieces():
    windows = pack_ranges([(0.0, 70.0)], pauses=[(20.0, 20.5), (28.0, 28.6), (45.0, 45.4), (56.0, 56.5)])
    assert [[(p.start, p.end) for p in w.pieces] for w in windows] == [[(0.0, 28.3)], [(28.3, 56.25)], [(56.25, 70.0)]]
    # with no pause it is cut into equal pieces, as before
    windows = pack_ranges([(0.0, 70.0)])
    assert [[(p.start, p.end) for p in w.pieces] for w in windows] == [
        [(0.0, 23.333)],
        [(23.333, 46.667)],
        [(46.667, 70.0)],
    ]


def test_packed_time_maps_back_to_the_clip_inside_its_piece():
    window = pack_ranges([(2.0, 16.0), (62.0, 76.0)], gap=0.5)[0]

    assert window.clip_time(3.25) == 5.25
    assert window.clip_time(14.6) == 62.1  # the second piece starts at 14.5 in the packed audio
    assert window.clip_time(14.2) == 16.0  # a word ending in the gap ends with its piece
    assert window.piece_at(14.2) == Piece(2.0, 16.0, 0.0)


def test_packed_audio_places_each_range_by_sample():
    audio = np.arange(10 * 16_000, dtype=np.float32)
    windows = pack_ranges([(1.0, 2.0), (5.0, 5.5)], gap=0.25)

    packed = packed_audio(audio, windows)

    assert len(packed) == round(1.75 * 16_000) + round(0.25 * 16_000)
    assert np.array_equal(packed[:16_000], audio[16_000:32_000])
    assert not packed[16_000:20_000].any()  # the gap is silence
    assert np.array_equal(packed[20_000:28_000], audio[80_000:88_000])


def test_windows_bound_the_audio_loaded_per_model_call():
    windows = plan_windows([(0.0, 100.0), (300.0, 500.0), (650.0, 700.0), (2000.0, 2900.0)], max_span=600.0)
    assert windows == [
        Window(0.0, 500.0, ((0.0, 100.0), (300.0, 500.0))),
        Window(650.0, 700.0, ((650.0, 700.0),)),
        Window(2000.0, 2900.0, ((2000.0, 2900.0),)),
    ]
    assert windows[0].relative_ranges() == [(0.0, 100.0), (300.0, 500.0)]
    assert Window(650.0, 700.0, ((650.0, 700.0),)).relative_ranges() == [(0.0, 50.0)]
    assert windows[0].speech_seconds == 300.0


def test_segments_move_from_window_time_to_clip_time():
    segment = SegmentResult(1.5, 2.25, "hi", words=[{"start": 1.5, "end": 2.0, "word": " hi", "probability": 0.9}])
    moved = segment.shifted(600.0)
    assert (moved.start, moved.end, moved.words[0]["start"], moved.words[0]["end"]) == (601.5, 602.25, 601.5, 602.0)


SEGMENTS = [
    {"start": 0.0, "end": 2.5, "text": " Welcome back. "},
    {"start": 3661.25, "end": 3663.0, "text": "See you\nnext time."},
    {"start": 5.0, "end": 6.0, "text": "   "},
]


def test_srt():
    assert to_srt(SEGMENTS) == (
        "1\n00:00:00,000 --> 00:00:02,500\nWelcome back.\n\n2\n01:01:01,250 --> 01:01:03,000\nSee you next time.\n"
    )


def test_vtt_on_the_stream_timeline():
    assert to_vtt(SEGMENTS[:1], offset=90.0) == "WEBVTT\n\n00:01:30.000 --> 00:01:32.500\nWelcome back.\n"
    assert to_vtt([]) == "WEBVTT\n\n"


@pytest.mark.parametrize(
    ("reference", "hypothesis", "rate"),
    [
        ("Thank you all, for watching!", "thank you all for watching", 0.0),
        ("a b c d", "a x c", 0.5),
        ("a b", "a b c d", 1.0),
        ("", "", 0.0),
    ],
)
def test_word_error_rate(reference, hypothesis, rate):
    assert word_error_rate(reference, hypothesis) == rate


def test_a_model_call_over_its_limit_is_abandoned_with_a_message():
    release = threading.Event()

    def stuck():
        release.wait(5)
        return "en", iter([])

    with pytest.raises(TranscriptionTimeout, match="clip.mp4: Whisper exceeded its time limit of 0.05 s"):
        run_model_call(stuck, time_limit=0.05, what="clip.mp4: Whisper")
    release.set()


def test_model_call_segments_are_reported_as_they_come_and_errors_are_named():
    seen = []
    language, segments = run_model_call(
        lambda: ("en", iter([SegmentResult(0, 1, "a"), SegmentResult(1, 2, "b")])), time_limit=5, on_segment=seen.append
    )
    assert language == "en" and [s.text for s in segments] == ["a", "b"] == [s.text for s in seen]

    def broken():
        raise RuntimeError("CUDA out of memory")

    with pytest.raises(EngineError, match="x.mp4: Whisper failed: RuntimeError: CUDA out of memory"):
        run_model_call(broken, time_limit=5, what="x.mp4: Whisper")


def test_cores_import_without_django():
    code = (
        "import sys, transcription.ranges, transcription.subtitles, transcription.wer, transcription.engines; "
        "assert 'django' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_last_range_of_a_window_needs_no_room_for_its_gap():
    # 10 s + 1 s gap, then 18.5 s: fits the 30 s window exactly (Whisper pads the rest with silence)
    windows = pack_ranges([(0.0, 10.0), (20.0, 38.5)], gap=1.0)
    assert [[(p.start, p.end, p.offset) for p in w.pieces] for w in windows] == [[(0.0, 10.0, 0.0), (20.0, 38.5, 11.0)]]
    # ...while 19.5 s does not, and with no pause to cut at it starts the next window
    assert len(pack_ranges([(0.0, 10.0), (20.0, 39.5)], gap=1.0)) == 2
