"""Overlays checked on every output frame: short and long, alpha and colorkey, from H.264, QuickTime
Animation and ProRes 4444 sources, at their own size, fitted to the output or sized by the cut list."""

import subprocess

import pytest

from episodes.cutlist import validate_cut_list
from rendering.argv import get_preset
from rendering.render import render_cut_list
from tests.rendering.render_media import RATE, rgb_frames

SMALL = get_preset("draft", width=320, height=180)
FRAMES = 120


@pytest.fixture(scope="module")
def gray_base(media_dir, ffmpeg):
    """4 s of flat mid-gray: red is an overlay's box, black an overlay's background that was not keyed out."""
    path = media_dir / "render" / "gray.mp4"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        source = f"color=c=gray:size=320x180:rate={RATE}:duration={FRAMES / RATE}"
        subprocess.run(
            [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", source, "-c:v", "libx264", "-pix_fmt", "yuv420p"]
            + ["-preset", "veryfast", str(path)],
            check=True,
        )
    return path


def render_overlays(base, assets, overlays, out):
    """``assets``: (path, [start, end)) per overlay source, media 1, 2, ... of the cut list."""
    document = {
        "version": "1.0.0",
        "frameRate": RATE,
        "inputMedia": [{"s3Location": "rec/base.mp4", "sections": [{"startFrame": 0, "endFrame": FRAMES}]}]
        + [
            {"s3Location": f"assets/{i}.mov", "sections": [{"startFrame": start, "endFrame": end}]}
            for i, (_, (start, end)) in enumerate(assets)
        ],
        "outputTrack": [{"mediaIndex": 0, "sectionIndex": 0}],
        "overlayTracks": overlays,
    }
    paths = [base, *(path for path, _ in assets)]
    render_cut_list(validate_cut_list(document), paths, out, preset=SMALL, mode="reencode")
    frames = rgb_frames(out)
    assert len(frames) == FRAMES
    return frames


def red(pixel) -> bool:
    r, g, b = pixel.astype(int)
    return r > 180 and g < 80 and b < 80


def gray(pixel) -> bool:
    return all(abs(int(channel) - 128) < 30 for channel in pixel)


@pytest.mark.parametrize(
    ("codec", "kind"),
    [("h264", "colorkey"), ("qtrle", "alpha"), ("qtrle", "colorkey"), ("prores", "alpha"), ("prores", "colorkey")],
)
def test_short_and_long_overlays_show_on_exactly_their_frames(gray_base, make_overlay, codec, kind, tmp_path):
    # A 12-frame overlay at output frame 20, and frames [15, 75) of a 90-frame one at output frame 50.
    assets = [(make_overlay(codec, 12), (0, 12)), (make_overlay(codec, 90), (15, 75))]
    placed = [(20, 12, 40, 20), (50, 60, 200, 100)]  # start, frames, x, y
    overlays = [
        {"startFrame": start, "mediaIndex": i + 1, "sectionIndex": 0, "type": kind, "x": x, "y": y, "scale": "none"}
        for i, (start, _, x, y) in enumerate(placed)
    ]
    frames = render_overlays(gray_base, assets, overlays, tmp_path / "overlaid.mp4")
    for n, frame in enumerate(frames):
        for start, count, x, y in placed:
            # The 64x40 canvas's box covers (16..48, 10..30); its corner is background.
            expected = start <= n < start + count
            assert red(frame[y + 20, x + 32]) == expected, f"frame {n}: overlay at ({x}, {y}) shown: {not expected}"
            assert gray(frame[y + 3, x + 3]), f"frame {n}: the background of the overlay at ({x}, {y}) shows"


def test_overlays_fit_the_output_unless_the_cut_list_sizes_them(gray_base, make_overlay, tmp_path):
    # A 160x90 overlay on a 320x180 output; its box is the middle half of it.
    asset = make_overlay("qtrle", 30, size="160x90")
    base = {"mediaIndex": 1, "sectionIndex": 0, "type": "alpha"}
    overlays = [
        {**base, "startFrame": 0},  # fitted: 320x180, the box at (80..240, 45..135)
        {**base, "startFrame": 30, "scale": "none"},  # own size: the box at (40..120, 22..67)
        {**base, "startFrame": 60, "x": 100, "y": 50, "width": 80},  # 80x45 at (100, 50): the box at (120..160, 61..84)
    ]
    frames = render_overlays(gray_base, [(asset, (0, 30))], overlays, tmp_path / "sized.mp4")
    # (row, column) of points inside: A the fitted box only, B the own-size box only, C the fitted and sized boxes.
    points = {"A": (120, 200), "B": (27, 45), "C": (72, 140)}
    expected = {range(0, 30): "AC", range(30, 60): "B", range(60, 90): "C", range(90, FRAMES): ""}
    for numbers, inside in expected.items():
        for n in numbers:
            shown = "".join(name for name, (row, column) in points.items() if red(frames[n][row, column]))
            assert shown == inside, f"frame {n}"
