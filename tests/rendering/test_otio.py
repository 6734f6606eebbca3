"""OpenTimelineIO export of a cut list: tracks, ranges, overlays, round trip through the otio_json adapter."""

import opentimelineio as otio

from episodes.cutlist import validate_cut_list
from rendering.otio import cut_list_to_otio_json

DOC = {
    "version": "1.0.0",
    "frameRate": 60,
    "inputMedia": [
        {"s3Location": "clips/a.mp4", "sections": [{"startFrame": 20100, "endFrame": 72250}]},
        {"s3Location": "clips/b.mp4", "sections": [{"startFrame": 0, "endFrame": 72000}], "audioTrack": 1},
        {"s3Location": "series/outro.mp4", "sections": [{"startFrame": 0, "endFrame": 1800}]},
        {"s3Location": "series/intro.mov", "sections": [{"startFrame": 0, "endFrame": 3600}]},
    ],
    "outputTrack": [
        {"mediaIndex": 0, "sectionIndex": 0},
        {"mediaIndex": 1, "sectionIndex": 0},
        {"mediaIndex": 2, "sectionIndex": 0, "transitionIn": {"type": "fade", "duration": 300}},
    ],
    "overlayTracks": [
        {"startFrame": 0, "mediaIndex": 3, "sectionIndex": 0, "type": "alpha"},
        {"startFrame": 1800, "mediaIndex": 3, "sectionIndex": 0, "type": "colorkey", "x": 10, "y": 20},
    ],
    "audioMixing": [{"sourceChannel": 0, "outputChannel": 1, "keyframes": [{"frame": 0, "volume": 0.5}]}],
}


def test_cut_list_round_trips_through_otio_json():
    text = cut_list_to_otio_json(
        validate_cut_list(DOC), name="Episode 3", urls={"clips/a.mp4": "file:///media/clips/a.mp4"}
    )
    timeline = otio.adapters.read_from_string(text, "otio_json")
    assert timeline.name == "Episode 3"
    names = [track.name for track in timeline.tracks]
    assert names == ["V1", "V2 overlay", "V3 overlay", "A1"]
    v1 = timeline.tracks[0]
    assert [clip.source_range.start_time.value for clip in v1] == [20100, 0, 0]
    assert [clip.source_range.duration.value for clip in v1] == [52150, 72000, 1800]
    assert v1[0].media_reference.target_url == "file:///media/clips/a.mp4"
    assert v1[1].media_reference.target_url == "clips/b.mp4"
    assert v1[2].metadata["stream_studio"]["transitionIn"] == {"type": "fade", "duration": 300}
    assert timeline.duration().value == 52150 + 72000 + 1800 and timeline.duration().rate == 60
    colorkey = timeline.tracks[2]
    assert isinstance(colorkey[0], otio.schema.Gap) and colorkey[0].duration().value == 1800
    assert colorkey[1].metadata["stream_studio"]["type"] == "colorkey"
    assert colorkey[1].metadata["stream_studio"]["scale"] == "fit"  # sized like the render: fitted to the output
    assert timeline.tracks[3][1].metadata["stream_studio"]["audioTrack"] == 1
    assert timeline.metadata["stream_studio"]["audioMixing"][0]["outputChannel"] == 1
