import subprocess
import sys

import pytest

from rendering.publishing.youtube_description import (
    DESCRIPTION_MAX_BYTES,
    MetadataError,
    chapter_problems,
    clean_tags,
    clean_title,
    format_chapters,
    format_timestamp,
    render_description,
)

CHAPTERS = [(0, "Intro"), (65.7, "Boss fight"), (3725, "Wrap-up")]


@pytest.mark.parametrize(
    "module",
    [
        "rendering.publishing.youtube_description",
        "rendering.publishing.youtube",
        "rendering.publishing.archive",
        "rendering.publishing.sealed",
    ],
)
def test_publishing_cores_import_without_django(module):
    code = f"import sys, {module}; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0:00"), (9.9, "0:09"), (75, "1:15"), (600, "10:00"), (3725, "1:02:05")]
)
def test_timestamps_use_youtube_notation(seconds, text):
    assert format_timestamp(seconds) == text


def test_chapters_become_one_line_each():
    assert format_chapters(CHAPTERS) == "0:00 Intro\n1:05 Boss fight\n1:02:05 Wrap-up"


@pytest.mark.parametrize(
    ("chapters", "duration", "problem"),
    [
        ([(0, "a"), (20, "b")], None, "at least 3 chapters, got 2"),
        ([(5, "a"), (20, "b"), (40, "c")], None, "must start at 0:00, not 0:05"),
        ([(0, "a"), (9, "b"), (40, "c")], None, "chapter 1 (0:00) lasts 9 s"),
        ([(0, "a"), (20, "b"), (40, "c")], 45, "chapter 3 (0:40) lasts 5 s"),
        ([(0, "a"), (20, " "), (40, "c")], None, "chapter 2 at 0:20 has no title"),
        # 0:10.9 and 0:20.1 are written as 0:10 and 0:20: exactly ten seconds, which YouTube accepts.
        ([(0, "a"), (10.9, "b"), (19.5, "c")], None, "chapter 2 (0:10) lasts 9 s"),
    ],
)
def test_chapters_youtube_would_ignore_are_refused_with_the_reason(chapters, duration, problem):
    assert any(problem in p for p in chapter_problems(chapters, duration=duration))
    with pytest.raises(MetadataError, match="chapters: "):
        format_chapters(chapters, duration=duration)


def test_valid_chapters_have_no_problems():
    assert chapter_problems([(0, "a"), (10.9, "b"), (20.1, "c")], duration=30) == []


def test_description_fills_the_series_template_and_keeps_unknown_placeholders():
    text = render_description(
        "{summary}\n\nPart {order} of {series} {unknown}\n\n{chapters}",
        chapters_block="0:00 A\n0:10 B\n0:20 C",
        summary="We <finally> beat it.",
        order=3,
        series="Speedruns",
    )
    assert text == "We ‹finally› beat it.\n\nPart 3 of Speedruns {unknown}\n\n0:00 A\n0:10 B\n0:20 C"


def test_chapters_are_appended_when_the_template_forgets_them():
    assert render_description("{summary}", chapters_block="0:00 A", summary="Hi") == "Hi\n\n0:00 A"


def test_a_long_description_is_shortened_before_the_chapters_which_survive_whole():
    block = format_chapters(CHAPTERS)
    text = render_description("{summary}\n\n{chapters}\n\nThanks", chapters_block=block, summary="é" * 4000)
    assert len(text.encode()) <= DESCRIPTION_MAX_BYTES
    assert text.endswith(block + "\n\nThanks")
    assert text.startswith("éé") and "…" in text


def test_titles_are_trimmed_to_youtube_limits():
    assert clean_title("  Boss <rush>\n day ") == "Boss ‹rush› day"
    assert len(clean_title("x" * 300)) == 100
    with pytest.raises(MetadataError, match="title"):
        clean_title("   ")


def test_tags_are_deduplicated_and_stop_before_the_total_limit():
    assert clean_tags(["speedrun", "Speedrun", " boss fight ", "", "a,b"]) == ["speedrun", "boss fight", "a b"]
    many = clean_tags(f"tag{i:03d}" for i in range(200))
    assert sum(len(t) for t in many) + len(many) - 1 <= 500
    assert len(many) == 71  # 71 x 6 characters + 70 commas = 496; one more would pass 500
