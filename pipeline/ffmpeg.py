"""Finding and running ffmpeg: the one runner every app uses. No Django: pure cores, benchmarks and tests use it.

Which ffmpeg: the static build that imageio-ffmpeg ships (pinned with the other requirements), unless
``FFMPEG_BINARY`` names another; an ffmpeg on ``PATH`` is never picked up by chance, since distributions ship
older ones. A configured binary must be at least ``MINIMUM_VERSION``, the oldest release with which every
test that runs ffmpeg passes (6.0, 7.0 and 9.0 were tried); Debian 12's 5.1 crashes on an RGBA drawbox graph.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from functools import cache

MINIMUM_VERSION = (6, 0)
# Lines of stderr kept for the error message when the caller does not ask for all of it.
STDERR_TAIL = 200


class FFmpegError(RuntimeError):
    """ffmpeg exited non-zero; the message carries the tail of its stderr."""

    def __init__(self, argv: Sequence[str], returncode: int, stderr: str):
        self.argv = list(argv)
        self.returncode = returncode
        self.stderr = stderr
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        super().__init__(f"ffmpeg exited with {returncode}:\n{tail}")


class FFmpegUnsupported(RuntimeError):
    """``FFMPEG_BINARY`` names an ffmpeg that cannot run or is older than ``MINIMUM_VERSION``."""


class Cancelled(RuntimeError):
    """The caller's ``should_stop()`` turned true and the work was stopped (ffmpeg killed)."""


_RELEASE = re.compile(r"^ffmpeg version n?(\d+)\.(\d+)", re.MULTILINE)
_LIBAVCODEC = re.compile(r"^libavcodec\s+(\d+)\.", re.MULTILINE)


def parse_version(text: str) -> tuple[int, int] | None:
    """(major, minor) from ``ffmpeg -version``: the release number, else (git builds such as
    ``N-113456-g…``) the release libavcodec's major version belongs to (58 is 4.x … 63 is 9.x)."""
    release = _RELEASE.search(text)
    if release:
        return int(release.group(1)), int(release.group(2))
    codec = _LIBAVCODEC.search(text)
    if codec and int(codec.group(1)) >= 58:
        return int(codec.group(1)) - 54, 0
    return None


def version_text(version: Sequence[int]) -> str:
    return ".".join(map(str, version))


def check_version(binary: str) -> tuple[int, int]:
    """The version of ``binary``; FFmpegUnsupported when it cannot run or is too old."""
    hint = "unset FFMPEG_BINARY to use the ffmpeg bundled with imageio-ffmpeg"
    minimum = version_text(MINIMUM_VERSION)
    try:
        result = subprocess.run([binary, "-version"], capture_output=True, text=True, errors="replace", timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise FFmpegUnsupported(f"FFMPEG_BINARY={binary} cannot be run ({error}); {hint}") from error
    version = parse_version(result.stdout) if result.returncode == 0 else None
    if version is None:
        raise FFmpegUnsupported(
            f"FFMPEG_BINARY={binary} does not report an ffmpeg version (needs ffmpeg {minimum} or newer); {hint}"
        )
    if version < MINIMUM_VERSION:
        raise FFmpegUnsupported(
            f"FFMPEG_BINARY={binary} is ffmpeg {version_text(version)}, but Stream Studio needs ffmpeg {minimum} "
            f"or newer; {hint}"
        )
    return version


@cache
def _resolve(configured: str) -> str:
    if configured:
        check_version(configured)
        return configured
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg_binary() -> str:
    """``FFMPEG_BINARY`` (version-checked once) if set, else the static build shipped by imageio-ffmpeg."""
    return _resolve(os.environ.get("FFMPEG_BINARY", "").strip())


def run_ffmpeg(
    args: Sequence[str],
    *,
    duration: float | None = None,
    progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    check_every: float = 1.0,
    keep_stderr: bool = False,
) -> subprocess.CompletedProcess:
    """Run ``ffmpeg <args>`` (an argv list, never a shell string) and wait for it.

    ``progress(percent)`` is called as output time advances through ``duration`` seconds; ``should_stop()``
    is asked every ``check_every`` seconds and, once true, ffmpeg is killed and Cancelled raised. ffmpeg
    never outlives the call (time limit, worker shutdown: it is killed in ``finally``). The result carries
    stderr, all of it with ``keep_stderr`` (for callers that parse it), else its last lines; a non-zero
    exit raises FFmpegError with the tail.
    """
    # Progress lines on stdout every half second (the default period); no stats line on stderr.
    argv = [ffmpeg_binary(), "-hide_banner", "-nostdin", "-nostats", "-y", "-progress", "pipe:1", *args]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
    stderr: deque[str] = deque(maxlen=None if keep_stderr else STDERR_TAIL)
    reader = threading.Thread(target=lambda: stderr.extend(process.stderr), daemon=True)
    reader.start()
    checked = time.monotonic()
    try:
        for line in process.stdout:
            key, _, value = line.strip().partition("=")
            if key == "out_time_us" and value.isdigit() and progress and duration:
                progress(min(100.0, int(value) / 1e6 / duration * 100))
            if should_stop and time.monotonic() - checked >= check_every:
                checked = time.monotonic()
                if should_stop():
                    raise Cancelled("cancelled: ffmpeg stopped")
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        reader.join(timeout=5)
    text = "".join(stderr)
    if process.returncode != 0:
        raise FFmpegError(argv, process.returncode, text)
    return subprocess.CompletedProcess(argv, 0, "", text)
