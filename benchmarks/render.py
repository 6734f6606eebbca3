"""Cut list rendering against a straightforward moviepy render of the same edit, and the copy floor.

A 10-minute 1080p60 recording with a keyframe every 2 s (generated once into ``var/bench/``) is cut into
10 sections three ways: on keyframes (stream copy), off keyframes (smart cut), off keyframes with a fade
in and out (full re-encode). Each is rendered by the project (``rendering.render.render_cut_list``) and by
moviepy (``subclipped`` + ``concatenate_videoclips`` + ``write_videofile``) with the same encoder settings,
side by side in one run. Also printed: each path's time over ``ffmpeg -c copy`` of the whole source (the
physical floor), and frame accuracy: for every cut, the first and last output frames against the expected
source frames (hash equality where frames are copied; nearest of the neighbouring source frames where they
were re-encoded).

    python benchmarks/render.py [--minutes 10] [--section-seconds 10] [--speed medium] [--skip-moviepy]

Targets (issue 5): copy <= 0.02, smart cut <= 0.10, full re-encode <= 0.9 of moviepy's time. Both renderers
use the reference preset's encoder settings (libx264 CRF 18 ``medium``, AAC 192k) at the source's 1080p; the
smart cut encodes its partial GOPs at the same CRF but at most at x264 ``veryfast`` (rendering/render.py).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import av  # noqa: E402
import numpy as np  # noqa: E402

from episodes.cutlist import validate_cut_list  # noqa: E402
from pipeline.ffmpeg import ffmpeg_binary, run_ffmpeg  # noqa: E402
from rendering.argv import get_preset  # noqa: E402
from rendering.render import render_cut_list  # noqa: E402

RATE = 60
GOP = 120  # 2 s at 60 fps
TARGETS = {"copy": 0.02, "smartcut": 0.10, "reencode": 0.9}


def make_source(path: Path, minutes: float) -> Path:
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    seconds = minutes * 60
    print(f"generating {path} ({minutes:g} min 1080p60, keyframe every 2 s; once)...", flush=True)
    partial = path.with_suffix(".partial.mp4")
    run_ffmpeg(
        [
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size=1920x1080:rate={RATE}:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:sample_rate=48000:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=660:sample_rate=48000:duration={seconds}",
            "-filter_complex",
            "[1][2]join=inputs=2:channel_layout=stereo[a]",
            "-map",
            "0:v",
            "-map",
            "[a]",
            "-c:v",
            "libx264",
            "-preset",
            "superfast",
            "-crf",
            "23",
            "-g",
            str(GOP),
            "-keyint_min",
            str(GOP),
            "-sc_threshold",
            "0",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "192k",
            str(partial),
        ]
    )
    partial.rename(path)
    return path


def sections(total_frames: int, count: int, length: int, offset: int) -> list[tuple[int, int]]:
    """``count`` sections of ``length`` frames spread over the recording, each starting ``offset`` frames
    after a keyframe (0: on keyframes)."""
    stride = (total_frames - length - GOP) // count // GOP * GOP
    return [(i * stride + GOP + offset, i * stride + GOP + offset + length) for i in range(count)]


def cut_list(location: str, spans: list[tuple[int, int]], fades: bool = False):
    output = [{"mediaIndex": 0, "sectionIndex": i} for i in range(len(spans))]
    if fades:
        output[0]["transitionIn"] = {"type": "fade", "duration": 30}
        output[-1]["transitionOut"] = {"type": "fade", "duration": 30}
    return validate_cut_list(
        {
            "version": "1.0.0",
            "frameRate": RATE,
            "inputMedia": [{"s3Location": location, "sections": [{"startFrame": s, "endFrame": e} for s, e in spans]}],
            "outputTrack": output,
        }
    )


def moviepy_render(source: Path, spans, out: Path, *, fades: bool, speed: str, crf: int) -> float:
    from moviepy import VideoFileClip, afx, concatenate_videoclips, vfx

    started = time.perf_counter()
    with VideoFileClip(str(source)) as clip:
        parts = [clip.subclipped(s / RATE, e / RATE) for s, e in spans]
        if fades:
            parts[0] = parts[0].with_effects([vfx.FadeIn(0.5), afx.AudioFadeIn(0.5)])
            parts[-1] = parts[-1].with_effects([vfx.FadeOut(0.5), afx.AudioFadeOut(0.5)])
        edit = concatenate_videoclips(parts)
        edit.write_videofile(
            str(out),
            fps=RATE,
            codec="libx264",
            preset=speed,
            audio_codec="aac",
            audio_bitrate="192k",
            audio_fps=48000,
            ffmpeg_params=["-crf", str(crf)],
            threads=2,
            logger=None,
        )
    return time.perf_counter() - started


def gray(frame) -> np.ndarray:
    return frame.to_ndarray(format="gray")[::4, ::4].astype(np.int16)


def source_frames(path: Path, wanted: set[int]) -> dict[int, np.ndarray]:
    """Decoded source frames at ``wanted`` indices and their neighbours, seeking near each."""
    frames: dict[int, np.ndarray] = {}
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for index in sorted(wanted):
            container.seek(round((index - 2) / RATE / stream.time_base), stream=stream, backward=True)
            for frame in container.decode(stream):
                at = round(frame.pts * stream.time_base * RATE)
                if at >= index - 2:
                    frames[at] = gray(frame)
                if at >= index + 2:
                    break
    return frames


def check_cuts(output: Path, source: Path, spans, *, fades: bool) -> tuple[int, int, int]:
    """(cut frames that hash-match, cut frames matched only as nearest neighbour, wrong ones). With fades,
    the first frame of the edit and its last are black by design and not checked."""
    expected, position = [], 0
    for start, end in spans:
        expected += [(position, start), (position + end - start - 1, end - 1)]
        position += end - start
    if fades:
        expected = expected[1:-1]
    wanted_out = {out for out, _ in expected}
    out_frames = {}
    with av.open(str(output)) as container:
        container.streams.video[0].thread_type = "AUTO"
        for index, frame in enumerate(container.decode(video=0)):
            if index in wanted_out:
                out_frames[index] = gray(frame)
    src = source_frames(source, {s for _, s in expected})
    exact = near = wrong = 0
    for out_index, src_index in expected:
        frame = out_frames.get(out_index)
        if frame is None:
            wrong += 1
        elif hashlib.sha1(frame.tobytes()).digest() == hashlib.sha1(src[src_index].tobytes()).digest():
            exact += 1
        else:
            candidates = {i: np.abs(frame - f).mean() for i, f in src.items() if abs(i - src_index) <= 2}
            near, wrong = (near + 1, wrong) if min(candidates, key=candidates.get) == src_index else (near, wrong + 1)
    return exact, near, wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--sections", type=int, default=10)
    parser.add_argument("--section-seconds", type=float, default=10)
    parser.add_argument("--speed", default="medium", help="x264 preset for both renderers (the reference preset's)")
    parser.add_argument("--crf", type=int, default=18)
    parser.add_argument("--skip-moviepy", action="store_true")
    args = parser.parse_args()

    bench = ROOT / "var" / "bench"
    source = make_source(bench / f"render_source_{args.minutes:g}min_1080p60.mp4", args.minutes)
    with av.open(str(source)) as container:
        total = container.streams.video[0].frames
    # Whole GOPs, so the keyframe-aligned edit starts and ends on keyframes.
    length = max(1, round(args.section_seconds * RATE / GOP)) * GOP
    edits = {
        "copy": (sections(total, args.sections, length, 0), False),
        "smartcut": (sections(total, args.sections, length, 37), False),
        "reencode": (sections(total, args.sections, length, 37), True),
    }
    preset = get_preset("source", crf=args.crf, speed=args.speed)
    out = bench / "render_out"
    out.mkdir(exist_ok=True)

    started = time.perf_counter()
    run_ffmpeg(["-i", str(source), "-map", "0", "-c", "copy", str(out / "floor.mp4")])
    floor = time.perf_counter() - started
    print(f"source: {source.name}, {source.stat().st_size / 1e6:.0f} MB, {total} frames; ffmpeg {ffmpeg_binary()}")
    print(f"edit: {args.sections} sections x {args.section_seconds:g} s; x264 {args.speed} CRF {args.crf}, AAC 192k")
    print(f"copy floor (ffmpeg -c copy of the whole source): {floor:.2f} s\n")
    print(
        f"{'path':<10}{'mode':<10}{'project s':>10}{'moviepy s':>11}{'ratio':>8}{'target':>8}{'/ floor':>9}"
        f"   frame accuracy (first+last frame of every section)"
    )
    for name, (spans, fades) in edits.items():
        document = cut_list(source.name, spans, fades)
        started = time.perf_counter()
        result = render_cut_list(document, [source], out / f"{name}.mp4", preset=preset)
        project = time.perf_counter() - started
        mp = (
            float("nan")
            if args.skip_moviepy
            else moviepy_render(source, spans, out / f"{name}_moviepy.mp4", fades=fades, speed=args.speed, crf=args.crf)
        )
        exact, near, wrong = check_cuts(out / f"{name}.mp4", source, spans, fades=fades)
        ratio = project / mp
        verdict = "ok" if ratio <= TARGETS[name] else "MISSED"
        print(
            f"{name:<10}{result.mode:<10}{project:>10.2f}{mp:>11.2f}{ratio:>8.3f}{TARGETS[name]:>8.2f}"
            f"{project / floor:>9.2f}   {exact} exact, {near} nearest, {wrong} wrong  {verdict}",
            flush=True,
        )


if __name__ == "__main__":
    main()
