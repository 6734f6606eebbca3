"""Recordings uploaded as WebM chunks (browser MediaRecorder) -> one MP4 (H.264/AAC) before ingest.

Two shapes exist: continuation chunks (only chunk 0 carries the WebM header; the rest are clusters whose
timestamps continue), which are joined byte for byte; and self-contained chunks, which ffmpeg's concat
demuxer lays end to end. Self-contained chunks either restart at 0 (MediaRecorder, ``-reset_timestamps 1``)
or carry on the recording's timestamps (ffmpeg's segment muxer with ``-reset_timestamps 0``, streamlink,
live recorders), and such a chunk's container duration is then its end time, not its length: each
chunk's span is read from its packets and given to the concat demuxer, so the join lasts what the
recording lasted. Where timestamps carry on, a jump between chunks is a real gap in the recording: it is
kept (a held frame, so later chunks stay on the wall clock) and reported by chunk. Chunk numbers come
from the file names; missing numbers, duplicates and out-of-order arrival are reported by number, never
silently glued. No Django.
"""

from __future__ import annotations

import dataclasses
import math
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import av

from pipeline.ffmpeg import run_ffmpeg
from rendering.argv import OutputPreset, get_preset

EBML_MAGIC = b"\x1a\x45\xdf\xa3"
GAP_SECONDS = 0.25  # a jump between chunks' timestamps beyond this (a few frames) is a gap in the recording
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
    gaps: tuple[tuple[int, float], ...] = ()  # (chunk number, seconds missing before it)


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


def concat_list(paths: Sequence[Path], durations: Sequence[float] | None = None) -> str:
    """An ffconcat script; single quotes in names are escaped the way the concat demuxer reads them. With
    ``durations``, each file lasts that long on the joined timeline (the next one starts after it)."""
    lines = ["ffconcat version 1.0"]
    for index, path in enumerate(paths):
        lines.append("file '" + str(path.resolve()).replace("'", "'\\''") + "'")
        if durations is not None:
            lines.append(f"duration {durations[index]:.6f}")
    return "\n".join(lines) + "\n"


def chunk_span(path: Path) -> tuple[float, float]:
    """(first timestamp, end of the last packet) of a self-contained chunk, in seconds, from its packets."""
    first, end = math.inf, -math.inf
    with av.open(str(path)) as container:
        for packet in container.demux():
            if packet.pts is None or packet.time_base is None:
                continue
            at = float(packet.pts * packet.time_base)
            first, end = min(first, at), max(end, at + float((packet.duration or 0) * packet.time_base))
    if first == math.inf:
        raise ChunkError([f"{path.name}: no timestamped packets"])
    return first, end


def placed(spans: Sequence[tuple[float, float]], numbers: Sequence[int]) -> tuple[list[float], list[tuple[int, float]]]:
    """How long each chunk lasts on the joined timeline, and the gaps (chunk number, seconds) before chunks.

    Chunks carry on the recording's timestamps when each starts past the middle of the one before; then a
    chunk lasts until the next one starts (a gap included). Otherwise each restarts and lasts its own span.
    """
    carry_on = len(spans) > 1 and all(
        later[0] >= (earlier[0] + earlier[1]) / 2 for earlier, later in zip(spans, spans[1:], strict=False)
    )
    if not carry_on:
        return [end - start for start, end in spans], []
    durations = [later[0] - earlier[0] for earlier, later in zip(spans, spans[1:], strict=False)]
    durations.append(spans[-1][1] - spans[-1][0])
    gaps = [
        (number, round(later[0] - earlier[1], 3))
        for number, earlier, later in zip(numbers[1:], spans, spans[1:], strict=False)
        if later[0] - earlier[1] > GAP_SECONDS
    ]
    return durations, gaps


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
            durations, gaps = placed([chunk_span(path) for path in order.paths], order.numbers)
            source.write_text(concat_list(order.paths, durations), encoding="utf-8")
            order = dataclasses.replace(order, gaps=tuple(gaps))
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
