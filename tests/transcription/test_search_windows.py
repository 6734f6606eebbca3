"""Transcript windows for search (pure): speech-measured, overlapping, cut between words, on the stream timeline."""

import subprocess
import sys

import pytest

from transcription.search.windows import TextWindow, speech_pieces, transcript_windows


def word(start: float, end: float, text: str) -> dict:
    return {"start": start, "end": end, "word": f" {text}", "probability": 0.9}


def segment(words: list[dict], text: str | None = None) -> dict:
    spoken = "".join(item["word"] for item in words)
    text = spoken if text is None else text
    return {"start": words[0]["start"], "end": words[-1]["end"], "text": text, "words": words}


def counting(first: int, count: int, *, at: float = 0.0) -> list[dict]:
    """Words "w<first>" .. one second each, back to back, from ``at``."""
    return [word(at + i, at + i + 1, f"w{first + i}") for i in range(count)]


def names(window: TextWindow) -> list[int]:
    return [int(item[1:]) for item in window.text.split()]


def test_nothing_said_makes_no_window():
    assert transcript_windows([]) == []
    assert transcript_windows([{"start": 0.0, "end": 2.0, "text": "  ", "words": []}]) == []


def test_one_word_is_one_window_on_the_stream_timeline():
    assert transcript_windows([segment([word(1.25, 1.5, "Hello")])], offset=90.0) == [TextWindow(91.25, 91.5, "Hello")]


def test_a_minute_of_talk_makes_half_overlapping_windows_of_thirty_seconds():
    windows = transcript_windows([segment(counting(0, 60))])

    assert [(w.start, w.end) for w in windows] == [(0, 30), (15, 45), (30, 60)]
    assert names(windows[1]) == list(range(15, 45))


def test_overlap_and_length_are_settable():
    windows = transcript_windows([segment(counting(0, 60))], seconds=20, overlap=0.0)

    assert [(w.start, w.end) for w in windows] == [(0, 20), (20, 40), (40, 60)]


def test_a_short_tail_still_gets_a_window_that_overlaps_the_last():
    windows = transcript_windows([segment(counting(0, 31))])

    assert [(w.start, w.end) for w in windows] == [(0, 30), (15, 31)]


def test_windows_are_cut_between_words_never_inside_one():
    words = [word(i * 1.6, i * 1.6 + 1.6, f"w{i}") for i in range(30)]  # 48 s of 1.6 s words

    windows = transcript_windows([segment(words)])

    assert [names(w) for w in windows] == [list(range(0, 18)), list(range(9, 27)), list(range(18, 30))]
    assert [edge for w in windows for edge in (w.start, w.end)] == pytest.approx([0, 28.8, 14.4, 43.2, 28.8, 48])


def test_no_window_repeats_part_of_another_before_a_piece_too_long_to_share():
    segments = [segment(counting(0, 25)), {"start": 25.0, "end": 85.0, "text": "A long ramble.", "words": []}]

    windows = transcript_windows(segments)

    assert [(w.start, w.end) for w in windows] == [(0, 25), (25, 85)]
    assert windows[1].text == "A long ramble."


def test_pauses_count_at_most_a_second_so_a_window_holds_thirty_seconds_of_talk():
    # 20 s of talk, 40 s of silence, 20 s of talk: the silence counts as one second.
    windows = transcript_windows([segment(counting(0, 20)), segment(counting(20, 20, at=60.0))])

    assert names(windows[0]) == list(range(0, 29))
    assert (windows[0].start, windows[0].end) == (0, 69)
    assert (windows[-1].start, windows[-1].end) == (15, 80)


def test_a_long_silence_ends_a_talk_so_no_window_spans_it():
    three_hours = 3 * 3600.0
    windows = transcript_windows([segment(counting(0, 5)), segment(counting(5, 5, at=three_hours))], offset=10.0)

    assert windows == [
        TextWindow(10.0, 15.0, "w0 w1 w2 w3 w4"),
        TextWindow(10.0 + three_hours, 15.0 + three_hours, "w5 w6 w7 w8 w9"),
    ]


def test_a_segment_longer_than_a_window_is_cut_at_its_words():
    windows = transcript_windows([segment(counting(0, 70))])

    assert [(w.start, w.end) for w in windows] == [(0, 30), (15, 45), (30, 60), (45, 70)]


def test_without_word_timestamps_segments_are_the_pieces():
    segments = [
        {"start": 0.0, "end": 12.0, "text": " First part.", "words": []},
        {"start": 12.0, "end": 24.0, "text": "Second part.", "words": []},
        {"start": 24.0, "end": 36.0, "text": " Third part.", "words": []},
    ]

    windows = transcript_windows(segments)

    assert windows == [
        TextWindow(0.0, 24.0, "First part. Second part."),
        TextWindow(12.0, 36.0, "Second part. Third part."),
    ]


def test_a_segment_without_words_longer_than_a_window_is_a_window_of_its_own():
    segments = [
        {"start": 0.0, "end": 20.0, "text": "Before.", "words": []},
        {"start": 20.0, "end": 110.0, "text": "A very long ramble.", "words": []},
        {"start": 110.0, "end": 115.0, "text": "After.", "words": []},
    ]

    windows = transcript_windows(segments)

    assert [(w.start, w.end, w.text) for w in windows] == [
        (0.0, 20.0, "Before."),
        (20.0, 110.0, "A very long ramble."),
        (110.0, 115.0, "After."),
    ]


def test_a_corrected_segment_keeps_its_text_over_its_stale_words():
    stale = segment([word(0.0, 0.5, "borrow"), word(0.5, 1.0, "checkers")], text=" The borrow checker.")

    assert speech_pieces([stale])[0].text == " The borrow checker."
    assert transcript_windows([stale]) == [TextWindow(0.0, 1.0, "The borrow checker.")]


def test_words_keep_their_own_spacing_and_segments_are_spaced_apart():
    first = segment([word(0.0, 0.4, "Don"), {"start": 0.4, "end": 0.6, "word": "'t", "probability": 1.0}])
    second = {"start": 1.0, "end": 2.0, "text": "panic.", "words": []}

    assert transcript_windows([first, second])[0].text == "Don't panic."


@pytest.mark.parametrize(("seconds", "overlap"), [(0, 0.5), (-30, 0.5), (30, 1.0), (30, -0.1)])
def test_impossible_settings_are_refused(seconds, overlap):
    with pytest.raises(ValueError, match="window|overlap"):
        transcript_windows([segment(counting(0, 3))], seconds=seconds, overlap=overlap)


def test_the_core_imports_without_django():
    code = "import sys, transcription.search.windows; assert 'django' not in sys.modules"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
