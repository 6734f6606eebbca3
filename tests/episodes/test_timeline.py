"""Episode tracks on the stream timeline -> cut list sections of its clips."""

import pytest

from episodes.cutlist import validate_cut_list
from episodes.timeline import Asset, ClipRef, episode_cut_list

CLIPS = [ClipRef("clips/0.mp4", 0, 100, 30), ClipRef("clips/1.mp4", 100, 50, 30), ClipRef("clips/2.mp4", 150, 80, 30)]


def test_tracks_spanning_clip_boundaries_become_one_section_per_clip():
    document = episode_cut_list([{"start": 90, "end": 160}, {"start": 200, "end": 210.5}], CLIPS)
    cut_list = validate_cut_list(document)
    assert cut_list.frame_rate == 30
    assert [(m.location, [(s.start_frame, s.end_frame) for s in m.sections]) for m in cut_list.inputs] == [
        ("clips/0.mp4", [(2700, 3000)]),
        ("clips/1.mp4", [(0, 1500)]),
        ("clips/2.mp4", [(0, 300), (1500, 1815)]),
    ]
    assert [(o.media_index, o.section_index) for o in cut_list.output] == [(0, 0), (1, 0), (2, 0), (2, 1)]
    assert cut_list.output_frames == round(80.5 * 30)


def test_series_intro_outro_and_overlay():
    document = episode_cut_list(
        [{"start": 10, "end": 20}],
        CLIPS,
        intro=Asset("series/intro.mp4", 3),
        outro=Asset("series/outro.mp4", 5),
        overlay=Asset("series/logo.mov", 4),
        outro_fade=1,
    )
    cut_list = validate_cut_list(document)
    assert [cut_list.inputs[o.media_index].location for o in cut_list.output] == [
        "series/intro.mp4",
        "clips/0.mp4",
        "series/outro.mp4",
    ]
    assert cut_list.output[-1].transition_in.type == "fade" and cut_list.output[-1].transition_in.duration == 30
    assert cut_list.overlays[0].start_frame == 0 and cut_list.overlays[0].type == "alpha"
    assert cut_list.section(cut_list.overlays[0].media_index, 0).frames == 120


def test_mixed_frame_rates_fall_back_to_60_and_empty_edits_are_refused():
    mixed = [ClipRef("a.mp4", 0, 10, 30), ClipRef("b.mp4", 10, 10, 60)]
    assert episode_cut_list([{"start": 0, "end": 20}], mixed)["frameRate"] == 60
    with pytest.raises(ValueError, match="cover none"):
        episode_cut_list([{"start": 500, "end": 600}], CLIPS)
