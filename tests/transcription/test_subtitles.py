"""The one SRT/WebVTT writer (clip and stream transcripts, rendered episodes): timing and safe cue text."""

import pytest

from transcription.subtitles import cue_text, srt, webvtt


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("  plain   words ", "plain words"),
        ("two\nlines\r\n\nand a blank", "two lines and a blank"),
        ("a --> b", "a -> b"),
        ("a ---> b", "a -> b"),
        ("a ----> b --> c", "a -> b -> c"),
        ("\n \t", ""),
    ],
)
def test_cue_text_is_one_safe_line(text, line):
    assert cue_text(text) == line


def test_srt_and_webvtt_escape_the_timing_arrow_alike():
    cues = [(0, 2.5, "Hello"), (3723.004, 3724, "Later --> now")]

    assert srt(cues) == "1\n00:00:00,000 --> 00:00:02,500\nHello\n\n2\n01:02:03,004 --> 01:02:04,000\nLater -> now\n"
    assert webvtt(cues) == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nHello\n\n01:02:03.004 --> 01:02:04.000\nLater -&gt; now\n"
    )


def test_webvtt_escapes_markup_srt_keeps_it():
    cues = [(1, 2, "a < b & c > d")]

    assert webvtt(cues).endswith("\na &lt; b &amp; c &gt; d\n")
    assert srt(cues).endswith("\na < b & c > d\n")


def test_empty_cues_are_left_out_and_numbering_stays_continuous():
    cues = [(0, 1, "one"), (1, 2, "   "), (2, 3, "two")]

    assert srt(cues) == "1\n00:00:00,000 --> 00:00:01,000\none\n\n2\n00:00:02,000 --> 00:00:03,000\ntwo\n"
    assert webvtt([]) == "WEBVTT\n\n"


def test_an_end_before_its_start_is_clamped_and_negative_times_are_zero():
    assert srt([(-0.4, -1, "x")]) == "1\n00:00:00,000 --> 00:00:00,000\nx\n"
