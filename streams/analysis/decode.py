"""One decode per clip: the chosen audio track as 16 kHz mono PCM, streamed in blocks of a few seconds.

Everything audio-derived (silences, loudness, waveform peaks, the 16 kHz WAV for Whisper) is computed
from this single stream, so a clip is decoded once and memory does not grow with its length.

The track is decoded in this process by libavcodec (PyAV), not by an ffmpeg child: the ffmpeg command
line hands every 21 ms audio frame between its demux, decode, filter and mux threads, about nine futex
calls per frame, and on a 2-core machine that hand-off costs more than the decoding itself
(``benchmarks/silence.py`` measures both). A thread of our own decodes a few blocks ahead while the
caller's thread resamples and analyses, and decoded frames are resampled a block at a time by
libswresample, the resampler ``ffmpeg -ar 16000`` and Whisper's own loader use. The AAC track of an
MP4 is read by ``streams.analysis.mp4``, which walks its sample table instead of loading it."""

from __future__ import annotations

import os
import threading
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from queue import Full, Queue
from typing import TypeVar

import av
import av.logging
import numpy as np

from streams.analysis import split
from streams.analysis.levels import LevelMeter
from streams.analysis.mp4 import AudioTrack, TruncatedTrack, open_audio_track
from streams.analysis.resample import SAMPLE_DTYPES, MonoResampler, joined_planes
from streams.analysis.silence import DEFAULT_MIN_PAUSE, DEFAULT_THRESHOLD_DB, SilenceDetector, speech_spans

SAMPLE_RATE = 16_000
CHUNK_SECONDS = 4
MAX_WARNINGS = 20

T = TypeVar("T")


class AudioDecodeError(RuntimeError):
    """The audio track could not be decoded completely (corrupt, truncated, or missing)."""


def _reason(error: av.error.FFmpegError) -> str:
    """PyAV's error with libav's own explanation when it logged one ("moov atom not found")."""
    logged = error.log[2].strip() if getattr(error, "log", None) else ""
    text = error.strerror or str(error)
    return f"{text} ({logged})" if logged and logged not in text else text


@contextmanager
def _libav_errors():
    """Let libav report errors (PyAV silences it by default), so that they reach our error messages."""
    previous = av.logging.get_level()
    av.logging.set_level(av.logging.ERROR)
    try:
        with av.logging.Capture():
            yield
    finally:
        av.logging.set_level(previous)


class _DamageLog:
    """Damaged packets are skipped (as ffmpeg does) and named in ``warnings``, the first few one by one."""

    def __init__(self, warnings: list[str]) -> None:
        self.warnings = warnings
        self.skipped = 0

    def skipped_packet(self, seconds: float, error: av.error.FFmpegError) -> None:
        self.skipped += 1
        if self.skipped <= MAX_WARNINGS:
            self.warnings.append(f"skipped a damaged packet at {seconds:.3f} s: {_reason(error)}")

    def close(self) -> None:
        if self.skipped > MAX_WARNINGS:
            self.warnings.append(f"{self.skipped} damaged packets skipped in all")


# What the frame sources yield: a decoded frame and the part of it the track plays, samples [first, last)
Played = tuple[av.AudioFrame, int, int]

def _container_frames(path: Path | str, track: int, warnings: list[str]) -> Iterator[Played]:
    """The track read by libavformat (any container), each frame cut where the container ends the track."""
    try:
        container = av.open(str(path))
    except av.error.FFmpegError as error:
        raise AudioDecodeError(f"audio track {track} cannot be decoded: {_reason(error)}") from None
    with container:
        audio = container.streams.audio
        if not 0 <= track < len(audio):
            raise AudioDecodeError(f"audio track {track} does not exist (the file has {len(audio)})")
        stream = audio[track]
        end = _stream_end(stream)
        damage = _DamageLog(warnings)
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                break
            except av.error.FFmpegError as error:  # the file breaks off: what was decoded stands, the caller checks
                warnings.append(f"reading stopped: {_reason(error)}")
                break
            try:
                frames = packet.decode()
            except av.error.FFmpegError as error:
                damage.skipped_packet(float(packet.pts or 0) * packet.time_base, error)
                continue
            for frame in frames:
                yield frame, 0, _samples_before(frame, end)
        damage.close()


def _stream_end(stream) -> float | None:
    """Where the track ends by the container (seconds), if it says: edit lists end it mid-frame."""
    if not stream.duration or stream.time_base is None:
        return None
    return float(((stream.start_time or 0) + stream.duration) * stream.time_base)


