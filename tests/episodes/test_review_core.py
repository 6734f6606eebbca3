"""The review page's arithmetic: peaks on the stream timeline, corrected words, a moment in its recording.
(Trims, splits and merges are tested with ``episodes.proposals.spans`` in test_proposals_core.py.)"""

import pytest

from episodes.review_core import (
    ClipPeaks,
    ClipSpan,
    ReviewError,
    clip_at,
    decimate_max,
    highlight_in_clip,
    peaks_rate_for,
    realign_words,
    stream_peaks,
)


def test_stream_peaks_lay_clips_back_to_back_and_keep_spikes_when_resampled():
    first = ClipPeaks(start=0.0, duration=2.0, per_second=4, peaks=[0.1, 1.0, 0.2, 0.2, 0.5, 0.5, 0.5, 0.5])
    second = ClipPeaks(start=2.0, duration=1.0, per_second=4, peaks=[0.0, 0.0, 0.0, 0.25])
    assert stream_peaks([first, second], duration=3.0, per_second=2) == [255, 51, 128, 128, 0, 64]
    # a stretch with no analysis reads silent
    assert stream_peaks([second], duration=3.0, per_second=1) == [0, 0, 64]


def test_decimation_and_rate_fit_a_four_hour_stream():
    assert decimate_max([1, 5, 2, 2, 9], 2) == [5, 2, 9]
    assert peaks_rate_for(4 * 3600, native=10, max_points=200_000) == 10
    assert peaks_rate_for(12 * 3600, native=10, max_points=200_000) == 4


WORDS = [
    {"start": 0.0, "end": 0.4, "word": " we", "probability": 0.9},
    {"start": 0.4, "end": 0.9, "word": " beat", "probability": 0.8},
    {"start": 0.9, "end": 1.5, "word": " the", "probability": 0.9},
    {"start": 1.5, "end": 2.0, "word": " bos", "probability": 0.3},
]


def test_a_corrected_word_takes_the_old_words_time_and_unchanged_ones_keep_theirs():
    words = realign_words(WORDS, "We beat the boss!")
    assert [w["word"] for w in words] == [" We", " beat", " the", " boss!"]
    assert [(w["start"], w["end"]) for w in words] == [(0.0, 0.4), (0.4, 0.9), (0.9, 1.5), (1.5, 2.0)]
    assert words[1]["probability"] == 0.8


def test_a_run_replaced_by_more_words_shares_its_span_and_removed_words_go():
    words = realign_words(WORDS, "we finally defeated the")
    assert [w["word"].strip() for w in words] == ["we", "finally", "defeated", "the"]
    assert [(w["start"], w["end"]) for w in words[1:3]] == [(0.4, 0.65), (0.65, 0.9)]


def test_inserted_words_share_a_neighbours_time_when_there_is_no_gap():
    words = realign_words(WORDS, "so we beat the bos")
    assert words[0]["word"] == " so" and (words[0]["start"], words[0]["end"]) == (0.0, 0.4)
    assert len(words) == 5


def test_segments_without_word_timings_stay_without():
    assert realign_words([], "anything") == []


def test_a_stream_time_finds_its_clip_and_a_moment_is_clamped_to_it():
    clips = [ClipSpan(1, 0.0, 100.0), ClipSpan(2, 100.0, 50.0)]
    assert clip_at(clips, 99.9).id == 1
    assert clip_at(clips, 100.0).id == 2
    assert clip_at(clips, 150.0).id == 2
    assert clip_at(clips, 151.0) is None
    clip, start, end = highlight_in_clip(clips, 90.0, 120.0, 105.0)
    assert (clip.id, start, end) == (2, 0.0, 20.0)
    with pytest.raises(ReviewError, match="outside the stream"):
        highlight_in_clip(clips, 150.0, 170.0, 160.0)
