"""Rendering media fixtures and frame/audio helpers: small recordings with B-frames, stereo, overlays."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

RATE = 30
GOP = 15


@pytest.fixture(scope="session")
def make_recording(media_dir, ffmpeg):
    """A 320x180 recording at 30 fps, keyframe every ``gop`` frames, 2 B-frames. Audio stream 0 is stereo
    (left 440 Hz at -6 dBFS peak, right 1000 Hz at -12 dBFS peak; lavfi sines peak at 1/8), stream 1 mono 660 Hz.
    """
    made: dict[str, Path] = {}

    def make(
        name: str,
        *,
        seconds: float = 4.0,
        size: str = "320x180",
        gop: int = GOP,
        audio: bool = True,
        offset: float = 0.0,
    ) -> Path:
        """``offset``: start the test pattern this many seconds in, so recordings differ from each other."""
        key = hashlib.sha1(repr((name, seconds, size, gop, audio, offset)).encode()).hexdigest()[:10]
        path = media_dir / "render" / key / name
        if key in made:
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        argv = [
            ffmpeg,
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size={size}:rate={RATE}:duration={seconds + offset},trim=start={offset},setpts=PTS-STARTPTS",
        ]
        if audio:
            argv += [
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency=440:sample_rate=48000:duration={seconds}",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency=1000:sample_rate=48000:duration={seconds}",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency=660:sample_rate=48000:duration={seconds}",
                "-filter_complex",
                "[1]volume=4[l];[2]volume=2[r];[l][r]join=inputs=2:channel_layout=stereo[st]",
                "-map",
                "0:v",
                "-map",
                "[st]",
                "-map",
                "3:a",
                "-c:a",
                "aac",
                "-b:a",
                "128k",
            ]
        argv += [
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-g",
            str(gop),
            "-keyint_min",
            str(gop),
            "-sc_threshold",
            "0",
            "-bf",
            "2",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ]
        subprocess.run(argv, check=True)
        made[key] = path
        return path

    return make


@pytest.fixture(scope="session")
def colorkey_asset(media_dir, ffmpeg) -> Path:
    """A red 32x20 box on black: keyed on black, only the box shows."""
    path = media_dir / "render" / "box_on_black.mp4"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                ffmpeg,
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"color=c=black:size=64x40:rate={RATE}:duration=2,drawbox=x=16:y=10:w=32:h=20:color=red:t=fill",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-pix_fmt",
                "yuv420p",
                str(path),
            ],
            check=True,
        )
    return path


@pytest.fixture(scope="session")
def alpha_asset(media_dir, ffmpeg) -> Path:
    """A green 32x20 box on a fully transparent 64x40 canvas (PNG in MOV keeps the alpha channel)."""
    path = media_dir / "render" / "box_alpha.mov"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                ffmpeg,
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"color=c=black@0.0:size=64x40:rate={RATE}:duration=2,format=rgba,"
                "drawbox=x=16:y=10:w=32:h=20:color=lime@1.0:t=fill:replace=1",
                "-c:v",
                "png",
                "-pix_fmt",
                "rgba",
                str(path),
            ],
            check=True,
        )
    return path


OVERLAY_CODECS = {
    # Opaque: a colorkey source (black is keyed out).
    "h264": ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"],
    # With an alpha channel, as motion graphics tools export them.
    "qtrle": ["-c:v", "qtrle", "-pix_fmt", "argb"],
    "prores": ["-c:v", "prores_ks", "-profile:v", "4444", "-pix_fmt", "yuva444p10le"],
}


@pytest.fixture(scope="session")
def make_overlay(media_dir, ffmpeg):
    """A ``frames``-frame MOV at 30 fps: a red box filling the middle half of a transparent black canvas
    (H.264 has no alpha: opaque black). ``size`` is the canvas; the box is at (w/4, h/4), w/2 x h/2."""

    def make(codec: str, frames: int, size: str = "64x40") -> Path:
        path = media_dir / "render" / "overlays" / f"{codec}-{frames}-{size}.mov"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            source = (
                f"color=c=black@0.0:size={size}:rate={RATE},format=rgba,"
                "drawbox=x=iw/4:y=ih/4:w=iw/2:h=ih/2:color=red@1.0:t=fill:replace=1,"
                f"trim=end_frame={frames}"
            )
            subprocess.run(
                [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", source, *OVERLAY_CODECS[codec], str(path)],
                check=True,
            )
        return path

    return make


def gray_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="gray").astype(np.int16) for frame in container.decode(video=0)]


def rgb_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def frame_hash(frame: np.ndarray) -> str:
    return hashlib.sha1(frame.tobytes()).hexdigest()


def nearest_source_frame(frame: np.ndarray, source: list[np.ndarray]) -> int:
    """Which source frame a (possibly re-encoded) output frame shows: the closest by mean difference."""
    return int(np.argmin([np.abs(frame - candidate).mean() for candidate in source]))


def audio_samples(path: Path, stream: int = 0) -> tuple[np.ndarray, int]:
    """Decoded audio as float (channels, samples) and its sample rate."""
    with av.open(str(path)) as container:
        chunks, rate = [], 48000
        for frame in container.decode(audio=stream):
            rate = frame.sample_rate
            chunks.append(frame.to_ndarray().reshape(len(frame.layout.channels), -1))
    return np.concatenate(chunks, axis=1).astype(np.float64), rate


def rms_db(samples: np.ndarray) -> float:
    return float(20 * np.log10(max(np.sqrt(np.mean(samples**2)), 1e-9)))
