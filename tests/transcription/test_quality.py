import pytest

from transcription.quality import is_implausibly_fast


@pytest.mark.parametrize(
    ("start", "end", "text", "words", "dropped"),
    [
        (7.461, 7.521, "Thank you very much.", 4, True),  # seen at the edge of a clip range
        (4.801, 7.461, "Welcome back to the stream, everyone.", 6, False),
        (1.0, 1.3, "Yes.", 1, False),
        (1.0, 1.0, "", 0, False),
        (2.0, 2.1, "Bye bye.", None, True),  # no word timings: counted from the text
    ],
)
def test_segments_faster_than_anyone_speaks_are_dropped(start, end, text, words, dropped):
    assert is_implausibly_fast(start=start, end=end, text=text, word_count=words) is dropped
