"""Chapters: candidates through the edit, YouTube's rules, MP4 chapter metadata read back with PyAV."""

import av
import pytest

from episodes.cutlist import validate_cut_list
from pipeline.ffmpeg import run_ffmpeg
from rendering.chapters import Chapter, build_chapters, chapter_candidates, ffmetadata
from rendering.subtitles import mux_extras_args


def edit():
    # rec/a.mp4 [60 s, 100 s) then rec/b.mp4 [0 s, 45 s) at 30 fps: 85 s out.
    return validate_cut_list(
        {
            "version": "1.0.0",
            "frameRate": 30,
            "inputMedia": [
                {"s3Location": "rec/a.mp4", "sections": [{"startFrame": 1800, "endFrame": 3000}]},
                {"s3Location": "rec/b.mp4", "sections": [{"startFrame": 0, "endFrame": 1350}]},
            ],
            "outputTrack": [{"mediaIndex": 0, "sectionIndex": 0}, {"mediaIndex": 1, "sectionIndex": 0}],
        }
    )


def test_topics_map_through_the_edit_and_dropped_ones_vanish():
    topics = {
        "rec/a.mp4": [{"start": 75, "title": "Boss fight"}, {"start": 10, "title": "Cut away"}],
        "rec/b.mp4": [{"start": 20, "title": "Q&A"}],
    }
    candidates = chapter_candidates(edit(), section_titles=["Stream start", "After the break"], topics=topics)
    assert (0.0, "Stream start", 0) in candidates and (40.0, "After the break", 0) in candidates
    assert (15.0, "Boss fight", 1) in candidates and (60.0, "Q&A", 1) in candidates
    assert not any(title == "Cut away" for _, title, _ in candidates)
    chapters = build_chapters(candidates, 85.0)
    assert chapters == [
        Chapter(0.0, "Stream start"),
        Chapter(15.0, "Boss fight"),
        Chapter(40.0, "After the break"),
        Chapter(60.0, "Q&A"),
    ]


@pytest.mark.parametrize(
    ("candidates", "duration", "expected"),
    [
        # First chapter always at 0:00, each >= 10 s: 5 s and 12 s collapse, the last 4 s are dropped.
        (
            [(3, "Hello"), (5, "Close"), (20, "Middle"), (40, "Late"), (56, "Tail")],
            60,
            [(0, "Hello"), (20, "Middle"), (40, "Late")],
        ),
        # A topic replaces a section start that is too close to it.
        (
            [(0, "Part 1", 0), (30, "Part 2", 0), (33, "Topic", 1), (60, "Part 3", 0)],
            90,
            [(0, "Part 1"), (33, "Topic"), (60, "Part 3")],
        ),
        # Fewer than three that fit: no chapters at all.
        ([(0, "A"), (30, "B")], 100, []),
        ([(0, "A"), (5, "B"), (9, "C")], 15, []),
    ],
)
def test_youtube_rules(candidates, duration, expected):
    assert [(c.start, c.title) for c in build_chapters(candidates, duration)] == expected


def test_chapters_written_as_mp4_metadata_read_back(make_recording, tmp_path):
    video = make_recording("chaptered.mp4", seconds=4)
    chapters = [Chapter(0, "Opening"), Chapter(1.5, "Middle = part; two"), Chapter(3, "End")]
    meta = tmp_path / "chapters.txt"
    meta.write_text(ffmetadata(chapters, 4.0, title="Episode 1"))
    out = tmp_path / "with_chapters.mp4"
    run_ffmpeg(mux_extras_args(str(video), str(out), chapters=str(meta)))
    with av.open(str(out)) as container:
        read = container.chapters()
        assert [c["metadata"].get("title") for c in read] == ["Opening", "Middle = part; two", "End"]
        assert [float(c["start"] * c["time_base"]) for c in read] == [0.0, 1.5, 3.0]
        assert float(read[-1]["end"] * read[-1]["time_base"]) == 4.0
        assert container.streams.video[0].frames == 120
