"""A render never hits the OS argument limits: long filter graphs go through a file, and the caps bound the rest."""

import os

import pytest

from episodes.cutlist import DEFAULT_LIMITS, validate_cut_list
from pipeline.ffmpeg import run_ffmpeg
from rendering import graphfile
from rendering.argv import build_render_argv, get_preset
from rendering.graphfile import graph_in_file
from rendering.render import render_cut_list
from rendering.smartcut import REENCODE
from tests.rendering.render_media import gray_frames

SINGLE_ARGUMENT_LIMIT = 128 * 1024  # Linux MAX_ARG_STRLEN
SMALL = get_preset("draft", width=320, height=180)


def test_a_graph_past_the_single_argument_limit_runs_from_a_file():
    # ffmpeg's graph parser skips whitespace, so this is a 140 KB graph that does almost nothing.
    graph = "[0:v]null" + " " * 140_000 + "[v]"
    args = ["-f", "lavfi", "-i", "testsrc=size=32x32:duration=0.2", "-filter_complex", graph, "-map", "[v]"]
    args += ["-f", "null", "-"]
    with pytest.raises(OSError, match="Argument list too long"):
        run_ffmpeg(args, duration=0.2)

    with graph_in_file(args) as argv:
        assert "-filter_complex" not in argv and all(len(arg) < 1000 for arg in argv)
        run_ffmpeg(argv, duration=0.2)


def test_a_render_reads_its_graph_from_a_file(make_recording, tmp_path, monkeypatch):
    recording = make_recording("graphfile.mp4", seconds=2)
    document = {
        "version": "1.0.0",
        "frameRate": 30,
        "inputMedia": [
            {
                "s3Location": "rec.mp4",
                "sections": [{"startFrame": s, "endFrame": e} for s, e in ((0, 10), (20, 25), (40, 52))],
            }
        ],
        "outputTrack": [{"mediaIndex": 0, "sectionIndex": k} for k in range(3)],
    }
    monkeypatch.setattr(graphfile, "INLINE_GRAPH_BYTES", 0)

    result = render_cut_list(
        validate_cut_list(document), [recording], tmp_path / "out.mp4", preset=SMALL, mode=REENCODE
    )

    assert len(gray_frames(result.output)) == 27


def test_argv_at_every_cap_fits_the_os_limits(tmp_path):
    # Every cap reached at once, with the longest keys and long local paths for each of them.
    limits = DEFAULT_LIMITS
    per_input = limits.max_sections // limits.max_inputs
    inputs = [
        {
            "s3Location": f"clips/{i:03d}-" + "x" * 1000,
            "sections": [{"startFrame": 10 * s, "endFrame": 10 * s + 5} for s in range(per_input)],
        }
        for i in range(limits.max_inputs)
    ]
    document = {
        "version": "1.0.0",
        "inputMedia": inputs,
        "outputTrack": [
            {
                "mediaIndex": k % limits.max_inputs,
                "sectionIndex": k // limits.max_inputs,
                "transitionIn": {"type": "fade", "duration": 2},
                "transitionOut": {"type": "fade", "duration": 2},
            }
            for k in range(limits.max_output_items)
        ],
        "overlayTracks": [
            {"startFrame": j, "mediaIndex": j, "sectionIndex": 0, "type": "colorkey", "x": 1, "y": 2}
            for j in range(limits.max_overlays)
        ],
        "audioMixing": [
            {
                "sourceChannel": m % 2,
                "outputChannel": m % 2,
                "keyframes": [{"frame": f, "volume": (f % 3) / 2} for f in range(limits.max_keyframes)],
            }
            for m in range(limits.max_audio_mixes)
        ],
    }
    cut_list = validate_cut_list(document)
    paths = [str(tmp_path / ("p" * 100) / media["s3Location"]) for media in inputs]

    for video in (True, False):
        argv = build_render_argv(cut_list, paths, str(tmp_path / "out.mp4"), SMALL, video=video)
        with graph_in_file(argv) as moved:
            assert max(len(arg.encode()) for arg in moved) < SINGLE_ARGUMENT_LIMIT
            # What is left for the environment: ARG_MAX counts both (plus a pointer per string).
            assert sum(len(arg.encode()) + 9 for arg in moved) < os.sysconf("SC_ARG_MAX") // 2


def test_an_audio_mix_with_the_most_keyframes_renders(make_recording, tmp_path):
    recording = make_recording("keyframes.mp4", seconds=2)
    keyframes = [{"frame": f, "volume": (f % 3) / 2} for f in range(DEFAULT_LIMITS.max_keyframes)]
    document = {
        "version": "1.0.0",
        "frameRate": 30,
        "inputMedia": [{"s3Location": "rec.mp4", "sections": [{"startFrame": 0, "endFrame": 60}]}],
        "outputTrack": [{"mediaIndex": 0, "sectionIndex": 0}],
        "audioMixing": [{"sourceChannel": 0, "outputChannel": 0, "keyframes": keyframes}],
    }
    argv = build_render_argv(validate_cut_list(document), [str(recording)], str(tmp_path / "a.m4a"), SMALL, video=False)

    run_ffmpeg(argv, duration=2)

    assert (tmp_path / "a.m4a").stat().st_size > 0
