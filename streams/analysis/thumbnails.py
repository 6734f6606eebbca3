"""Small keyframe images for the review page's timeline (no Django)."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.ffmpeg import run_ffmpeg

_PTS_TIME = re.compile(r"Parsed_showinfo.*?\bpts_time:\s*([0-9.]+)")


def keyframe_thumbnails(
    video: Path | str, out_dir: Path | str, *, every: float = 10.0, width: int = 160
) -> list[tuple[float, Path]]:
    """One JPEG per ``every`` seconds, taken from keyframes only (nothing else is decoded): [(time, path)]."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    select = f"select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,{every:g})'"
    result = run_ffmpeg(
        [
            "-skip_frame",
            "nokey",
            "-i",
            str(video),
            "-map",
            "0:v:0",
            "-an",
            "-sn",
            "-vf",
            f"{select},scale={width}:-2,showinfo",
            "-fps_mode",
            "passthrough",
            "-q:v",
            "6",
            str(out_dir / "thumb-%05d.jpg"),
        ],
        keep_stderr=True,
    )
    times = [round(float(match), 3) for match in _PTS_TIME.findall(result.stderr)]
    files = sorted(out_dir.glob("thumb-*.jpg"))
    return list(zip(times, files, strict=False))
