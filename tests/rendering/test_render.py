"""Real renders of small generated recordings: every cut list field, the fast paths, bad input."""

import shutil

import numpy as np
import pytest

from episodes.cutlist import CutListError, validate_cut_list
from pipeline.ffmpeg import Cancelled
from rendering.argv import get_preset
from rendering.render import render_cut_list
from rendering.smartcut import COPY, REENCODE, SMARTCUT
from tests.rendering.render_media import (
    audio_samples,
    frame_hash,
    gray_frames,
    nearest_source_frame,
    rgb_frames,
    rms_db,
)

SMALL = get_preset("draft", width=320, height=180)


def render(document, paths, out, **kwargs):
    return render_cut_list(validate_cut_list(document), paths, out, preset=kwargs.pop("preset", SMALL), **kwargs)


def media(*sections_per_input):
    return [
        {"s3Location": f"rec/{i}.mp4", "sections": [{"startFrame": s, "endFrame": e} for s, e in sections]}
        for i, sections in enumerate(sections_per_input)
    ]


@pytest.fixture(scope="module")
def recordings(make_recording):
    return [make_recording(f"rec{i}.mp4", seconds=2, offset=3 * i) for i in range(4)]


def test_contract_example_multi_recording_with_faded_outro_and_three_overlays(
    recordings, make_recording, alpha_asset, colorkey_asset, tmp_path
):
    # Given CONTRACTS.md's example scaled down: four recordings, a 1 s outro entering with a 10-frame fade,
    # an alpha intro overlay at output frame 0 and colorkey overlays at output frames 15 and 30.
    outro = make_recording("outro.mp4", seconds=1, offset=20)
    inputs = media([(21, 60)], [(0, 60)], [(0, 60)], [(0, 9)], [(0, 30)], [(0, 30)], [(0, 30)])
    inputs[5]["s3Location"], inputs[6]["s3Location"] = "assets/intro.mov", "assets/box.mp4"
    document = {
        "version": "1.0.0",
        "frameRate": 30,
        "inputMedia": inputs,
        "outputTrack": [{"mediaIndex": i, "sectionIndex": 0} for i in range(4)]
        + [{"mediaIndex": 4, "sectionIndex": 0, "transitionIn": {"type": "fade", "duration": 10}}],
        "overlayTracks": [
            {"startFrame": 0, "mediaIndex": 5, "sectionIndex": 0, "type": "alpha", "scale": "none"},
            {"startFrame": 15, "mediaIndex": 6, "sectionIndex": 0, "type": "colorkey", "x": 256, "scale": "none"},
            {"startFrame": 30, "mediaIndex": 6, "sectionIndex": 0, "type": "colorkey", "x": 256, "y": 140}
            | {"scale": "none"},
        ],
    }
    out = tmp_path / "episode.mp4"
    result = render(document, [*recordings, outro, alpha_asset, colorkey_asset], out)

    assert result.mode == REENCODE
    frames = rgb_frames(out)
    assert len(frames) == 39 + 60 + 60 + 9 + 30
    gray = gray_frames(out)
    # Every cut: the first and last output frame of each section show the expected source frames.
    starts = [0, 39, 99, 159]  # then the outro at 168
    expected = [(0, 21, 59), (1, 0, 59), (2, 0, 59), (3, 0, 8)]
    for (source, first, last), start in zip(expected, starts, strict=True):
        source_frames = gray_frames(recordings[source])
        assert nearest_source_frame(gray[start], source_frames) == first
        assert nearest_source_frame(gray[start + last - first], source_frames) == last
    outro_frames = gray_frames(outro)
    assert nearest_source_frame(gray[197], outro_frames) == 29
    # The outro fades in from black over 10 frames.
    assert gray[168].mean() < 20 < gray[178].mean()

    def green(frame):  # the alpha overlay's box at (16..48, 10..30)
        r, g, b = frame[20, 32].astype(int)
        return g > 180 and r < 80 and b < 80

    def red(frame, y):  # the keyed box at x 256+16.., y+10..
        r, g, b = frame[y + 20, 256 + 32].astype(int)
        return r > 180 and g < 80 and b < 80

    assert green(frames[0]) and green(frames[29]) and not green(frames[30])
    assert not red(frames[14], 0) and red(frames[15], 0) and red(frames[44], 0) and not red(frames[45], 0)
    assert red(frames[30], 140) and red(frames[59], 140) and not red(frames[60], 140)
    # Keyed: the black around the red box does not cover the picture.
    assert frames[15][2, 258].mean() == pytest.approx(frames[14][2, 258].mean(), abs=40)


