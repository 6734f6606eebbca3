"""A long MP4 AAC track scanned in parts, one process per part, with the same result as one pass.

Decoding AAC through PyAV costs a Python call or two per 21 ms packet, all under one interpreter lock,
so one process cannot keep two cores busy however it shares the work between threads. Cut at packet
boundaries, the parts decode in parallel: each part's process reads its own packets from the sample
table (``mp4.AudioTrack.packets``), decodes a few packets before its part so the decoder and the
resampler run warm into it (and a few after, so the resampler's tail is real audio), and keeps exactly
its own 16 kHz samples. A part starts where its first 16 kHz sample is a whole number of level-meter
blocks into the recording, so the parts' silences (``SilenceDetector.joined``), levels
(``LevelMeter.joined``) and WAV bytes (written in place) put together are those of one pass.

Used for tracks of ``MIN_SECONDS`` or more whose packets all decode to frames of one size at a rate that
is a whole multiple of 16 kHz (48 kHz, as OBS records); anything else, or anything unusual on the way
(a damaged packet, a short read), returns None and the caller makes one pass, which explains it.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import av
import numpy as np

from streams.analysis.levels import LevelMeter
from streams.analysis.mp4 import AudioTrack, TruncatedTrack
from streams.analysis.resample import MonoResampler, joined_planes
from streams.analysis.silence import SilenceDetector

SAMPLE_RATE = 16_000
MIN_SECONDS = 600.0
BLOCK_SECONDS = 4


class Unsplittable(Exception):
    """This track, or something found while reading it, calls for the single pass."""


@dataclass(frozen=True)
class Layout:
    frame: int  # decoded samples per packet
    rate: int  # decoded sample rate
    skip: int  # decoded samples the edit list drops first
    length: int | None  # decoded samples the edit list plays after them

    @property
    def ratio(self) -> int:
        return self.rate // SAMPLE_RATE


@dataclass
class Part:
    """What one part's process hands back."""

    detector: SilenceDetector
    blocks: tuple[np.ndarray, np.ndarray, np.ndarray]
    end: int  # the 16 kHz sample after the part's last


@dataclass
class Scan:
    detector: SilenceDetector
    meter: LevelMeter
    samples: int


def probe_layout(track: AudioTrack) -> Layout:
    """Frame size and rate, from the first packets decoded."""
    codec = _codec(track)
    frames = [frame for data in track.packets(0, 3) for frame in codec.decode(av.Packet(data))]
    if not frames:
        raise Unsplittable("no frame decoded")
    frame, rate = frames[-1].samples, frames[-1].sample_rate
    if rate % SAMPLE_RATE or frame <= 0:
        raise Unsplittable(f"{rate} Hz is not a whole multiple of {SAMPLE_RATE} Hz")
    skip, length = track.played(rate)
    return Layout(frame=frame, rate=rate, skip=skip, length=length)


def part_starts(packet_count: int, layout: Layout, parts: int, block: int) -> list[int]:
    """Packet indexes where parts begin, then the packet count: every start but the first lies where the
    16 kHz sample it begins is a whole number of ``block`` samples into the recording (after the edit's skip).
    """
    starts = [0]
    step = layout.ratio * block  # decoded samples per level-meter block
    for index in range(1, parts):
        packet = packet_count * index // parts
        while packet < packet_count and (packet * layout.frame - layout.skip) % step:
            packet += 1
        if packet >= packet_count or packet <= starts[-1] + layout.ratio + 1:
            raise Unsplittable("no part boundary on a block")
        starts.append(packet)
    return [*starts, packet_count]


