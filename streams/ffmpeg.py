"""Finding and running ffmpeg. No Django: usable from pure cores, benchmarks and tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from functools import cache


class FFmpegError(RuntimeError):
    """ffmpeg exited non-zero; the message carries the tail of its stderr."""

    def __init__(self, argv: Sequence[str], returncode: int, stderr: str):
        self.argv = list(argv)
        self.returncode = returncode
        self.stderr = stderr
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        super().__init__(f"ffmpeg exited with {returncode}:\n{tail}")


@cache
def ffmpeg_binary() -> str:
    """``FFMPEG_BINARY`` if set, else ffmpeg on PATH, else the static build shipped by imageio-ffmpeg."""
    configured = os.environ.get("FFMPEG_BINARY")
    if configured:
        return configured
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(
    args: Sequence[str],
    *,
    progress: Callable[[float], None] | None = None,
    duration: float | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess:
    """Run ``ffmpeg <args>`` (argv list, never a shell string).

    With ``progress`` and ``duration``, ffmpeg's ``-progress`` stream is parsed and ``progress`` is
    called with a percentage as output time advances.
    """
    argv = [ffmpeg_binary(), "-hide_banner", "-nostdin", "-y", *args]
    if progress is None or not duration:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, errors="replace")
        if result.returncode != 0:
            raise FFmpegError(argv, result.returncode, result.stderr)
        return result

    argv[1:1] = ["-progress", "pipe:1", "-stats_period", "0.5"]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace") as process:
        import threading

        stderr_lines: list[str] = []
        reader = threading.Thread(target=lambda: stderr_lines.extend(process.stderr), daemon=True)
        reader.start()
        for line in process.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and value.isdigit():
                progress(min(100.0, int(value) / 1e6 / duration * 100))
        process.wait(timeout=timeout)
        reader.join()
        stderr = "".join(stderr_lines)
        if process.returncode != 0:
            raise FFmpegError(argv, process.returncode, stderr)
        return subprocess.CompletedProcess(argv, process.returncode, "", stderr)
