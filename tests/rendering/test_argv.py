"""The cut list -> ffmpeg argv builder, over literal cut lists (milliseconds, no ffmpeg)."""

import subprocess
import sys

import pytest

from episodes.cutlist import CutListError, validate_cut_list
from rendering.argv import PRESETS, build_render_argv, get_preset, volume_expression


def doc(**extra):
    base = {
        "version": "1.0.0",
        "frameRate": 30,
        "inputMedia": [
            {
                "s3Location": "rec/a.mp4",
                "sections": [{"startFrame": 45, "endFrame": 75}, {"startFrame": 0, "endFrame": 30}],
            },
            {"s3Location": "assets/logo.mov", "sections": [{"startFrame": 0, "endFrame": 60}]},
        ],
        "outputTrack": [{"mediaIndex": 0, "sectionIndex": 0}, {"mediaIndex": 0, "sectionIndex": 1}],
    }
    base.update(extra)
    return base


def argv_for(document, preset="draft", **kwargs):
    return build_render_argv(
        validate_cut_list(document), ["/m/a.mp4", "/m/logo.mov"], "/out/e.mp4", get_preset(preset), **kwargs
    )


def graph(argv):
    return argv[argv.index("-filter_complex") + 1]


def test_each_output_section_is_its_own_input_seeked_half_a_frame_early():
    argv = argv_for(doc())
    assert argv[:6] == ["-ss", f"{44.5 / 30:.6f}", "-t", f"{31.5 / 30:.6f}", "-i", "/m/a.mp4"]
    assert argv[6:12] == ["-ss", "0.000000", "-t", f"{31.5 / 30:.6f}", "-i", "/m/a.mp4"]
    filters = graph(argv)
    assert "[0:v:0]setpts=PTS-STARTPTS,fps=30,trim=end_frame=30," in filters
    assert "concat=n=2:v=1:a=1[vcat][aout]" in filters
    assert argv[-1] == "/out/e.mp4"
    assert argv.count("-filter_complex") == 1


def test_fades_in_and_out_count_frames_within_the_section():
    document = doc(
        outputTrack=[
            {
                "mediaIndex": 0,
                "sectionIndex": 0,
                "transitionIn": {"type": "fade", "duration": 10},
                "transitionOut": {"type": "fade", "duration": 6},
            },
            {"mediaIndex": 0, "sectionIndex": 1, "transitionIn": {"type": "cut", "duration": 0}},
        ]
    )
    filters = graph(argv_for(document))
    first, second = filters.split(";")[0], filters.split(";")[2]
    assert "fade=t=in:s=0:n=10" in first and "fade=t=out:s=24:n=6" in first
    assert "afade=t=in:st=0:d=0.333333" in filters and "afade=t=out:st=0.800000:d=0.200000" in filters
    assert "fade" not in second


def test_overlays_sit_at_output_frames_with_position_and_keying():
    document = doc(
        overlayTracks=[
            {"startFrame": 0, "mediaIndex": 1, "sectionIndex": 0, "type": "alpha"},
            {"startFrame": 12, "mediaIndex": 1, "sectionIndex": 0, "type": "colorkey", "x": 40, "y": 8.5},
        ]
    )
    filters = graph(argv_for(document))
    # Placed in time by their shifted timestamps alone: no enable on the frame counter.
    assert "[vcat][ov0]overlay=x=0:y=0:eof_action=pass[o0]" in filters
    assert "[o0][ov1]overlay=x=40:y=8.5:eof_action=pass[o1]" in filters
    assert "colorkey=black" in filters.split("[ov1]")[0].split(";")[-1]
    assert "setpts=PTS+12/((30)*TB)[ov1]" in filters


def overlay_chain(filters, j):
    return next(chain for chain in filters.split(";") if chain.endswith(f"[ov{j}]"))


def test_overlays_fit_the_output_unless_the_cut_list_sizes_them():
    document = doc(
        overlayTracks=[
            {"startFrame": 0, "mediaIndex": 1, "sectionIndex": 0, "type": "alpha"},
            {"startFrame": 0, "mediaIndex": 1, "sectionIndex": 0, "type": "alpha", "scale": "fit"},
            {"startFrame": 0, "mediaIndex": 1, "sectionIndex": 0, "type": "colorkey", "scale": "none"},
            {"startFrame": 0, "mediaIndex": 1, "sectionIndex": 0, "type": "alpha", "width": 200, "height": 50},
            {"startFrame": 0, "mediaIndex": 1, "sectionIndex": 0, "type": "alpha", "width": 200},
        ]
    )
    filters = graph(argv_for(document))  # draft: 1280x720
    fit = "scale=1280:720:force_original_aspect_ratio=decrease,format=yuva420p"
    assert fit in overlay_chain(filters, 0) and fit in overlay_chain(filters, 1)
    assert "scale=" not in overlay_chain(filters, 2)
    assert "colorkey=black:0.1:0.05,format=yuva420p" in overlay_chain(filters, 2)
    assert "scale=200:50,format" in overlay_chain(filters, 3)
    assert "scale=200:-1,format" in overlay_chain(filters, 4)


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ({"scale": "stretch"}, "/overlayTracks/0/scale: must be one of fit, none (got 'stretch')"),
        ({"scale": "none", "width": 10}, "/overlayTracks/0/scale: give either scale or width/height, not both"),
        ({"width": 0}, "/overlayTracks/0/width: must be >= 1 (got 0)"),
        ({"height": 2.5}, "/overlayTracks/0/height: must be an integer"),
    ],
)
def test_overlay_size_keys_are_checked(extra, problem):
    overlay = {"startFrame": 0, "mediaIndex": 1, "sectionIndex": 0, "type": "alpha", **extra}
    with pytest.raises(CutListError) as caught:
        validate_cut_list(doc(overlayTracks=[overlay]))
    assert caught.value.problems == [problem]


