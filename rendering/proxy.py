"""Browser-playable proxies: a light H.264/AAC copy of a recording whose codec browsers cannot decode
(HEVC from OBS, ProRes, MPEG-4 Part 2, ...), for the review page only. Stored under a key derived from the
clip, so making it again replaces it and its owner is known from the key (``pipeline.media_access``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from django.core.files.storage import default_storage

from pipeline.ffmpeg import run_ffmpeg
from pipeline.media import local_path, save_output
from streams.models import VideoClip

# What <video> plays in Chromium, Firefox and Safari alike (lower-case, as ffprobe names them).
BROWSER_CODECS = frozenset({"h264", "vp8", "vp9", "av1"})
PROXY_HEIGHT = 540


def needs_proxy(video_codec: str) -> bool:
    """True for a recording with video that browsers cannot decode; audio-only recordings play as they are."""
    return bool(video_codec) and video_codec.lower() not in BROWSER_CODECS


def proxy_key(clip_id: int) -> str:
    return f"proxies/clip-{clip_id}.mp4"


def proxy_argv(source: str, output: str, *, height: int = PROXY_HEIGHT) -> list[str]:
    """Fast H.264 at a small size, keyframes every 2 s (quick seeks), AAC stereo, moov first (plays while loading)."""
    return [
        "-i", source,
        "-map", "0:v:0", "-map", "0:a:0?",
        "-vf", f"scale=-2:'min({height},ih)'",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-pix_fmt", "yuv420p",
        "-force_key_frames", "expr:gte(t,n_forced*2)",
        "-c:a", "aac", "-b:a", "96k", "-ac", "2",
        "-movflags", "+faststart",
        output,
    ]  # fmt: skip


def clip_proxy_exists(clip: VideoClip) -> bool:
    return default_storage.exists(proxy_key(clip.id))


def clip_make_proxy(*, clip_id: int, progress: Callable[[float], None] | None = None) -> str:
    """Make (or remake) the clip's proxy; returns its storage key."""
    clip = VideoClip.objects.get(id=clip_id)
    with local_path(clip.file) as source, tempfile.TemporaryDirectory(prefix="proxy-") as tmp:
        output = Path(tmp) / "proxy.mp4"
        run_ffmpeg(proxy_argv(str(source), str(output)), duration=clip.duration, progress=progress)
        return save_output(output, proxy_key(clip.id))
