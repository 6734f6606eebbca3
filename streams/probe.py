"""Probing recordings in-process with PyAV: streams, duration, codecs. No Django.

Every failure is a ``ProbeError`` whose message names the file and says what is wrong with it, so
an ingest of fifty files can report the three bad ones and keep the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import av

# The tail of a file must hold packets up to this close to the advertised duration, else it was cut short.
_TRUNCATION_TOLERANCE = 2.0


class ProbeError(ValueError):
    def __init__(self, path: Path | str, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{Path(path).name}: {problem}")


@dataclass(frozen=True)
class AudioTrack:
    index: int  # position among the file's audio streams (ffmpeg's ``0:a:<index>``)
    stream_index: int
    codec: str
    channels: int
    sample_rate: int
    channel_layout: str = ""
    language: str = ""
    title: str = ""


@dataclass(frozen=True)
class MediaInfo:
    path: str
    size_bytes: int
    duration: float
    format_name: str
    bit_rate: int | None
    video_codec: str  # "" for an audio-only recording (a separate mic track, a podcast)
    width: int | None
    height: int | None
    frame_rate: float | None
    audio_tracks: tuple[AudioTrack, ...]
    streams: tuple[dict, ...] = field(default=())
    creation_time: datetime | None = None

    @property
    def has_video(self) -> bool:
        return bool(self.video_codec)

    def audio_tracks_json(self) -> list[dict]:
        return [asdict(track) for track in self.audio_tracks]


def _rate(value) -> float | None:
    if not value:
        return None
    return round(float(Fraction(value)), 3)


def _creation_time(metadata: dict) -> datetime | None:
    raw = metadata.get("creation_time")
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None


def _track_title(metadata: dict) -> str:
    """MKV keeps a track name in ``title``; MP4 in ``name`` or ``handler_name`` (often a generic default)."""
    title = metadata.get("title") or metadata.get("name") or metadata.get("handler_name") or ""
    return "" if title in ("SoundHandler", "VideoHandler", "ISO Media file produced by Google Inc.") else title


def _stream_summary(stream) -> dict:
    ctx = stream.codec_context
    summary = {"index": stream.index, "type": stream.type, "codec": ctx.name if ctx else ""}
    if stream.type == "video":
        summary.update(width=ctx.width, height=ctx.height, frame_rate=_rate(stream.average_rate))
    elif stream.type == "audio":
        summary.update(channels=ctx.channels, sample_rate=ctx.sample_rate)
    if stream.metadata:
        summary["tags"] = dict(stream.metadata)
    return summary


def video_streams(container) -> list:
    """The real video streams: an MP3's, M4A's or FLAC's cover art is a one-picture "video" stream."""
    return [stream for stream in container.streams.video if not stream.disposition & av.stream.Disposition.attached_pic]


def _duration(container) -> float:
    if container.duration:
        return container.duration / av.time_base
    longest = 0.0
    for stream in container.streams:
        if stream.duration and stream.time_base:
            longest = max(longest, float(stream.duration * stream.time_base))
    return longest


def _last_packet_time(container, duration: float) -> float:
    """Seek near the end and read what is there; a cut-short file has nothing after the cut."""
    videos = video_streams(container)
    stream = videos[0] if videos else container.streams.audio[0]
    try:
        container.seek(int(max(0.0, duration - 5.0) / stream.time_base), stream=stream, backward=True)
    except av.error.FFmpegError:
        container.seek(0)
    last = 0.0
    for packet in container.demux(stream):
        if packet.pts is not None and packet.time_base is not None:
            last = max(last, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    start = float(container.start_time / av.time_base) if container.start_time else 0.0
    return last - start


def _unreadable_reason(head: bytes) -> str:
    if head[4:8] == b"ftyp":
        return "is a truncated MP4 (its index is missing: the recording was cut off before it was finalised)"
    return "is not a media file ffmpeg can read (invalid data)"


def _read_head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(12)


def probe_media(path: Path | str) -> MediaInfo:
    """Describe a recording or raise ``ProbeError`` saying what is wrong with it.

    A recording needs audio (analysis and transcription read it); video is optional.
    """
    path = Path(path)
    if not path.exists():
        raise ProbeError(path, "no such file")
    if path.is_dir():
        raise ProbeError(path, "is a directory, not a media file")
    size = path.stat().st_size
    if size == 0:
        raise ProbeError(path, "is empty (0 bytes)")
    try:
        container = av.open(str(path))
    except av.error.InvalidDataError:
        raise ProbeError(path, _unreadable_reason(_read_head(path))) from None
    except av.error.FFmpegError as error:
        raise ProbeError(path, f"cannot be opened: {error.strerror or error}") from None
    return _describe(container, path=path, size=size)


class RemoteProbeError(ProbeError):
    """The remote file could not be read over the network (not a verdict on its content): download it instead."""


def probe_remote(url: str, *, name: str, size: int, head: Callable[[], bytes], timeout: float = 30.0) -> MediaInfo:
    """Describe a recording behind an HTTP(S) URL (e.g. a presigned S3 GET) without downloading it.

    ffmpeg reads the header and seeks with range requests: an MP4 with its index at the front or a
    Matroska file costs a few requests. Bad content raises ``ProbeError``; a network or protocol failure
    raises ``RemoteProbeError`` (the caller may download the file and probe it locally). ``head`` returns
    the object's first bytes (to name a truncated MP4).
    """
    if size == 0:
        raise ProbeError(name, "is empty (0 bytes)")
    options = {"rw_timeout": str(int(timeout * 1_000_000)), "reconnect": "1"}
    try:
        container = av.open(url, options=options, timeout=timeout)
    except av.error.InvalidDataError:
        raise ProbeError(name, _unreadable_reason(head())) from None
    except av.error.FFmpegError as error:
        raise RemoteProbeError(name, f"cannot be read over the network: {error.strerror or error}") from None
    return _describe(container, path=Path(name), size=size)


def _describe(container, *, path: Path, size: int) -> MediaInfo:
    with container:
        if not container.streams.audio:
            raise ProbeError(path, "has no audio track (nothing to analyse or transcribe)")
        duration = _duration(container)
        if duration <= 0:
            raise ProbeError(path, "has no duration (no decodable frames)")
        try:
            readable = _last_packet_time(container, duration)
        except av.error.FFmpegError as error:
            raise ProbeError(path, f"is damaged: {error.strerror or error}") from None
        if readable < duration - _TRUNCATION_TOLERANCE:
            raise ProbeError(path, f"is truncated: data ends at {readable:.1f} s of {duration:.1f} s")
        videos = video_streams(container)
        video = videos[0] if videos else None
        audio_tracks = tuple(
            AudioTrack(
                index=position,
                stream_index=stream.index,
                codec=stream.codec_context.name,
                channels=stream.codec_context.channels,
                sample_rate=stream.codec_context.sample_rate,
                channel_layout=getattr(stream.codec_context.layout, "name", "") or "",
                language=stream.metadata.get("language", ""),
                title=_track_title(stream.metadata),
            )
            for position, stream in enumerate(container.streams.audio)
        )
        return MediaInfo(
            path=str(path),
            size_bytes=size,
            duration=round(duration, 3),
            format_name=container.format.name,
            bit_rate=container.bit_rate or None,
            video_codec=video.codec_context.name if video else "",
            width=video.codec_context.width if video else None,
            height=video.codec_context.height if video else None,
            frame_rate=(_rate(video.average_rate) or _rate(video.guessed_rate)) if video else None,
            audio_tracks=audio_tracks,
            streams=tuple(_stream_summary(stream) for stream in container.streams),
            creation_time=_creation_time(dict(container.metadata)),
        )
