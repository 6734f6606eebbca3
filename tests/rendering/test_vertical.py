"""Vertical 9:16 clips: blurred background, centred original, word-timed captions, logo."""

import av
import numpy as np

from rendering.argv import get_preset
from rendering.subtitles import Cue
from rendering.vertical import captions_ass, highlight_cues, render_vertical
from tests.rendering.render_media import rgb_frames

SEGMENTS = [
    {
        "start": 0.5,
        "end": 3.5,
        "text": "one two three four",
        "words": [
            {"start": 1.0, "end": 1.3, "word": "one"},
            {"start": 1.4, "end": 1.7, "word": "two"},
            {"start": 1.8, "end": 2.2, "word": "three"},
            {"start": 2.6, "end": 3.0, "word": "four"},
        ],
    }
]


def test_word_timed_captions_become_karaoke_lines():
    cues = highlight_cues(SEGMENTS, 1.0, 3.5)
    ass = captions_ass(cues, words_per_caption=3)
    lines = [line for line in ass.splitlines() if line.startswith("Dialogue:")]
    assert lines == [
        "Dialogue: 0,0:00:00.00,0:00:01.20,Caption,,0,0,0,,{\\k30}one {\\k10}{\\k30}two {\\k10}{\\k40}three",
        "Dialogue: 0,0:00:01.60,0:00:02.00,Caption,,0,0,0,,{\\k40}four",
    ]
    plain = captions_ass([Cue(0, 1, "no {tags} here")])
    assert "Dialogue: 0,0:00:00.00,0:00:01.00,Caption,,0,0,0,,no (tags) here" in plain
    assert "PlayResX: 1080\nPlayResY: 1920" in plain


def test_vertical_clip_has_blurred_background_centred_original_captions_and_logo(
    make_recording, colorkey_asset, tmp_path
):
    source = make_recording("wide.mp4", seconds=4)
    out = tmp_path / "vertical.mp4"
    size = (180, 320)  # 9:16, scaled down for the test
    render_vertical(
        source,
        1.0,
        3.5,
        out,
        segments=SEGMENTS,
        logo=colorkey_asset,
        size=size,
        preset=get_preset("draft", width=size[0], height=size[1]),
    )
    with av.open(str(out)) as container:
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == size
        assert container.streams.audio
    frames = rgb_frames(out)
    assert len(frames) == 75

    def sharpness(region):
        return np.abs(np.diff(region.astype(int), axis=1)).mean()

    # The original sits centred at full width (180x102 in 180x320); above and below it, the blur.
    frame = frames[39]
    assert sharpness(frame[140:180]) > 3 * sharpness(frame[60:100])

    def outline(frame):  # caption text has a black outline; the blurred background has no black
        return int((frame[235:285].max(axis=2) < 40).sum())

    # Captions at 0.0-1.2 s and 1.6-2.0 s of the clip; none at 1.3 s (frame 39) or after 2.0 s.
    assert outline(frames[15]) > 100 and outline(frames[54]) > 50
    assert outline(frames[39]) == outline(frames[70]) == 0
    # The logo (a red box on black) sits in the top-right corner.
    r, g, b = frames[5][20, 153].astype(int)
    assert r > 150 and g < 90 and b < 90