def _samples_before(frame: av.AudioFrame, end: float | None) -> int:
    """How many of the frame's samples lie before ``end``: libavcodec drops an AAC track's leading
    priming samples itself, while the trailing padding is for the reader to drop, as the ffmpeg command
    line does."""
    if end is None or frame.pts is None:
        return frame.samples
    return round((end - float(frame.pts * frame.time_base)) * frame.sample_rate)


def _mp4_aac_frames(track: AudioTrack, warnings: list[str]) -> Iterator[Played]:
    """An MP4 AAC track read by ``mp4`` and decoded by libavcodec, cut to what its edit list plays."""
    codec = av.CodecContext.create("aac", "r")
    codec.extradata = track.decoder_config
    damage = _DamageLog(warnings)
    decoded, rate = 0, track.timescale

    def frames() -> Iterator[av.AudioFrame]:
        try:
            for data in track.packets():
                try:
                    yield from codec.decode(av.Packet(data))
                except av.error.FFmpegError as error:
                    damage.skipped_packet(decoded / rate, error)
        except (TruncatedTrack, OSError) as error:  # cut short, or changed or removed since it was opened
            warnings.append(f"reading stopped: {error}")
        yield from codec.decode(None)

    skip, length = track.played(rate)
    for frame in frames():
        if frame.sample_rate != rate:
            rate = frame.sample_rate
            skip, length = track.played(rate)
        yield frame, skip - decoded, frame.samples if length is None else skip + length - decoded
        decoded += frame.samples
    damage.close()


def _blocks(
    path: Path | str, track: int, chunk_seconds: float, warnings: list[str]
) -> Iterator[tuple[np.ndarray, tuple[str, str, int]]]:
    """The track's decoded samples joined into blocks of about ``chunk_seconds``, each of one
    (sample format, layout, rate): the unit the resampler takes, shaped as ``AudioFrame.from_ndarray``
    wants it. Frames are viewed in place (``to_ndarray`` costs six times more, per 21 ms frame)."""
    mp4_track = open_audio_track(path, track)
    source = _mp4_aac_frames(mp4_track, warnings) if mp4_track else _container_frames(path, track, warnings)
    pending: list[list[np.ndarray]] = []
    pending_samples, key, dtype, width = 0, None, None, 1
    for frame, first, last in source:
        first, last = max(0, first), min(frame.samples, last)
        if last <= first:
            continue
        frame_key = (frame.format.name, frame.layout.name, frame.sample_rate)
        if frame_key != key:
            if pending:
                yield joined_planes(pending), key
                pending, pending_samples = [], 0
            key, dtype = frame_key, SAMPLE_DTYPES[frame.format.packed.name]
            width = 1 if frame.format.is_planar else frame.layout.nb_channels
        count = frame.samples * width
        pending.append([np.frombuffer(plane, dtype, count)[first * width : last * width] for plane in frame.planes])
        pending_samples += last - first
        if pending_samples >= chunk_seconds * frame.sample_rate:
            yield joined_planes(pending), key
            pending, pending_samples = [], 0
    if pending:
        yield joined_planes(pending), key


def _read_ahead(items: Iterator[T], depth: int = 4) -> Iterator[T]:
    """``items`` produced by a thread of their own, up to ``depth`` ahead of the caller.

    libavcodec decodes without holding the GIL, so while that thread decodes the next blocks this one
    resamples and analyses the last: two cores share the work, as the ffmpeg command line's threads
    share it. Memory stays at ``depth`` blocks.
    """
    handoff: Queue = Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            with av.logging.Capture():  # libav's messages are captured per thread
                for item in items:
                    if not put((item, None)):
                        return
            put((end, None))
        except BaseException as error:  # noqa: BLE001 - handed to the consumer, which raises it
            put((end, error))
        finally:
            items.close()

    producer = threading.Thread(target=produce, name="audio-decode", daemon=True)
    producer.start()
    try:
        while True:
            item, error = handoff.get()
            if error is not None:
                raise error
            if item is end:
                return
            yield item
    finally:
        stop.set()
        producer.join()


