"""Executing copy and smart-cut plans with PyAV: packets copied, partial GOPs encoded, one MP4 out.

Every piece starts with its own SPS/PPS in-band (the source's from its avcC, our encoder's as emitted),
so a decoder switches parameter sets at each splice. Decode timestamps are renumbered over the whole
output (one per packet, ``reorder`` frames behind), which keeps them increasing across splices of
encoders with different B-frame delays; presentation timestamps follow the output frame numbers.
No Django.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from pipeline.ffmpeg import Cancelled
from rendering.smartcut import COPY, Piece, VideoFormat

ProgressFn = Callable[[int], None]
StopFn = Callable[[], bool]


class SmartCutError(RuntimeError):
    """The source cannot be spliced safely (open GOP, odd NAL framing, ...): render it in full instead."""


@dataclass(frozen=True)
class SourceVideo:
    path: Path
    format: VideoFormat
    time_base: Fraction
    start_pts: int
    reorder: int

    def index(self, pts: int) -> int:
        return round((pts - self.start_pts) * self.time_base * Fraction(self.format.frame_rate).limit_denominator(1001))

    def pts(self, index: int) -> int:
        rate = Fraction(self.format.frame_rate).limit_denominator(1001)
        return self.start_pts + round(Fraction(index) / rate / self.time_base)


def probe_video(path: Path | str) -> SourceVideo:
    """The first video stream's format, as the planner needs it."""
    with av.open(str(path)) as container:
        if not container.streams.video:
            raise SmartCutError(f"{Path(path).name}: no video stream")
        stream = container.streams.video[0]
        context = stream.codec_context
        rate = float(stream.average_rate or stream.guessed_rate or 0)
        frames = stream.frames
        if not frames and stream.duration is not None:
            frames = round(float(stream.duration * stream.time_base) * rate)
        elif not frames and container.duration:
            frames = round(container.duration / 1_000_000 * rate)
        video = VideoFormat(context.name, context.width, context.height, context.pix_fmt or "", rate, int(frames or 0))
        return SourceVideo(Path(path), video, stream.time_base, stream.start_time or 0, _reorder_depth(container))


def _reorder_depth(container, packets: int = 240) -> int:
    """How many frames decode order runs ahead of display order at most (B-frame delay)."""
    stream = container.streams.video[0]
    seen = [
        packet.pts for packet, _ in zip(container.demux(stream), range(packets), strict=False) if packet.pts is not None
    ]
    rank = {pts: position for position, pts in enumerate(sorted(seen))}
    return max((position - rank[pts] for position, pts in enumerate(seen)), default=0)


def find_keyframes(source: SourceVideo, positions: Sequence[int], *, lookahead: int = 2000) -> list[int]:
    """Keyframe frame numbers around ``positions``: the one at or before each, and the first at or after.

    Seeking reads a few packets per position instead of scanning hours of video.
    """
    found: set[int] = set()
    with av.open(str(source.path)) as container:
        stream = container.streams.video[0]
        for position in sorted(set(positions)):
            container.seek(source.pts(position), stream=stream, backward=True, any_frame=False)
            for count, packet in enumerate(container.demux(stream)):
                if packet.pts is None:
                    continue
                if packet.is_keyframe:
                    index = source.index(packet.pts)
                    found.add(index)
                    if index >= position:
                        break
                if count > lookahead:
                    break
    return sorted(found)


def parameter_sets(extradata: bytes | None) -> list[bytes]:
    """SPS and PPS NAL units from an avcC record; only 4-byte NAL lengths are spliced."""
    if not extradata or extradata[0] != 1 or len(extradata) < 7:
        raise SmartCutError("H.264 without an avcC header")
    if (extradata[4] & 3) + 1 != 4:
        raise SmartCutError("H.264 with NAL lengths other than 4 bytes")
    units, position = [], 5
    for count_mask in (0x1F, 0xFF):
        count = extradata[position] & count_mask
        position += 1
        for _ in range(count):
            length = int.from_bytes(extradata[position : position + 2], "big")
            units.append(extradata[position + 2 : position + 2 + length])
            position += 2 + length
    return units


def length_prefixed(units: Sequence[bytes]) -> bytes:
    return b"".join(len(unit).to_bytes(4, "big") + unit for unit in units)


def annexb_units(data: bytes) -> list[bytes]:
    """NAL units of an Annex B buffer (start codes removed)."""
    parts = data.split(b"\x00\x00\x01")
    return [part.rstrip(b"\x00") for part in parts if part.rstrip(b"\x00")]


@dataclass
class _Writer:
    container: av.container.OutputContainer
    stream: av.video.stream.VideoStream
    time_base: Fraction
    tick: int
    reorder: int
    audio: Iterator | None
    audio_stream: av.audio.stream.AudioStream | None
    output_frame: int = 0
    decoded: int = 0
    pending_audio: av.Packet | None = None

    def write(self, data: bytes, display_index: int, keyframe: bool) -> None:
        packet = av.Packet(data)
        packet.pts = (self.output_frame + display_index) * self.tick
        packet.dts = (self.decoded - self.reorder) * self.tick
        if packet.pts < packet.dts:
            raise SmartCutError("frames reorder further than the stream declares")
        packet.duration = self.tick
        packet.is_keyframe = keyframe
        packet.time_base = self.time_base
        packet.stream = self.stream
        self._audio_until(float(packet.dts * packet.time_base))
        self.container.mux(packet)
        self.decoded += 1

    def _audio_until(self, seconds: float | None) -> None:
        while self.audio is not None:
            if self.pending_audio is None:
                self.pending_audio = next(self.audio, None)
                if self.pending_audio is None:
                    self.audio = None
                    return
            packet = self.pending_audio
            if seconds is not None and float((packet.dts or 0) * packet.time_base) > seconds:
                return
            packet.stream = self.audio_stream
            self.container.mux(packet)
            self.pending_audio = None

    def finish(self) -> None:
        self._audio_until(None)


