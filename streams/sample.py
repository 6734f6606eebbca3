"""The bundled demo: two short OBS-named recordings made with ffmpeg from the committed speech sample."""

from __future__ import annotations

from pathlib import Path

from pipeline.ffmpeg import run_ffmpeg

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"
SPEECH = SAMPLES_DIR / "speech.ogg"


def make_sample_recordings(target: Path, *, seconds: float = 30.0) -> list[Path]:
    """Recordings with a mic track (speech, then room tone) and a game track (a quiet tone).

    The speech sits in the first part of each clip and silence fills the rest, so analysis finds
    both speech and silence. Made once; later calls reuse the files.
    """
    target.mkdir(parents=True, exist_ok=True)
    made = []
    for name, delay in [("2024-05-01 20-00-00.mp4", 1.0), ("2024-05-01 20-00-30.mp4", 4.0)]:
        path = target / name
        if not path.exists():
            _make_recording(path, seconds=seconds, speech_delay=delay)
        made.append(path)
    return made


def _make_recording(path: Path, *, seconds: float, speech_delay: float) -> None:
    video = f"testsrc2=size=640x360:rate=30:duration={seconds}"
    if SPEECH.exists():
        mic = ["-i", str(SPEECH)]
        mic_filter = f"[1:a]adelay={int(speech_delay * 1000)}:all=1,apad,atrim=0:{seconds},aresample=48000[mic]"
    else:
        mic = ["-f", "lavfi", "-i", f"sine=frequency=220:duration={seconds / 3}"]
        mic_filter = f"[1:a]apad,atrim=0:{seconds},aresample=48000[mic]"
    game = ["-f", "lavfi", "-i", f"sine=frequency=660:duration={seconds}:sample_rate=48000"]
    run_ffmpeg(
        [
            "-f",
            "lavfi",
            "-i",
            video,
            *mic,
            *game,
            "-filter_complex",
            f"{mic_filter};[2:a]volume=0.05[game]",
            "-map",
            "0:v",
            "-map",
            "[mic]",
            "-map",
            "[game]",
            "-metadata:s:a:0",
            "title=Mic",
            "-metadata:s:a:1",
            "title=Game",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-g",
            "60",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "96k",
            "-t",
            str(seconds),
            str(path),
        ]
    )