def test_audio_track_selection_and_silence_for_media_without_audio():
    document = doc()
    document["inputMedia"][0]["audioTrack"] = 1
    assert "[0:a:1]atrim" in graph(argv_for(document, audio_streams=[2, 0]))
    silent = graph(argv_for(doc(), audio_streams=[0, 0]))
    assert "anullsrc=r=48000" in silent and "[0:a" not in silent
    with pytest.raises(CutListError, match="/inputMedia/0/audioTrack: out of range: 1"):
        argv_for(document, audio_streams=[1, 0])


def test_audio_mixing_routes_channels_with_volume_keyframes():
    document = doc(
        audioMixing=[
            {
                "sourceChannel": 1,
                "outputChannel": 0,
                "keyframes": [{"frame": 0, "volume": 1}, {"frame": 30, "volume": 0}],
            },
            {"sourceChannel": 0, "outputChannel": 0, "keyframes": [{"frame": 0, "volume": 0.5}]},
        ]
    )
    filters = graph(argv_for(document))
    assert "pan=stereo|c0=c0|c1=c1" in filters  # sections keep both source channels apart
    assert "[mix0in]pan=mono|c0=c1,volume=volume='" in filters
    assert "amerge=inputs=2,pan=stereo|c0=c0+c1|c1=0*c0[aout]" in filters
    bad = doc(audioMixing=[{"sourceChannel": 0, "outputChannel": 2, "keyframes": [{"frame": 0, "volume": 1}]}])
    with pytest.raises(CutListError, match="/audioMixing/0/outputChannel"):
        argv_for(bad)


@pytest.mark.parametrize(("t", "expected"), [(0.0, 1.0), (0.5, 0.5), (1.0, 0.0), (2.5, 0.0), (3.0, 2.0), (9, 2.0)])
def test_volume_expression_interpolates_between_keyframes(t, expected):
    keys = (
        validate_cut_list(
            doc(
                audioMixing=[
                    {
                        "sourceChannel": 0,
                        "outputChannel": 0,
                        "keyframes": [
                            {"frame": 0, "volume": 1},
                            {"frame": 30, "volume": 0},
                            {"frame": 75, "volume": 0},
                            {"frame": 90, "volume": 2},
                        ],
                    }
                ]
            )
        )
        .audio_mixing[0]
        .keyframes
    )
    expression = volume_expression(keys, 30)
    value = eval(
        expression.replace("if(", "_if(").replace("lt(", "_lt("),  # noqa: S307  (our own literal)
        {"_if": lambda c, a, b: a if c else b, "_lt": lambda a, b: a < b, "t": t},
    )
    assert value == pytest.approx(expected)


def test_reference_preset_and_other_settings():
    reference = PRESETS["reference"]
    assert (reference.width, reference.height) == (2560, 1440)
    assert reference.video_args()[:6] == ["-c:v", "libx264", "-crf", "18", "-preset", "medium"]
    assert reference.audio_args() == ["-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2"]
    assert "-cq" in PRESETS["nvenc"].video_args()
    assert get_preset("reference", crf=20, width=1920, height=1080).size == (1920, 1080)
    with pytest.raises(ValueError, match="unknown render preset"):
        get_preset("8k")


def test_source_sized_preset_needs_the_source_size():
    with pytest.raises(ValueError, match="source_size"):
        argv_for(doc(), preset="source")
    assert "scale=1280:720" in graph(argv_for(doc(), preset="source", source_size=(1280, 720)))


def test_pure_cores_import_without_django():
    code = (
        "import sys; import rendering.argv, rendering.smartcut, rendering.remux, rendering.render, "
        "rendering.chapters, rendering.subtitles, rendering.vertical, streams.chunks, rendering.otio; "
        "assert not [m for m in sys.modules if m.startswith('django')], 'django imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_an_input_without_video_gets_a_black_frame_of_the_output_size():
    one_section = doc(outputTrack=[{"mediaIndex": 0, "sectionIndex": 0}])

    filters = graph(argv_for(one_section, video_inputs=[False, True]))

    assert "[0:v:0]" not in filters
    assert filters.startswith("color=c=black:s=1280x720:r=30,trim=end_frame=30,setsar=1,format=yuv420p[v0];")
    assert "[0:a:0]atrim=" in filters
