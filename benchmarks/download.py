"""Download throughput from a local HLS server: our ingest-download path against plain ``yt-dlp`` on one URL.

Generates an HLS VOD (H.264 + a tone, 1-second segments) and serves it from a separate process, then
alternates: our path (``streams.sources.ytdlp.vod_info`` + ``vod_download`` with the progress hook and
throttle the ingest uses) and the ``yt-dlp`` command line, each into an empty folder. Prints each
round's MB/s and the ratio of the medians. Goal: ours / yt-dlp >= 0.9. The command line's time includes
its interpreter start (about a second): that is what running plain ``yt-dlp`` costs, so longer VODs
(``--seconds``) bring the ratio closer to the two downloaders' own speeds.

    python benchmarks/download.py [--seconds 60] [--bitrate 8M] [--rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.ffmpeg import ffmpeg_binary  # noqa: E402
from pipeline.progress import ProgressThrottle  # noqa: E402
from streams.sources.ytdlp import vod_download, vod_info  # noqa: E402


def make_vod(ffmpeg: str, folder: Path, seconds: int, bitrate: str) -> Path:
    playlist = folder / "vod.m3u8"
    subprocess.run(
        [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=30:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}:sample_rate=48000",
         "-c:v", "libx264", "-preset", "ultrafast", "-b:v", bitrate, "-g", "30", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-b:a", "128k", "-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod",
         "-hls_segment_filename", str(folder / "seg%04d.ts"), str(playlist)],
        check=True,
    )  # fmt: skip
    return playlist


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the HLS server did not start")


def ours(url: str, folder: Path, ffmpeg: str) -> Path:
    info = vod_info(url, ffmpeg=ffmpeg)
    return vod_download(info, folder, ffmpeg=ffmpeg, progress=ProgressThrottle(lambda percent: None))


def cli(url: str, folder: Path, ffmpeg: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "yt_dlp", "-q", "--no-warnings", "--no-progress", "--ffmpeg-location", ffmpeg,
         "-o", str(folder / "%(id)s.%(ext)s"), url],
        check=True,
    )  # fmt: skip
    return next(folder.glob("*.mp4"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=60, help="length of the generated VOD")
    parser.add_argument("--bitrate", default="8M", help="its video bit rate")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ffmpeg = ffmpeg_binary()
    with tempfile.TemporaryDirectory(prefix="bench-download-") as tmp:
        served = Path(tmp) / "served"
        served.mkdir()
        make_vod(ffmpeg, served, args.seconds, args.bitrate)
        size = sum(path.stat().st_size for path in served.glob("*.ts"))
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(served)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(port)
            url = f"http://127.0.0.1:{port}/vod.m3u8"
            rates: dict[str, list[float]] = {"ours": [], "yt-dlp": []}
            for round_number in range(args.rounds):
                for name, download in (("ours", ours), ("yt-dlp", cli)):
                    target = Path(tmp) / f"{name}-{round_number}"
                    started = time.perf_counter()
                    output = download(url, target, ffmpeg)
                    elapsed = time.perf_counter() - started
                    rates[name].append(size / elapsed / 1e6)
                    print(f"round {round_number + 1} {name:>6}: {elapsed:6.2f} s  {rates[name][-1]:7.1f} MB/s  "
                          f"({output.stat().st_size / 1e6:.1f} MB written)")  # fmt: skip
                    shutil.rmtree(target)
        finally:
            server.terminate()
            server.wait()
    ratio = statistics.median(rates["ours"]) / statistics.median(rates["yt-dlp"])
    print(f"VOD: {size / 1e6:.1f} MB of segments, {args.seconds} s")
    print(f"median throughput: ours {statistics.median(rates['ours']):.1f} MB/s, "
          f"yt-dlp {statistics.median(rates['yt-dlp']):.1f} MB/s")  # fmt: skip
    print(f"ratio ours / yt-dlp: {ratio:.2f} (goal >= 0.9)")
    return 0 if ratio >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