def scan_part(
    track: AudioTrack,
    layout: Layout,
    first: int,
    stop: int,
    *,
    detector: SilenceDetector,
    meter: LevelMeter,
    wav_fd: int | None,
    last: bool,
    progress: Callable[[float], None] | None = None,
) -> Part:
    """Decode packets [first, stop) (with warm-up before and, unless ``last``, a tail after), keep exactly the
    part's own 16 kHz samples, and feed them to ``detector`` and ``meter`` (and the WAV, at their offset)."""
    ratio, frame = layout.ratio, layout.frame
    warm = ratio * frame if first else 0  # decoded samples fed to the resampler before the part: its own warm-up
    lead = ratio + 1 if first else 0  # packets decoded before those: the AAC decoder's overlap warm-up
    feed_from = max(first * frame - warm, layout.skip)
    played_end = None if layout.length is None else layout.skip + layout.length
    feed_to = played_end if last else stop * frame + warm
    out_from = (first * frame - layout.skip) // ratio if first else 0  # the part's first 16 kHz sample
    out_to = None if last else (stop * frame - layout.skip) // ratio
    position = (feed_from - layout.skip) // ratio  # the 16 kHz sample the resampler's next output is

    codec, resampler = _codec(track), MonoResampler(SAMPLE_RATE)
    pending: list[list[np.ndarray]] = []
    pending_samples, key = 0, None
    decoded = (first - warm // frame - lead) * frame if first else 0

    def emit(chunks: list[np.ndarray]) -> None:
        nonlocal position
        for chunk in chunks:
            begin, end = position, position + len(chunk)
            position = end
            lo, hi = max(begin, out_from), end if out_to is None else min(end, out_to)
            if hi <= lo:
                continue
            kept = chunk[lo - begin : hi - begin]
            detector.feed(kept)
            meter.feed(kept)
            if wav_fd is not None:
                os.pwrite(wav_fd, kept.tobytes(), 44 + 2 * lo)

    packets = track.packets(first - warm // frame - lead if first else 0, stop + (warm // frame + 1 if not last else 0))
    total = max(1, stop - first)
    try:
        for count, data in enumerate(packets):
            for decoded_frame in codec.decode(av.Packet(data)):
                if decoded_frame.samples != frame or decoded_frame.sample_rate != layout.rate:
                    raise Unsplittable("frames change size or rate")
                lo = max(decoded, feed_from)
                hi = min(decoded + frame, feed_to) if feed_to is not None else decoded + frame
                decoded += frame
                if hi <= lo:
                    continue
                frame_key = (decoded_frame.format.name, decoded_frame.layout.name, decoded_frame.sample_rate)
                if key is not None and frame_key != key:
                    raise Unsplittable("the sample format changes")
                key = frame_key
                width = 1 if decoded_frame.format.is_planar else decoded_frame.layout.nb_channels
                dtype = np.float32 if decoded_frame.format.name in ("fltp", "flt") else None
                if dtype is None:
                    raise Unsplittable(f"sample format {decoded_frame.format.name}")
                start = lo - (decoded - frame)
                pending.append(
                    [np.frombuffer(plane, dtype, frame * width)[start * width : (hi - decoded + frame) * width]
                     for plane in decoded_frame.planes]
                )
                pending_samples += hi - lo
                if pending_samples >= BLOCK_SECONDS * layout.rate:
                    emit(resampler.convert(joined_planes(pending), key))
                    pending, pending_samples = [], 0
            if progress and count % 2000 == 0:
                progress(min(100.0, count / total * 100))
        if pending:
            emit(resampler.convert(joined_planes(pending), key))
        emit(resampler.finish())
    except (TruncatedTrack, OSError, av.error.FFmpegError) as error:
        raise Unsplittable(f"{type(error).__name__}: {error}") from error
    end = position if out_to is None else out_to
    if position < end:
        raise Unsplittable("the part decoded short")
    return Part(detector=detector, blocks=meter.blocks(), end=end)


def scan_in_parts(
    track: AudioTrack,
    *,
    processes: int,
    threshold_db: float,
    min_silence: float,
    min_pause: float | None,
    wav_path: str | os.PathLike | None = None,
    progress: Callable[[float], None] | None = None,
) -> Scan | None:
    """The track scanned in ``processes`` parts at once (this process takes the first), or None when it
    should be scanned in one pass."""
    if processes < 2:
        return None
    try:
        layout = probe_layout(track)
        if track.sample_count * layout.frame / layout.rate < MIN_SECONDS:
            return None
        block = LevelMeter(SAMPLE_RATE).block
        starts = part_starts(track.sample_count, layout, processes, block)
    except (Unsplittable, TruncatedTrack, OSError, av.error.FFmpegError):
        return None

    wav_fd = os.open(wav_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644) if wav_path else None
    children: list[tuple[int, int]] = []
    try:
        for index in range(1, processes):
            children.append(_fork_part(track, layout, starts, index, wav_fd, threshold_db, min_silence, min_pause))
        try:
            parts = [_part(track, layout, starts, 0, wav_fd, threshold_db, min_silence, min_pause, progress)]
        except Unsplittable:
            return None  # the other parts are stopped below: one pass follows
        results = [_collect(pid, read_fd) for pid, read_fd in children]
        children = []
        if any(result is None for result in results):
            return None
        parts += results
        if wav_fd is not None:
            os.pwrite(wav_fd, _wav_header(parts[-1].end), 0)
    finally:
        for pid, read_fd in children:  # this process's part failed or was interrupted (a time limit)
            os.kill(pid, signal.SIGKILL)
            _collect(pid, read_fd)
        if wav_fd is not None:
            os.close(wav_fd)
    meter = LevelMeter.joined(SAMPLE_RATE, [part.blocks for part in parts])
    return Scan(detector=SilenceDetector.joined([part.detector for part in parts]), meter=meter, samples=parts[-1].end)


def _part(track, layout, starts, index, wav_fd, threshold_db, min_silence, min_pause, progress=None) -> Part:
    first, stop = starts[index], starts[index + 1]
    out_from = (first * layout.frame - layout.skip) // layout.ratio if first else 0
    detector = SilenceDetector(
        SAMPLE_RATE, threshold_db=threshold_db, min_duration=min_silence, min_pause=min_pause, start=out_from
    )
    return scan_part(
        track, layout, first, stop, detector=detector, meter=LevelMeter(SAMPLE_RATE), wav_fd=wav_fd,
        last=index == len(starts) - 2, progress=progress,
    )


def _fork_part(track, layout, starts, index, wav_fd, threshold_db, min_silence, min_pause) -> tuple[int, int]:
    """Scan part ``index`` in a forked process; its result (or None) comes back pickled through a pipe."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        status = 0
        try:
            os.close(read_fd)
            try:
                result = _part(track, layout, starts, index, wav_fd, threshold_db, min_silence, min_pause)
            except Unsplittable:
                result = None
            payload = pickle.dumps(result)
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(payload)
        except BaseException:  # noqa: BLE001 - the parent sees no result and makes one pass
            traceback.print_exc()
            status = 1
        finally:
            os._exit(status)
    os.close(write_fd)
    return pid, read_fd


def _collect(pid: int, read_fd: int) -> Part | None:
    with os.fdopen(read_fd, "rb") as pipe:
        payload = pipe.read()
    _, status = os.waitpid(pid, 0)
    if status or not payload:
        return None
    return pickle.loads(payload)  # noqa: S301 - our own child's result, through our own pipe


def _codec(track: AudioTrack) -> av.CodecContext:
    codec = av.CodecContext.create("aac", "r")
    codec.extradata = track.decoder_config
    return codec


def _wav_header(samples: int) -> bytes:
    """A 16-bit mono PCM WAV header for ``samples`` samples at 16 kHz."""
    data = samples * 2
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + data, b"WAVE", b"fmt ", 16, 1, 1, SAMPLE_RATE, SAMPLE_RATE * 2, 2, 16,
        b"data", data,
    )