def test_sections_on_keyframes_are_stream_copied_bit_exact(recordings, tmp_path):
    document = {
        "version": "1.0.0",
        "frameRate": 30,
        "inputMedia": media([(15, 45)], [(30, 60)]),
        "outputTrack": [{"mediaIndex": 1, "sectionIndex": 0}, {"mediaIndex": 0, "sectionIndex": 0}],
    }
    out = tmp_path / "copy.mp4"
    result = render(document, recordings[:2], out)
    assert result.mode == COPY and result.encoded_frames == 0
    output = [frame_hash(f) for f in gray_frames(out)]
    expected = [frame_hash(f) for f in gray_frames(recordings[1])[30:60] + gray_frames(recordings[0])[15:45]]
    assert output == expected


def test_smart_cut_encodes_only_partial_gops_and_stays_frame_accurate(recordings, tmp_path):
    document = {
        "version": "1.0.0",
        "frameRate": 30,
        "inputMedia": media([(7, 52)], [(20, 29)]),
        "outputTrack": [{"mediaIndex": 0, "sectionIndex": 0}, {"mediaIndex": 1, "sectionIndex": 0}],
    }
    out = tmp_path / "smart.mp4"
    result = render(document, recordings[:2], out)
    assert result.mode == SMARTCUT
    assert result.encoded_frames == (15 - 7) + (52 - 45) + 9
    output, first, second = gray_frames(out), gray_frames(recordings[0]), gray_frames(recordings[1])
    assert len(output) == 45 + 9
    # Copied GOPs [15, 45) decode to exactly the source's frames.
    assert [frame_hash(f) for f in output[8:38]] == [frame_hash(f) for f in first[15:45]]
    # Re-encoded frames at every cut show the right source frames.
    for position, frame in [(0, 7), (7, 14), (38, 45), (44, 51)]:
        assert nearest_source_frame(output[position], first) == frame
    for position, frame in [(45, 20), (53, 28)]:
        assert nearest_source_frame(output[position], second) == frame
    audio, rate = audio_samples(out)
    assert audio.shape[1] / rate == pytest.approx(54 / 30, abs=0.03)


@pytest.mark.parametrize("mode", ["auto", REENCODE])
def test_audio_mixing_routes_channels_with_volume_automation(recordings, tmp_path, mode):
    # Source: left 440 Hz at -6 dBFS peak, right 1000 Hz at -12 dBFS peak.
    document = {
        "version": "1.0.0",
        "frameRate": 30,
        "inputMedia": media([(0, 60)]),
        "outputTrack": [{"mediaIndex": 0, "sectionIndex": 0}],
        "audioMixing": [
            {"sourceChannel": 1, "outputChannel": 0, "keyframes": [{"frame": 0, "volume": 2}]},
            {
                "sourceChannel": 0,
                "outputChannel": 1,
                "keyframes": [{"frame": 0, "volume": 1}, {"frame": 30, "volume": 1}, {"frame": 45, "volume": 0}],
            },
        ],
    }
    out = tmp_path / "mixed.mp4"
    result = render(document, recordings[:1], out, mode=mode)
    assert result.mode == (COPY if mode == "auto" else REENCODE)
    audio, rate = audio_samples(out)
    left, right = audio[0], audio[1]
    sine_at_half = 20 * np.log10(0.5 / np.sqrt(2))
    assert rms_db(left[int(0.1 * rate) : int(1.9 * rate)]) == pytest.approx(sine_at_half, abs=1.0)
    assert dominant_hz(left[:rate], rate) == pytest.approx(1000, abs=20)
    assert rms_db(right[int(0.1 * rate) : int(0.9 * rate)]) == pytest.approx(sine_at_half, abs=1.0)
    assert dominant_hz(right[:rate], rate) == pytest.approx(440, abs=20)
    assert rms_db(right[int(1.55 * rate) : int(1.95 * rate)]) < -60


def dominant_hz(samples, rate):
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[np.argmax(spectrum)])


