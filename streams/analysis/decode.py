"""One ffmpeg pass per clip: the chosen audio track as 16 kHz mono PCM, streamed in fixed-size chunks.

Everything audio-derived (silences, loudness, waveform peaks, the 16 kHz WAV for Whisper) is computed
from this single stream, so a clip is decoded once and memory does not grow with its length.
"""

from __future__ import annotations

import subprocess
import threading
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from streams.analysis.levels import LevelMeter
from streams.analysis.silence import DEFAULT_THRESHOLD_DB, SilenceDetector, speech_spans
from streams.ffmpeg import FFmpegError, ffmpeg_binary

SAMPLE_RATE = 16_000
CHUNK_SECONDS = 4


class AudioDecodeError(RuntimeError):
    """The audio track could not be decoded completely (corrupt, truncated, or missing)."""


@cache
def _has_soxr() -> bool:
    """soxr resamples faster than ffmpeg's own swr at equal quality; not every build has it."""
    result = subprocess.run([ffmpeg_binary(), "-hide_banner", "-buildconf"], capture_output=True, text=True)
    return "--enable-libsoxr" in result.stdout


def decode_argv(path: Path | str, *, track: int = 0, sample_rate: int = SAMPLE_RATE) -> list[str]:
    resample = ["-af", f"aresample={sample_rate}:resampler=soxr"] if _has_soxr() else ["-ar", str(sample_rate)]
    return [
        ffmpeg_binary(),
        "-hide_banner",
        "-nostdin",
        "-v",
        "error",
        "-i",
        str(path),
        "-map",
        f"0:a:{track}",
        "-vn",
        "-sn",
        "-dn",
        "-ac",
        "1",
        *resample,
        # Without this ffmpeg flushes every packet (a few hundred bytes) into the pipe, and reading that
        # many small writes costs more than the decode; its 32 KiB buffer fills instead.
        "-flush_packets",
        "0",
        "-f",
        "s16le",
        "pipe:1",
    ]


def pcm_chunks(
    path: Path | str, *, track: int = 0, sample_rate: int = SAMPLE_RATE, chunk_seconds: float = CHUNK_SECONDS
) -> Iterator[np.ndarray]:
    """int16 mono chunks of the track; raises ``FFmpegError`` (with its stderr) if ffmpeg fails."""
    argv = decode_argv(path, track=track, sample_rate=sample_rate)
    chunk_bytes = int(sample_rate * chunk_seconds) * 2
    with subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        errors: list[bytes] = []
        # Drained on the side: a corrupt file can log more than a pipe holds and stall ffmpeg.
        reader = threading.Thread(target=lambda: errors.extend(process.stderr), daemon=True)
        reader.start()
        finished = False
        try:
            buffer = bytearray(chunk_bytes)
            view = memoryview(buffer)
            while True:
                filled = 0
                while filled < chunk_bytes:
                    got = process.stdout.readinto(view[filled:])
                    if not got:
                        break
                    filled += got
                filled -= filled % 2
                if filled:
                    yield np.frombuffer(bytes(view[:filled]), dtype=np.int16)
                if filled < chunk_bytes:
                    finished = True
                    break
        finally:
            if not finished:  # the consumer stopped early (an error, a closed generator)
                process.kill()
            process.stdout.close()
            process.wait()
            reader.join()
        if finished and process.returncode != 0:
            raise FFmpegError(argv, process.returncode, b"".join(errors).decode(errors="replace"))


@dataclass
class AudioScan:
    """What one decode of a track gives."""

    duration: float
    sample_rate: int
    threshold_db: float
    min_silence: float
    silences: list[tuple[float, float]]
    speech: list[tuple[float, float]]
    loudness_db: list[float]
    peaks: list[float]
    peaks_per_second: int
    wav_bytes: int = 0
    warnings: list[str] = field(default_factory=list)


def scan_audio(
    path: Path | str,
    *,
    track: int = 0,
    threshold_db: float = DEFAULT_THRESHOLD_DB,
    min_silence: float = 1.0,
    wav_path: Path | str | None = None,
    expected_duration: float | None = None,
    progress: Callable[[float], None] | None = None,
) -> AudioScan:
    """Decode ``track`` once: silences, speech spans, loudness per second, peaks, and optionally the WAV.

    ``expected_duration`` (the probed clip length) turns a track that stops early into an
    ``AudioDecodeError``: ffmpeg skips undecodable packets of a damaged file without failing.
    """
    detector = SilenceDetector(SAMPLE_RATE, threshold_db=threshold_db, min_duration=min_silence)
    meter = LevelMeter(SAMPLE_RATE)
    sink = _open_wav(wav_path) if wav_path else None
    try:
        for chunk in pcm_chunks(path, track=track):
            detector.feed(chunk)
            meter.feed(chunk)
            if sink is not None:
                sink.writeframesraw(chunk.tobytes())
            if progress and expected_duration:
                progress(min(100.0, detector.duration / expected_duration * 100))
    except FFmpegError as error:
        raise AudioDecodeError(f"audio track {track} cannot be decoded: {error}") from error
    finally:
        if sink is not None:
            sink.close()
    duration = detector.duration
    if duration == 0:
        raise AudioDecodeError(f"audio track {track} holds no decodable audio")
    if expected_duration and duration < expected_duration - max(1.0, 0.02 * expected_duration):
        raise AudioDecodeError(
            f"audio track {track} stops at {duration:.3f} s of {expected_duration:.3f} s (truncated or corrupt)"
        )
    silences = detector.finish()
    return AudioScan(
        duration=round(duration, 3),
        sample_rate=SAMPLE_RATE,
        threshold_db=threshold_db,
        min_silence=min_silence,
        silences=silences,
        speech=speech_spans(silences, round(duration, 3)),
        loudness_db=meter.loudness_db(),
        peaks=meter.peaks(),
        peaks_per_second=meter.blocks_per_second,
        wav_bytes=detector.position * 2,
    )


def _open_wav(path: Path | str) -> wave.Wave_write:
    sink = wave.open(str(path), "wb")
    sink.setnchannels(1)
    sink.setsampwidth(2)
    sink.setframerate(SAMPLE_RATE)
    return sink


def read_wav(path: Path | str, *, start: float = 0.0, end: float | None = None) -> np.ndarray:
    """float32 samples of a 16-bit mono WAV between ``start`` and ``end`` seconds (only that part is read)."""
    with wave.open(str(path), "rb") as source:
        if source.getnchannels() != 1 or source.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 16-bit mono WAV")
        rate = source.getframerate()
        first = min(int(round(start * rate)), source.getnframes())
        last = source.getnframes() if end is None else min(int(round(end * rate)), source.getnframes())
        source.setpos(first)
        raw = source.readframes(max(0, last - first))
    return np.frombuffer(raw, dtype=np.int16).astype(np.float32) / 32768.0