def pcm_chunks(
    path: Path | str,
    *,
    track: int = 0,
    sample_rate: int = SAMPLE_RATE,
    chunk_seconds: float = CHUNK_SECONDS,
    warnings: list[str] | None = None,
) -> Iterator[np.ndarray]:
    """int16 mono chunks of audio track ``track`` (0 = the first); raises ``AudioDecodeError``.

    Damaged packets are skipped and described in ``warnings``: a caller that knows the clip's length
    tells a damaged file from a whole one by the duration decoded (see ``scan_audio``). An MP4 whose
    track is AAC is read by ``mp4`` (memory that does not grow with the recording), anything else
    by libavformat.
    """
    warnings = [] if warnings is None else warnings
    with _libav_errors():
        resampler = MonoResampler(sample_rate)
        try:
            for block, key in _read_ahead(_blocks(path, track, chunk_seconds, warnings)):
                yield from _joined(resampler.convert(block, key))
            yield from _joined(resampler.finish())
        except av.error.FFmpegError as error:  # a format the resampler cannot take
            raise AudioDecodeError(f"audio track {track} cannot be decoded: {_reason(error)}") from None


def _joined(arrays: list[np.ndarray]) -> Iterator[np.ndarray]:
    if arrays:
        yield arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


@dataclass
class AudioScan:
    """What one decode of a track gives."""

    duration: float
    sample_rate: int
    threshold_db: float
    min_silence: float
    silences: list[tuple[float, float]]
    speech: list[tuple[float, float]]
    pauses: list[tuple[float, float]]
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
    min_pause: float | None = DEFAULT_MIN_PAUSE,
    wav_path: Path | str | None = None,
    expected_duration: float | None = None,
    progress: Callable[[float], None] | None = None,
    processes: int | None = None,
) -> AudioScan:
    """Decode ``track`` once: silences, speech spans, the pauses inside them (silences from ``min_pause``
    up to ``min_silence``), loudness per second, peaks, and optionally the WAV.

    ``expected_duration`` (the probed clip length) turns a track that stops early into an
    ``AudioDecodeError``: ffmpeg skips undecodable packets of a damaged file without failing. A long MP4
    AAC track is decoded in parts by up to ``processes`` processes at once (default: the cores this
    process may use, at most 4), with the same result (``split``).
    """
    warnings: list[str] = []
    mp4_track = open_audio_track(path, track)
    parts = mp4_track and split.scan_in_parts(
        mp4_track,
        processes=default_processes() if processes is None else processes,
        threshold_db=threshold_db,
        min_silence=min_silence,
        min_pause=min_pause,
        wav_path=wav_path,
        progress=progress,
    )
    if parts:
        detector, meter = parts.detector, parts.meter
    else:
        detector, meter = _scan_in_one_pass(
            path, track, threshold_db, min_silence, min_pause, wav_path, expected_duration, progress, warnings
        )
    duration = detector.duration
    detail = f": {'; '.join(warnings[:3])}" if warnings else ""
    if duration == 0:
        raise AudioDecodeError(f"audio track {track} holds no decodable audio{detail}")
    if expected_duration and duration < expected_duration - max(1.0, 0.02 * expected_duration):
        raise AudioDecodeError(
            f"audio track {track} stops at {duration:.3f} s of {expected_duration:.3f} s (truncated or corrupt)"
            f"{detail}"
        )
    silences = detector.finish()
    return AudioScan(
        duration=round(duration, 3),
        sample_rate=SAMPLE_RATE,
        threshold_db=threshold_db,
        min_silence=min_silence,
        silences=silences,
        speech=speech_spans(silences, round(duration, 3)),
        pauses=detector.pauses,
        loudness_db=meter.loudness_db(),
        peaks=meter.peaks(),
        peaks_per_second=meter.blocks_per_second,
        wav_bytes=detector.position * 2,
        warnings=warnings,
    )


def default_processes() -> int:
    """The cores this process may run on, at most 4 (past that, parts are too short to pay for the fork)."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(4, usable))


def _scan_in_one_pass(
    path, track, threshold_db, min_silence, min_pause, wav_path, expected_duration, progress, warnings
) -> tuple[SilenceDetector, LevelMeter]:
    detector = SilenceDetector(SAMPLE_RATE, threshold_db=threshold_db, min_duration=min_silence, min_pause=min_pause)
    meter = LevelMeter(SAMPLE_RATE)
    sink = _open_wav(wav_path) if wav_path else None
    try:
        for chunk in pcm_chunks(path, track=track, warnings=warnings):
            detector.feed(chunk)
            meter.feed(chunk)
            if sink is not None:
                sink.writeframesraw(chunk.tobytes())
            if progress and expected_duration:
                progress(min(100.0, detector.duration / expected_duration * 100))
    finally:
        if sink is not None:
            sink.close()
    return detector, meter


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