def test_audio_track_choice_picks_the_second_stream(recordings, tmp_path):
    inputs = media([(0, 30)])
    inputs[0]["audioTrack"] = 1
    document = {
        "version": "1.0.0",
        "frameRate": 30,
        "inputMedia": inputs,
        "outputTrack": [{"mediaIndex": 0, "sectionIndex": 0}],
    }
    out = tmp_path / "track.mp4"
    render(document, recordings[:1], out)
    audio, rate = audio_samples(out)
    assert dominant_hz(audio[0], rate) == pytest.approx(660, abs=20)
    assert dominant_hz(audio[1], rate) == pytest.approx(660, abs=20)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d.update(extra=1), "/extra: unknown key"),
        (lambda d: d["inputMedia"][0]["sections"][0].update(note="x"), "/inputMedia/0/sections/0/note: unknown key"),
        (lambda d: d["outputTrack"][0].update(mediaIndex=3), "/outputTrack/0/mediaIndex: out of range"),
        (lambda d: d["outputTrack"][0].update(sectionIndex=2), "/outputTrack/0/sectionIndex: out of range"),
        (lambda d: d["inputMedia"][0]["sections"][0].update(endFrame=5), "/inputMedia/0/sections/0/endFrame: must be"),
        (lambda d: d["inputMedia"][0].update(s3Location="/etc/passwd"), "/inputMedia/0/s3Location: must be a relative"),
        (lambda d: d["inputMedia"][0].update(s3Location="rec/../../x.mp4"), "/inputMedia/0/s3Location: must not"),
        (lambda d: d["inputMedia"][0].update(audioTrack=-1), "/inputMedia/0/audioTrack: must be >= 0"),
    ],
)
def test_malformed_cut_lists_name_the_field(change, problem):
    document = {
        "version": "1.0.0",
        "frameRate": 30,
        "inputMedia": media([(10, 40)]),
        "outputTrack": [{"mediaIndex": 0, "sectionIndex": 0}],
    }
    change(document)
    with pytest.raises(CutListError) as error:
        validate_cut_list(document)
    assert any(p.startswith(problem) for p in error.value.problems), error.value.problems


def test_media_problems_name_the_field_and_leave_no_output(recordings, tmp_path):
    out = tmp_path / "out.mp4"
    document = {
        "version": "1.0.0",
        "frameRate": 30,
        "inputMedia": media([(0, 30)], [(10, 600)]),
        "outputTrack": [{"mediaIndex": 0, "sectionIndex": 0}, {"mediaIndex": 1, "sectionIndex": 0}],
    }
    with pytest.raises(CutListError, match=r"/inputMedia/1/s3Location: no such file 'rec/1.mp4'"):
        render(document, [recordings[0], tmp_path / "missing.mp4"], out)
    with pytest.raises(CutListError, match=r"/inputMedia/1/sections/0/endFrame: 600 is past the end .* \(60 frames"):
        render(document, recordings[:2], out)
    document["inputMedia"][1]["sections"][0]["endFrame"] = 30
    document["inputMedia"][0]["audioTrack"] = 2
    with pytest.raises(CutListError, match=r"/inputMedia/0/audioTrack: out of range: 2 .* has 2 audio stream"):
        render(document, recordings[:2], out)
    not_media = tmp_path / "notes.mp4"
    not_media.write_text("not a video")
    with pytest.raises(CutListError, match="notes.mp4: not a readable media file"):
        render(document, [recordings[0], not_media], out)
    assert not out.exists()


def test_cancel_stops_ffmpeg_and_keeps_the_previous_output(recordings, tmp_path):
    out = tmp_path / "kept.mp4"
    shutil.copy(recordings[0], out)
    before = out.read_bytes()
    document = {
        "version": "1.0.0",
        "frameRate": 30,
        "inputMedia": media([(3, 57)]),
        "outputTrack": [{"mediaIndex": 0, "sectionIndex": 0, "transitionIn": {"type": "fade", "duration": 5}}],
    }
    with pytest.raises(Cancelled):
        render(
            document, recordings[:1], out, preset=get_preset("reference", speed="veryslow"), should_stop=lambda: True
        )
    assert out.read_bytes() == before
    assert list(tmp_path.iterdir()) == [out]
