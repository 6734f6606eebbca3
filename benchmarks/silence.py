"""Silence detection: the project's one-pass analysis against ``ffmpeg -af silencedetect``, side by side.

Generates (once, cached under ``var/bench``) a recording of 48 kHz AAC audio with speech-like bursts
(voiced syllables at 3-6 per second, 1-25 s long) over room noise (hum and hiss below -48 dBFS), with
the true speech intervals known, then in one run times:

- ``ffmpeg -af silencedetect=noise=-48dB:d=1`` on the file (the reference's method) with every ffmpeg it
  finds (the one imageio-ffmpeg bundles, the one on ``PATH``, ``FFMPEG_BINARY``): builds differ twofold,
- each of them decoding the file to nothing (the command line's floor; the project decodes in process),
- the project's ``scan_audio`` (decode once; silences, speech spans, loudness per second, waveform peaks;
  a long MP4 AAC track in parts on every core, ``streams.analysis.split``),

and prints the ratio project / the fastest silencedetect (target <= 1.0) and project / that ffmpeg's bare
decode (target <= 1.25), the multiple of real time, the
accuracy against the ground truth (boundaries within 100 ms, no speech span missed), and the peak
memory of the analysis for a 1-hour and a 4-hour recording (target: 4 h <= 1.2x 1 h, under 500 MB), in
MP4 and in Matroska.

    python benchmarks/silence.py [--hours 1] [--memory-hours 1,4] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.ffmpeg import ffmpeg_binary  # noqa: E402
from streams.analysis.decode import default_processes, scan_audio  # noqa: E402

RATE = 48_000
MIN_SILENCE = 1.0
CACHE = Path(os.environ.get("STUDIO_VAR_DIR", ROOT / "var")) / "bench"


def speech_intervals(seconds: float, rng: np.random.Generator) -> list[tuple[float, float]]:
    """About a third of the time talking, in bursts of 1-25 s separated by 1.5-60 s of room noise."""
    intervals, t = [], rng.uniform(1.5, 10)
    while True:
        length = rng.uniform(1, 25)
        if t + length > seconds - 1:
            return intervals
        intervals.append((round(t, 3), round(t + length, 3)))
        t += length + rng.choice([rng.uniform(1.5, 4), rng.uniform(4, 60)])


def _render(start: int, count: int, intervals, rng: np.random.Generator) -> np.ndarray:
    """Samples [start, start + count): hiss and mains hum everywhere, voiced syllables inside the intervals."""
    t = (start + np.arange(count)) / RATE
    out = rng.normal(0, 0.0004, count) + 0.0012 * np.sin(2 * np.pi * 50 * t)
    for begin, end in intervals:
        lo, hi = max(int(begin * RATE), start), min(int(end * RATE), start + count)
        if lo >= hi:
            continue
        local = t[lo - start : hi - start]
        since = local - begin
        f0 = 110 + 40 * np.sin(2 * np.pi * 0.3 * local + begin)
        phase = 2 * np.pi * np.cumsum(f0) / RATE
        voice = sum(np.sin(k * phase) / k for k in range(1, 6))
        # Syllables: a 4.5 Hz envelope that never falls silent for long, with a sharp 5 ms onset.
        envelope = (0.35 + 0.65 * np.abs(np.sin(np.pi * 4.5 * since))) * np.minimum(1, since / 0.005)
        envelope *= np.minimum(1, (end - local) / 0.005)
        out[lo - start : hi - start] += 0.12 * envelope * voice
    return out.astype(np.float32)


def make_recording(hours: float, seed: int = 7) -> tuple[Path, list[tuple[float, float]]]:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"silence-{hours:g}h-{seed}.m4a"
    truth_path = path.with_suffix(".json")
    seconds = hours * 3600
    if path.exists() and truth_path.exists():
        return path, [tuple(pair) for pair in json.loads(truth_path.read_text())]
    rng = np.random.default_rng(seed)
    intervals = speech_intervals(seconds, rng)
    argv = [ffmpeg_binary(), "-v", "error", "-y", "-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", "pipe:0"]
    argv += ["-c:a", "aac", "-b:a", "96k", str(path)]
    print(f"generating {hours:g} h of 48 kHz AAC with {len(intervals)} speech bursts -> {path}", flush=True)
    with subprocess.Popen(argv, stdin=subprocess.PIPE) as encoder:
        chunk = RATE * 30
        for start in range(0, int(seconds * RATE), chunk):
            count = min(chunk, int(seconds * RATE) - start)
            encoder.stdin.write(_render(start, count, intervals, rng).tobytes())
        encoder.stdin.close()
    if encoder.returncode:
        raise SystemExit(f"ffmpeg failed generating {path}")
    truth_path.write_text(json.dumps(intervals))
    return path, intervals


def ffmpegs() -> dict[str, str]:
    """Every ffmpeg on this machine a user might run instead: {label: path}, one entry per distinct binary."""
    import imageio_ffmpeg

    found = {
        "bundled (imageio-ffmpeg)": imageio_ffmpeg.get_ffmpeg_exe(),
        "on PATH": shutil.which("ffmpeg"),
        "FFMPEG_BINARY": os.environ.get("FFMPEG_BINARY"),
    }
    unique: dict[str, str] = {}
    for label, path in found.items():
        if path and os.path.realpath(path) not in {os.path.realpath(p) for p in unique.values()}:
            version = subprocess.run([path, "-version"], capture_output=True, text=True).stdout.split("\n")[0]
            unique[f"{label}: {' '.join(version.split()[:3])}"] = path
    return unique


def time_ffmpeg(binary: str, path: Path, audio_filter: str | None) -> tuple[float, str]:
    argv = [binary, "-hide_banner", "-nostdin", "-i", str(path), "-vn"]
    argv += ["-af", audio_filter] if audio_filter else []
    argv += ["-f", "null", "-"]
    started = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, result.stderr


def time_project(path: Path):
    started = time.perf_counter()
    scan = scan_audio(path, min_silence=MIN_SILENCE)
    return time.perf_counter() - started, scan


def accuracy(truth: list[tuple[float, float]], found: list[tuple[float, float]], tolerance: float = 0.1) -> dict:
    """Each true span matched by exactly one found span with both ends within ``tolerance``; nothing extra."""
    missed, off, worst = [], [], 0.0
    for begin, end in truth:
        near = [span for span in found if span[0] < end and span[1] > begin]
        if not near:
            missed.append((begin, end))
            continue
        error = max(abs(near[0][0] - begin), abs(near[-1][1] - end))
        worst = max(worst, error)
        if len(near) > 1 or error > tolerance:
            off.append(((begin, end), near))
    extra = [span for span in found if not any(span[0] < e and span[1] > b for b, e in truth)]
    return {"missed": missed, "off": off, "extra": extra, "worst": worst}


def peak_rss_mb(path: Path) -> float:
    """Peak RSS (MB) of a fresh process that only runs the analysis (the decoder included: it runs in process),
    or of the largest of the part processes it forks, whichever is larger.

    Linux's VmHWM, the high-water mark of the process's own memory: ``ru_maxrss`` would also count this
    (larger) benchmark process, whose memory the child holds between fork and exec.
    """
    code = (
        "import resource, sys; sys.path.insert(0, sys.argv[2]);"
        "from streams.analysis.decode import scan_audio;"
        "scan_audio(sys.argv[1], min_silence=1.0);"
        "status = open('/proc/self/status').read() if sys.platform == 'linux' else '';"
        "hwm = [line.split()[1] for line in status.splitlines() if line.startswith('VmHWM:')];"
        "own = int(hwm[0]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss;"
        "print(max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path), str(ROOT)], capture_output=True, text=True, check=True)
    return int(out.stdout) / 1024


def as_matroska(path: Path) -> Path:
    """The same AAC stream remuxed into Matroska (OBS's crash-safe recording format), cached beside it."""
    target = path.with_suffix(".mka")
    if not target.exists():
        subprocess.run([ffmpeg_binary(), "-v", "error", "-y", "-i", str(path), "-c", "copy", str(target)], check=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--memory-hours", default="1,4", help="comma list; empty to skip the memory check")
    parser.add_argument("--repeat", type=int, default=1, help="best of N for each timing")
    args = parser.parse_args()

    path, truth = make_recording(args.hours)
    seconds = args.hours * 3600
    binaries = ffmpegs()
    detect = {label: float("inf") for label in binaries}
    decode = dict(detect)
    ours = float("inf")
    scan = stderr = None
    for _ in range(args.repeat):  # interleaved, so load from other processes hits all alike
        for label, binary in binaries.items():
            elapsed, stderr = time_ffmpeg(binary, path, f"silencedetect=noise=-48dB:d={MIN_SILENCE:g}")
            detect[label] = min(detect[label], elapsed)
            decode[label] = min(decode[label], time_ffmpeg(binary, path, None)[0])
        elapsed, scan = time_project(path)
        ours = min(ours, elapsed)

    ffmpeg_starts = [float(v) for v in re.findall(r"silence_start: (-?[0-9.]+)", stderr)]
    print(f"recording: {args.hours:g} h, 48 kHz AAC, {len(truth)} speech spans ({path.name})")
    for label in binaries:
        print(f"ffmpeg {label}: silencedetect {detect[label]:6.2f} s, decode only {decode[label]:6.2f} s")
    fastest = min(binaries, key=detect.get)
    print(f"fastest: {fastest} ({len(ffmpeg_starts)} silences)")
    print(f"project scan_audio:     {ours:8.2f} s  ({len(scan.silences)} silences, plus loudness and peaks; "
          f"{default_processes()} processes)")
    print(f"RATIO project / fastest silencedetect = {ours / detect[fastest]:.2f}   (target <= 1.0)")
    print(f"RATIO project / that ffmpeg's bare decode = {ours / decode[fastest]:.2f}   (target <= 1.25)")
    print(f"speed: {seconds / ours:.0f}x real time")

    result = accuracy(truth, scan.speech)
    print(
        f"accuracy vs ground truth: {len(truth) - len(result['missed'])}/{len(truth)} speech spans found, "
        f"{len(result['off'])} with a boundary off by more than 100 ms, {len(result['extra'])} extra; "
        f"largest boundary error {result['worst'] * 1000:.0f} ms"
    )
    for item in result["off"][:5]:
        print(f"  off: {item}")

    hours = [float(h) for h in args.memory_hours.split(",") if h.strip()]
    if hours:
        # MP4 keeps a sample table for the whole file in its header: libavformat would read it into
        # memory at open (about 7 MB per hour of AAC, more for a moment while it applies the edit list),
        # which is why streams.analysis.mp4 walks it instead. Matroska is read as it goes. Same audio,
        # both containers, so a growth in either shows.
        containers = {"MP4 (.m4a)": lambda path: path, "Matroska (.mka)": as_matroska}
        for name, container in containers.items():
            peaks = {h: peak_rss_mb(container(make_recording(h)[0])) for h in hours}
            print(f"peak RSS, {name}: " + ", ".join(f"{h:g} h {peak:.0f} MB" for h, peak in peaks.items()))
            if len(hours) >= 2:
                low, high = min(hours), max(hours)
                print(
                    f"RATIO peak RSS {high:g} h / {low:g} h, {name} = {peaks[high] / peaks[low]:.2f}   "
                    f"(target <= 1.2, and under 500 MB: {peaks[high]:.0f} MB)"
                )


if __name__ == "__main__":
    main()