def _copy_piece(
    writer: _Writer, container, source: SourceVideo, piece: Piece, prefix: bytes, step: Callable[[int], None]
) -> None:
    stream = container.streams.video[0]
    container.seek(source.pts(piece.start), stream=stream, backward=True, any_frame=False)
    started = False
    for packet in container.demux(stream):
        if packet.pts is None:
            continue
        index = source.index(packet.pts)
        if not started:
            if not packet.is_keyframe or index != piece.start:
                if index > piece.start:
                    raise SmartCutError(f"{source.path.name}: no keyframe at frame {piece.start}")
                continue
            started = True
            writer.write(prefix + bytes(packet), 0, True)
            step(1)
            continue
        if packet.is_keyframe and index >= piece.end:
            break
        if not piece.start <= index < piece.end:
            raise SmartCutError(f"{source.path.name}: open GOP around frame {index}")
        writer.write(bytes(packet), index - piece.start, False)
        step(1)
    if not started:
        raise SmartCutError(f"{source.path.name}: frame {piece.start} not found")


def _encode_piece(
    writer: _Writer, container, source: SourceVideo, piece: Piece, options: dict[str, str], step: Callable[[int], None]
) -> None:
    stream = container.streams.video[0]
    rate = Fraction(source.format.frame_rate).limit_denominator(1001)
    encoder = av.CodecContext.create("libx264", "w")
    encoder.width, encoder.height = source.format.width, source.format.height
    encoder.pix_fmt = source.format.pix_fmt or "yuv420p"
    encoder.time_base = 1 / rate
    encoder.framerate = rate
    encoder.max_b_frames = 0
    encoder.options = dict(options)
    container.seek(source.pts(piece.start), stream=stream, backward=True, any_frame=False)
    count = 0

    def emit(packets) -> None:
        for out in packets:
            writer.write(length_prefixed(annexb_units(bytes(out))), int(out.pts), out.is_keyframe)

    for frame in container.decode(stream):
        index = source.index(frame.pts)
        if index < piece.start:
            continue
        if index >= piece.end:
            break
        if count == 0 and index != piece.start:
            raise SmartCutError(f"{source.path.name}: frame {piece.start} not decodable")
        frame.pts = count
        frame.time_base = encoder.time_base
        frame.pict_type = av.video.frame.PictureType.NONE
        emit(encoder.encode(frame))
        count += 1
        step(1)
    emit(encoder.encode(None))
    if count != piece.frames:
        raise SmartCutError(f"{source.path.name}: frames {piece.start}-{piece.end} decoded {count}")


def write_pieces(
    pieces: Sequence[Piece],
    sources: Sequence[SourceVideo],
    output_path: Path | str,
    *,
    audio_path: Path | str | None = None,
    encoder_options: dict[str, str] | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> None:
    """Write ``pieces`` (copied or encoded video) plus the audio of ``audio_path`` into one MP4."""
    options = encoder_options or {"crf": "18", "preset": "medium"}
    used = [sources[piece.media_index] for piece in pieces]
    rate = Fraction(used[0].format.frame_rate).limit_denominator(1001)
    # A time base in which one frame is a whole number of ticks.
    tick = 256 if rate.denominator == 1 else rate.denominator
    done = 0

    def step(frames: int) -> None:
        nonlocal done
        done += frames
        if should_stop and done % 30 == 0 and should_stop():
            raise Cancelled("render cancelled")
        if progress and done % 30 == 0:
            progress(done)

    with ExitStack() as stack:
        inputs = {
            index: stack.enter_context(av.open(str(sources[index].path)))
            for index in sorted({piece.media_index for piece in pieces})
        }
        for container in inputs.values():
            container.streams.video[0].thread_type = "AUTO"
        output = stack.enter_context(av.open(str(output_path), "w", format="mp4"))
        template = inputs[pieces[0].media_index].streams.video[0]
        video = output.add_stream_from_template(template)
        time_base = Fraction(1, rate.numerator * tick // rate.denominator)
        video.time_base = time_base
        audio_iter, audio_stream = None, None
        if audio_path is not None:
            audio_in = stack.enter_context(av.open(str(audio_path)))
            audio_stream = output.add_stream_from_template(audio_in.streams.audio[0])
            audio_iter = (p for p in audio_in.demux(audio_in.streams.audio[0]) if p.dts is not None)
        writer = _Writer(
            output, video, time_base, tick, max(source.reorder for source in used), audio_iter, audio_stream
        )
        for piece in pieces:
            source = sources[piece.media_index]
            container = inputs[piece.media_index]
            if piece.action == COPY:
                prefix = length_prefixed(parameter_sets(container.streams.video[0].codec_context.extradata))
                _copy_piece(writer, container, source, piece, prefix, step)
            else:
                _encode_piece(writer, container, source, piece, options, step)
            writer.output_frame += piece.frames
        writer.finish()
    if progress:
        progress(done)
