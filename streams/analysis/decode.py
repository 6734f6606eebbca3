"""One decode per clip: the chosen audio track as 16 kHz mono PCM, streamed in blocks of a few seconds.

Everything audio-derived (silences, loudness, waveform peaks, the 16 kHz WAV for Whisper) is computed
from this single stream, so a clip is decoded once and memory does not grow with its length.

The track is decoded in this process by libavcodec (PyAV), not by an ffmpeg child: the ffmpeg command
line hands every 21 ms audio frame between its demux, decode, filter and mux threads, about nine futex
calls per frame, and on a 2-core machine that hand-off costs more than the decoding itself
(``benchmarks/silence.py`` measures both). Decoded frames are gathered into blocks and resampled a
block at a time by libswresample, the resampler ``ffmpeg -ar 16000`` and Whisper's own loader use.
"""

from __future__ import annotations

import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import av
import av.logging
import numpy as np

from streams.analysis.levels import LevelMeter
from streams.analysis.silence import DEFAULT_THRESHOLD_DB, SilenceDetector, speech_spans

SAMPLE_RATE = 16_000
CHUNK_SECONDS = 4
MAX_WARNINGS = 20


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


class _MonoResampler:
    """Blocks of decoded audio (any format, layout and rate) in, int16 mono at ``rate`` out.

    One libavfilter graph (aresample, aformat) per input format; it keeps the filter's state between
    blocks, so block boundaries leave no seam.
    """

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._graph: av.filter.Graph | None = None
        self._key: tuple[str, str, int] | None = None

    def convert(self, arrays: list[np.ndarray], key: tuple[str, str, int]) -> list[np.ndarray]:
        out = self.finish() if key != self._key else []
        if self._graph is None:
            self._graph, self._key = self._build(*key), key
        sample_format, layout, rate = key
        block = av.AudioFrame.from_ndarray(np.concatenate(arrays, axis=1), format=sample_format, layout=layout)
        block.sample_rate = rate
        self._graph.push(block)
        return out + self._pull()

    def finish(self) -> list[np.ndarray]:
        if self._graph is None:
            return []
        self._graph.push(None)
        out = self._pull()
        self._graph = self._key = None
        return out

    def _build(self, sample_format: str, layout: str, rate: int) -> av.filter.Graph:
        graph = av.filter.Graph()
        source = graph.add_abuffer(format=sample_format, sample_rate=rate, layout=layout, time_base=f"1/{rate}")
        resample = graph.add("aresample", str(self.rate))
        mono = graph.add("aformat", "sample_fmts=s16:channel_layouts=mono")
        sink = graph.add("abuffersink")
        source.link_to(resample)
        resample.link_to(mono)
        mono.link_to(sink)
        graph.configure()
        return graph

    def _pull(self) -> list[np.ndarray]:
        out = []
        while True:
            try:
                frame = self._graph.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return out
            out.append(frame.to_ndarray().reshape(-1))


def _decoded_frames(container, stream, warnings: list[str]) -> Iterator[av.AudioFrame]:
    """The track's frames; a damaged packet is skipped (as ffmpeg does) and noted, unreadable data ends it."""
    skipped = 0
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
            yield from packet.decode()
        except av.error.FFmpegError as error:
            skipped += 1
            if skipped <= MAX_WARNINGS:
                warnings.append(f"skipped a damaged packet at {float(packet.pts or 0) * packet.time_base:.3f} s: "
                                f"{_reason(error)}")
    if skipped > MAX_WARNINGS:
        warnings.append(f"{skipped} damaged packets skipped in all")


def _stream_end(stream) -> float | None:
    """Where the track ends by the container (seconds), if it says: edit lists end it mid-frame."""
    if not stream.duration or stream.time_base is None:
        return None
    return float(((stream.start_time or 0) + stream.duration) * stream.time_base)


def _samples(frame: av.AudioFrame, end: float | None) -> np.ndarray | None:
    """The frame's samples, cut at ``end``: libavcodec drops an AAC track's leading priming samples
    itself, while the trailing padding is for the reader to drop, as the ffmpeg command line does."""
    array = frame.to_ndarray()
    if end is None or frame.pts is None:
        return array
    keep = round((end - float(frame.pts * frame.time_base)) * frame.sample_rate)
    if keep >= frame.samples:
        return array
    if keep <= 0:
        return None
    return array[:, :keep] if frame.format.is_planar else array[:, : keep * len(frame.layout.channels)]


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
    tells a damaged file from a whole one by the duration decoded (see ``scan_audio``).
    """
    warnings = [] if warnings is None else warnings
    with _libav_errors():
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
            resampler = _MonoResampler(sample_rate)
            pending: list[np.ndarray] = []
            pending_samples, key = 0, None
            try:
                for frame in _decoded_frames(container, stream, warnings):
                    samples = _samples(frame, end)
                    if samples is None:
                        continue
                    frame_key = (frame.format.name, frame.layout.name, frame.sample_rate)
                    if pending and frame_key != key:
                        yield from _joined(resampler.convert(pending, key))
                        pending, pending_samples = [], 0
                    key = frame_key
                    pending.append(samples)
                    pending_samples += frame.samples
                    if pending_samples >= chunk_seconds * frame.sample_rate:
                        yield from _joined(resampler.convert(pending, key))
                        pending, pending_samples = [], 0
                if pending:
                    yield from _joined(resampler.convert(pending, key))
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
    warnings: list[str] = []
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
        loudness_db=meter.loudness_db(),
        peaks=meter.peaks(),
        peaks_per_second=meter.blocks_per_second,
        wav_bytes=detector.position * 2,
        warnings=warnings,
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
