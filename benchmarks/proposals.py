"""Episode proposals on a stream with known speech spans: is every proposal's edge within 50 ms of the
truth? (issue 12 §3)

Generates (samples with numpy, encoded by ffmpeg, cached under ``var/bench``) a stream of two
recordings, AAC in Matroska as a recorder writes them: speech-like tone bursts (a voiced 180-260 Hz
tone, its loudness moving at syllable rate) 35 s to 5 min long, separated by short pauses (2-40 s: the
same episode) or long silences (60-150 s: a break), over room hiss below the -48 dBFS threshold; one
long silence spans the cut between the two files. Then runs the real analysis
(``streams.analysis.decode.scan_audio``, what ``clip_analyse`` stores) on each file, places the
silences on the stream timeline and applies the proposal rule (CONTRACTS.md §2: silences of at least
60 s split, speaking spans of at least 30 s become proposals), and compares every proposal's edges with
the spans the audio was generated from.

    python benchmarks/proposals.py [--minutes 40] [--seed 5]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from episodes.proposals.spans import ClipSilences, speech_spans, stream_silences  # noqa: E402
from pipeline.ffmpeg import ffmpeg_binary  # noqa: E402
from streams.analysis.decode import scan_audio  # noqa: E402
from streams.probe import probe_media  # noqa: E402

CACHE = Path(os.environ.get("STUDIO_VAR_DIR", ROOT / "var")) / "bench"
RATE = 48_000
THRESHOLD_DB = -48.0
GOAL_MS = 50.0


def layout(minutes: float, seed: int) -> tuple[list[tuple[float, float]], float, float]:
    """Speech spans (seconds, to the millisecond), the stream's length, and where the first file ends
    (inside a long silence)."""
    rng = random.Random(seed)
    total = minutes * 60.0
    spans, t = [], round(rng.uniform(1.5, 5.0), 3)  # a lead-in the analysis can see (>= 1 s)
    while True:
        length = rng.uniform(35, 300)
        if t + length > total - 5:
            break
        spans.append((round(t, 3), round(t + length, 3)))
        gap = rng.uniform(60, 150) if rng.random() < 0.45 else rng.uniform(2, 40)
        t += length + gap
    gaps = [(a[1], b[0]) for a, b in zip(spans, spans[1:], strict=False) if b[0] - a[1] >= 60]
    middle = min(gaps, key=lambda gap: abs((gap[0] + gap[1]) / 2 - total / 2))
    cut = round((middle[0] + middle[1]) / 2, 3)
    return spans, round(total, 3), cut


def truth(spans: list[tuple[float, float]], *, min_silence: float = 60.0, min_speech: float = 30.0) -> list:
    """The episodes the rule should find, from the generated spans directly."""
    groups: list[list[float]] = []
    for start, end in spans:
        if groups and start - groups[-1][1] < min_silence:
            groups[-1][1] = end
        else:
            groups.append([start, end])
    return [(s, e) for s, e in groups if e - s >= min_speech]


def _samples(spans, first: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """Samples ``[first, first + count)`` of the stream: hiss everywhere, a voice inside the spans."""
    t = (first + np.arange(count)) / RATE
    voice = 0.25 * np.sin(2 * np.pi * (220 + 40 * np.sin(2 * np.pi * 0.3 * t)) * t)
    voice *= 0.65 + 0.35 * np.sin(2 * np.pi * 4.5 * t)
    gate = np.zeros(count, dtype=bool)
    for start, end in spans:
        lo, hi = max(0, round(start * RATE) - first), min(count, round(end * RATE) - first)
        if hi > lo:
            gate[lo:hi] = True
    hiss = 0.0012 * (rng.random(count) - 0.5)  # room noise near -60 dBFS, under the threshold
    return (np.where(gate, voice, 0.0) + hiss).astype(np.float32)


def make_clip(path: Path, spans, offset: float, seconds: float) -> None:
    """One recording of the stream from ``offset``: AAC in Matroska, encoded by ffmpeg from the samples."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp.mkv")
    argv = [ffmpeg_binary(), "-v", "error", "-y", "-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", "-"]
    argv += ["-c:a", "aac", "-b:a", "96k", str(partial)]
    rng = np.random.default_rng(round(offset))
    encoder = subprocess.Popen(argv, stdin=subprocess.PIPE)
    first, last = round(offset * RATE), round((offset + seconds) * RATE)
    for chunk in range(first, last, RATE * 60):
        encoder.stdin.write(_samples(spans, chunk, min(RATE * 60, last - chunk), rng).tobytes())
    encoder.stdin.close()
    if encoder.wait() != 0:
        raise RuntimeError(f"ffmpeg could not encode {path}")
    partial.rename(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=40.0)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    spans, total, cut = layout(args.minutes, args.seed)
    files = [(0.0, cut), (cut, round(total - cut, 3))]
    clips = []
    began = time.perf_counter()
    for index, (offset, seconds) in enumerate(files):
        key = hashlib.sha1(repr((spans, offset, seconds)).encode()).hexdigest()[:10]
        path = CACHE / f"proposals-{key}-{index}.mkv"
        make_clip(path, spans, offset, seconds)
        clips.append((offset, path))
    generated = time.perf_counter() - began

    began = time.perf_counter()
    stream, cursor = [], 0.0
    for _, path in clips:
        # As ingest places clips: each starts where the previous one's probed length ends.
        length = probe_media(path).duration
        scan = scan_audio(path, threshold_db=THRESHOLD_DB, min_silence=1.0)
        stream.append(ClipSilences(cursor, length, scan.silences))
        cursor += length
    found = speech_spans(stream_silences(stream), cursor, min_silence=60.0, min_speech=30.0)
    analysed = time.perf_counter() - began

    expected = truth(spans)
    print(f"stream: {total / 60:g} min in 2 files (cut at {cut:.3f} s, inside a silence), {len(spans)} speech spans")
    print(f"generation {generated:.1f} s, analysis and proposals {analysed:.1f} s")
    print(f"proposals: {len(found)} found, {len(expected)} expected")
    worst = 0.0
    for (start, end), (true_start, true_end) in zip(found, expected, strict=False):
        errors = (abs(start - true_start) * 1000, abs(end - true_end) * 1000)
        worst = max(worst, *errors)
        print(
            f"  {start:9.3f} - {end:9.3f}   truth {true_start:9.3f} - {true_end:9.3f}   "
            f"edge errors {errors[0]:5.1f} ms, {errors[1]:5.1f} ms"
        )
    ok = len(found) == len(expected) and worst <= GOAL_MS
    print(f"worst edge error: {worst:.1f} ms (goal: every edge within {GOAL_MS:g} ms): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
