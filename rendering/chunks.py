"""Recordings uploaded as WebM chunks (browser MediaRecorder) -> one MP4 (H.264/AAC) before ingest.

Two shapes exist: continuation chunks (only chunk 0 carries the WebM header; the rest are clusters whose
timestamps continue), which are joined byte for byte; and self-contained chunks (each restarts at 0),
which ffmpeg's concat demuxer lays end to end. Chunk numbers come from the file names; gaps,
duplicates and out-of-order arrival are reported by number, never silently glued. No Django.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.ffmpeg import run_ffmpeg
from rendering.argv import OutputPreset, get_preset

EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_NUMBER = re.compile(r"(\d+)(?=\D*$)")


class ChunkError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class ChunkOrder:
    paths: tuple[Path, ...]
    numbers: tuple[int, ...]
    out_of_order: tuple[int, ...]  # numbers that arrived after a higher one (sorted back into place)


def chunk_number(path: Path | str) -> int | None:
    match = _NUMBER.search(Path(path).stem)
    return int(match.group(1)) if match else None


def order_chunks(paths: Sequence[Path | str], *, first: int | None = None) -> ChunkOrder:
    """Sort chunks by the number in their names. Missing numbers, duplicates and unnumbered files are
    errors (naming each); chunks that merely arrived out of order are sorted and reported."""
    problems, numbered = [], []
    for path in paths:
        number = chunk_number(path)
        if number is None:
            problems.append(f"{Path(path).name}: no chunk number in the file name")
        else:
            numbered.append((number, Path(path)))
    numbers = [n for n, _ in numbered]
    for number in sorted({n for n in numbers if numbers.count(n) > 1}):
        names = ", ".join(p.name for n, p in numbered if n == number)
        problems.append(f"chunk {number} appears more than once ({names})")
    if numbered:
        low = min(numbers) if first is None else first
        missing = sorted(set(range(low, max(numbers) + 1)) - set(numbers))
        if missing:
            problems.append(f"missing chunk(s) {', '.join(map(str, missing))}")
    if problems:
        raise ChunkError(problems)
    late = tuple(n for i, n in enumerate(numbers) if any(m > n for m in numbers[:i]))
    ordered = sorted(numbered)
    return ChunkOrder(tuple(p for _, p in ordered), tuple(n for n, _ in ordered), late)


def has_header(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) == EBML_MAGIC


def concat_list(paths: Sequence[Path]) -> str:
    """An ffconcat script; single quotes in names are escaped the way the concat demuxer reads them."""
    lines = ["ffconcat version 1.0"]
    lines += ["file '" + str(path.resolve()).replace("'", "'\\''") + "'" for path in paths]
    return "\n".join(lines) + "\n"


def concat_argv(source: str, output: str, preset: OutputPreset, *, is_list: bool) -> list[str]:
    head = ["-f", "concat", "-safe", "0", "-i", source] if is_list else ["-fflags", "+genpts", "-i", source]
    return [
        *head,
        "-map",
        "0:v:0",
        "-map",
        "0:a:0?",
        *preset.video_args(),
        # Keep the recorded timestamps: a constant-rate output duplicated a frame at a chunk boundary (ffmpeg 7.0).
        "-fps_mode",
        "vfr",
        *preset.audio_args(),
        "-movflags",
        "+faststart",
        output,
    ]


def concatenate_chunks(
    paths: Sequence[Path | str],
    output: Path | str,
    *,
    preset: OutputPreset | None = None,
    duration_hint: float = 0.0,
    progress: Callable[[float], None] | None = None,
) -> ChunkOrder:
    """Join the chunks into ``output`` (MP4, H.264/AAC at the source size). Raises ChunkError first."""
    order = order_chunks(paths)
    preset = preset or get_preset("source", crf=20, speed="veryfast")
    headers = [has_header(path) for path in order.paths]
    if not headers[0]:
        raise ChunkError([f"{order.paths[0].name}: chunk {order.numbers[0]} has no WebM header"])
    with tempfile.TemporaryDirectory(prefix="chunks-") as tmp:
        if all(headers):
            source, is_list = Path(tmp) / "chunks.ffconcat", True
            source.write_text(concat_list(order.paths), encoding="utf-8")
        elif not any(headers[1:]):
            source, is_list = Path(tmp) / "joined.webm", False
            with open(source, "wb") as sink:
                for path in order.paths:
                    with open(path, "rb") as chunk:
                        shutil.copyfileobj(chunk, sink, length=4 * 1024 * 1024)
        else:
            restarts = [n for n, h in zip(order.numbers, headers, strict=True) if h][1:]
            raise ChunkError(
                [
                    f"chunks {', '.join(map(str, restarts))} restart the recording mid-way "
                    "(mixed continuation and self-contained chunks)"
                ]
            )
        run_ffmpeg(
            concat_argv(str(source), str(output), preset, is_list=is_list), duration=duration_hint, progress=progress
        )
    return order
