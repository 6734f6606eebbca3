"""A long ffmpeg filter graph goes to ffmpeg in a file, not on the command line (no Django).

Linux refuses any single argument over 128 KiB (``Argument list too long``), and a cut list at its caps
builds a ``-filter_complex`` of a few hundred KiB: one input per output section, each with its chains.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from pipeline.ffmpeg import ffmpeg_binary

# Graphs up to this many bytes stay on the command line (where ffmpeg's error messages quote them).
INLINE_GRAPH_BYTES = 32 * 1024


@cache
def filter_script_option(binary: str) -> str:
    """``-filter_complex_script`` where this ffmpeg has it (up to 7.x), else ``-/filter_complex`` (7.0 on)."""
    listing = subprocess.run(
        [binary, "-hide_banner", "-h", "full"], capture_output=True, text=True, errors="replace", check=False
    ).stdout
    return "-filter_complex_script" if "-filter_complex_script" in listing else "-/filter_complex"


@contextmanager
def graph_in_file(args: Sequence[str], *, inline_bytes: int | None = None) -> Iterator[list[str]]:
    """``args`` with a ``-filter_complex`` longer than ``inline_bytes`` read from a temporary file instead."""
    limit = INLINE_GRAPH_BYTES if inline_bytes is None else inline_bytes
    args = list(args)
    at = args.index("-filter_complex") if "-filter_complex" in args else -1
    if at < 0 or len(args[at + 1].encode()) <= limit:
        yield args
        return
    with tempfile.TemporaryDirectory(prefix="graph-") as tmp:
        script = Path(tmp) / "filter_complex.txt"
        script.write_text(args[at + 1], encoding="utf-8")
        args[at : at + 2] = [filter_script_option(ffmpeg_binary()), str(script)]
        yield args
