"""One AAC track of an MP4/MOV file, read front to back without holding its sample table.

libavformat reads an MP4's whole sample table into memory when it opens the file: 24 bytes per
sample of every track, video included, and a second copy for a moment while it applies the edit
list. For a 4-hour recording that is tens of megabytes, and it grows with the length. The analysis
only needs one audio track, once, in order, so this walks that track's tables (chunk offsets,
samples per chunk, sample sizes) a block of entries at a time with positioned reads, and yields the
raw AAC packets for libavcodec to decode.

Only the common case is taken: a non-fragmented file whose chosen track is AAC (what OBS and
ffmpeg write) with at most one edit, the encoder's priming delay. For anything else
``open_audio_track`` returns None and the caller lets libavformat read the file.
"""

from __future__ import annotations

import itertools
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

TOP_LEVEL = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid"}
AAC_OBJECT_TYPES = {0x40, 0x66, 0x67, 0x68}  # MPEG-4 audio, MPEG-2 AAC main/LC/SSR profiles
AAC_AUDIO_OBJECT_TYPES = {1, 2, 4, 5, 29}  # main, LC, LTP, HE-AAC (SBR), HE-AAC v2 (PS)
ENTRIES_PER_READ = 8192
READ_BYTES = 1 << 20  # packets are read in runs of about this much (an audio-only file is often one chunk)


class Unsupported(Exception):
    """Not the plain case this module reads; libavformat should read the file instead."""


class TruncatedTrack(Exception):
    """The track's data breaks off before its last sample (the file was cut short)."""


@dataclass(frozen=True)
class Box:
    kind: bytes
    start: int  # first byte of the payload
    end: int


@dataclass(frozen=True)
class AudioTrack:
    """Where one AAC track's packets are and how much of them the edit list plays."""

    path: str
    decoder_config: bytes  # AudioSpecificConfig, the AAC decoder's extradata
    timescale: int  # the track's units per second (the sample rate, as muxers write it)
    sample_count: int
    skip: int  # leading samples the edit list leaves out (encoder priming), in track units
    length: int | None  # samples the edit list plays after ``skip``, in track units; None: all
    sizes: Box  # stsz
    chunk_offsets: Box  # stco or co64
    chunk_runs: Box  # stsc

    def played(self, rate: int) -> tuple[int, int | None]:
        """(samples to drop first, samples to keep after them) at the decoder's output ``rate``."""
        skip = round(self.skip * rate / self.timescale)
        return skip, None if self.length is None else round(self.length * rate / self.timescale)

    def packets(self, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
        """The track's packets ``start`` to ``stop`` (exclusive) in order; raises ``TruncatedTrack`` where the
        file ends early. Packets before ``start`` are skipped by their sizes, unread."""
        stop = self.sample_count if stop is None else min(stop, self.sample_count)
        fd = os.open(self.path, os.O_RDONLY)
        try:
            yield from self._packets(fd, start, stop)
        finally:
            os.close(fd)

    def _packets(self, fd: int, start: int, stop: int) -> Iterator[bytes]:
        sizes = _sample_sizes(fd, self.sizes)
        index, remaining = 0, self.sample_count
        chunks = zip(_chunk_offsets(fd, self.chunk_offsets), _samples_per_chunk(fd, self.chunk_runs), strict=False)
        for offset, per_chunk in chunks:  # the runs go on for ever: the offsets say how many chunks there are
            in_chunk = min(per_chunk, remaining)
            remaining -= in_chunk
            batch: list[int] = []
            batch_bytes = 0
            for size in itertools.islice(sizes, in_chunk):
                if index < start or index >= stop:
                    offset += size if index < start else 0
                    index += 1
                    continue
                index += 1
                batch.append(size)
                batch_bytes += size
                if batch_bytes >= READ_BYTES:
                    yield from _read_packets(fd, offset, batch)
                    offset, batch, batch_bytes = offset + batch_bytes, [], 0
            yield from _read_packets(fd, offset, batch)
            if not remaining or index >= stop:
                return


def _read_packets(fd: int, offset: int, sizes: list[int]) -> Iterator[bytes]:
    """Consecutive packets of these sizes from ``offset``, in one read."""
    data = os.pread(fd, sum(sizes), offset)
    position = 0
    for size in sizes:
        packet = data[position : position + size]
        if len(packet) < size:
            raise TruncatedTrack(f"the file ends at byte {offset + len(data)}, in the audio data")
        yield packet
        position += size


def open_audio_track(path: Path | str, track: int) -> AudioTrack | None:
    """The ``track``-th audio track (0 = first, in file order) when it is the plain AAC case, else None."""
    try:
        with open(path, "rb") as file:
            return _audio_track(str(path), file.fileno(), track)
    except (Unsupported, struct.error, OSError, ValueError, IndexError):
        return None


def _audio_track(path: str, fd: int, track: int) -> AudioTrack:
    file_size = os.fstat(fd).st_size
    top = _children(fd, Box(b"", 0, file_size), strict=False)
    first = next(top, None)
    if first is None or first.kind not in TOP_LEVEL:
        raise Unsupported("not an MP4 file")
    moov = next((box for box in itertools.chain([first], top) if box.kind == b"moov"), None)
    if moov is None:
        raise Unsupported("no moov box (libavformat explains: truncated, or still being written)")
    boxes = list(_children(fd, moov))
    movie = {box.kind: box for box in boxes}
    if b"mvex" in movie or b"mvhd" not in movie:
        raise Unsupported("fragmented MP4")
    movie_timescale = _timescale(fd, movie[b"mvhd"])
    sound = [box for box in boxes if box.kind == b"trak" and _handler(fd, box) == b"soun"]
    if not 0 <= track < len(sound):
        raise Unsupported("no such audio track")
    return _aac_track(path, fd, sound[track], movie_timescale)


def _aac_track(path: str, fd: int, trak: Box, movie_timescale: int) -> AudioTrack:
    mdia = _child(fd, trak, b"mdia")
    stbl = _child(fd, _child(fd, mdia, b"minf"), b"stbl")
    tables = {box.kind: box for box in _children(fd, stbl)}
    if not {b"stsd", b"stsz", b"stsc"} <= tables.keys() or not ({b"stco", b"co64"} & tables.keys()):
        raise Unsupported("sample tables missing")
    timescale = _timescale(fd, _child(fd, mdia, b"mdhd"))
    sizes, chunk_offsets, chunk_runs = tables[b"stsz"], tables.get(b"stco") or tables[b"co64"], tables[b"stsc"]
    _check_table(fd, sizes, 12, 4, constant_size=True)
    _check_table(fd, chunk_offsets, 8, 8 if chunk_offsets.kind == b"co64" else 4)
    _check_table(fd, chunk_runs, 8, 12)
    sample_count = struct.unpack(">I", os.pread(fd, 4, sizes.start + 8))[0]
    if sample_count == 0 or timescale == 0 or movie_timescale == 0:
        raise Unsupported("an empty track")
    skip, length = _edit(fd, trak, timescale, movie_timescale)
    return AudioTrack(
        path=path,
        decoder_config=_aac_config(fd, tables[b"stsd"]),
        timescale=timescale,
        sample_count=sample_count,
        skip=skip,
        length=length,
        sizes=sizes,
        chunk_offsets=chunk_offsets,
        chunk_runs=chunk_runs,
    )


def _children(fd: int, parent: Box, *, strict: bool = True) -> Iterator[Box]:
    position = parent.start
    while position + 8 <= parent.end:
        header = os.pread(fd, 16, position)
        size, kind = struct.unpack(">I4s", header[:8])
        payload = position + 8
        if size == 1:
            size, payload = struct.unpack(">Q", header[8:16])[0], position + 16
        elif size == 0:
            size = parent.end - position
        if size < payload - position or position + size > parent.end:
            if strict:
                raise Unsupported(f"box {kind!r} overruns its parent")
            return
        yield Box(kind, payload, position + size)
        position += size


def _child(fd: int, parent: Box, kind: bytes) -> Box:
    for box in _children(fd, parent):
        if box.kind == kind:
            return box
    raise Unsupported(f"no {kind.decode(errors='replace')} box")


def _payload(fd: int, box: Box, limit: int = 1 << 16) -> bytes:
    if box.end - box.start > limit:
        raise Unsupported(f"box {box.kind!r} is unexpectedly large")
    return os.pread(fd, box.end - box.start, box.start)


def _handler(fd: int, trak: Box) -> bytes:
    return _payload(fd, _child(fd, _child(fd, trak, b"mdia"), b"hdlr"))[8:12]


def _timescale(fd: int, header: Box) -> int:
    """From mvhd or mdhd: version, flags, then creation and modification times of 4 or 8 bytes each."""
    data = _payload(fd, header)
    return struct.unpack_from(">I", data, 20 if data[0] == 1 else 12)[0]


def _edit(fd: int, trak: Box, timescale: int, movie_timescale: int) -> tuple[int, int | None]:
    """(skip, length) in track units from the edit list: none, or one edit that starts the track late."""
    edts = next((box for box in _children(fd, trak) if box.kind == b"edts"), None)
    if edts is None:
        return 0, None
    data = _payload(fd, _child(fd, edts, b"elst"))
    version, count = data[0], struct.unpack_from(">I", data, 4)[0]
    if count != 1:
        raise Unsupported("an edit list of several edits")
    if version == 1:
        duration, media_time, rate = struct.unpack_from(">QqI", data, 8)
    else:
        duration, media_time, rate = struct.unpack_from(">IiI", data, 8)
    if media_time < 0 or rate != 0x10000:
        raise Unsupported("an empty or scaled edit")
    # libavformat converts the edit's length to track units the same way (rounded to nearest)
    return media_time, (duration * timescale + movie_timescale // 2) // movie_timescale if duration else None


def _aac_config(fd: int, stsd: Box) -> bytes:
    """The AudioSpecificConfig in the only sample description, an mp4a entry with an esds box."""
    data = _payload(fd, stsd)
    if struct.unpack_from(">I", data, 4)[0] != 1:
        raise Unsupported("several sample descriptions")
    entry_size, kind = struct.unpack_from(">I4s", data, 8)
    if kind != b"mp4a":
        raise Unsupported(f"codec {kind!r}")
    entry = data[16 : 8 + entry_size]
    version = struct.unpack_from(">H", entry, 8)[0]
    children_at = {0: 28, 1: 44, 2: 64}.get(version)
    if children_at is None:
        raise Unsupported("unknown sound description version")
    esds = _find_esds(entry[children_at:])
    if esds is None:
        raise Unsupported("mp4a without esds")
    return _decoder_specific_info(esds)


def _find_esds(data: bytes) -> bytes | None:
    """esds among the boxes in ``data``, or inside QuickTime's wave box."""
    position = 0
    while position + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, position)
        if size < 8 or position + size > len(data):
            return None
        if kind == b"esds":
            return data[position + 12 : position + size]  # after the full box's version and flags
        if kind == b"wave":
            found = _find_esds(data[position + 8 : position + size])
            if found is not None:
                return found
        position += size
    return None


def _descriptor(data: bytes, position: int) -> tuple[int, int, int]:
    """(tag, payload start, payload end) of the MPEG-4 descriptor at ``position``."""
    tag, position, length = data[position], position + 1, 0
    for _ in range(4):
        byte = data[position]
        position += 1
        length = length << 7 | byte & 0x7F
        if not byte & 0x80:
            break
    if position + length > len(data):
        raise Unsupported("descriptor overruns esds")
    return tag, position, position + length


def _decoder_specific_info(esds: bytes) -> bytes:
    tag, position, _ = _descriptor(esds, 0)
    if tag != 0x03:
        raise Unsupported("esds without ES descriptor")
    flags = esds[position + 2]
    position += 3 + (2 if flags & 0x80 else 0)  # ES_ID, flags, the stream it depends on
    position += 1 + esds[position] if flags & 0x40 else 0  # a URL
    position += 2 if flags & 0x20 else 0  # OCR stream
    tag, position, end = _descriptor(esds, position)
    if tag != 0x04 or esds[position] not in AAC_OBJECT_TYPES:
        raise Unsupported("not AAC")
    tag, start, end = _descriptor(esds, position + 13)
    config = esds[start:end]
    if tag != 0x05 or not config or config[0] >> 3 not in AAC_AUDIO_OBJECT_TYPES:
        raise Unsupported("an AAC profile left to libavformat")
    return config


def _check_table(fd: int, box: Box, header: int, entry_size: int, *, constant_size: bool = False) -> None:
    """The table's entries fit in its box (so that reading them later cannot run past it)."""
    data = os.pread(fd, header, box.start)
    if len(data) < header:
        raise Unsupported(f"{box.kind!r} is cut short")
    if constant_size and struct.unpack_from(">I", data, 4)[0]:
        return
    count = struct.unpack_from(">I", data, header - 4)[0]
    if box.start + header + count * entry_size > box.end:
        raise Unsupported(f"{box.kind!r} overruns its box")


def _entries(fd: int, start: int, count: int, layout: str) -> Iterator[tuple[int, ...]]:
    """``count`` table entries from ``start``, read ``ENTRIES_PER_READ`` at a time."""
    entry = struct.Struct(layout)
    for first in range(0, count, ENTRIES_PER_READ):
        block = min(ENTRIES_PER_READ, count - first)
        data = os.pread(fd, block * entry.size, start + first * entry.size)
        if len(data) < block * entry.size:  # checked at open: the file shrank since
            raise TruncatedTrack(f"the file ends at byte {start + first * entry.size + len(data)}, in a sample table")
        yield from entry.iter_unpack(data)


def _u32(fd: int, offset: int) -> int:
    data = os.pread(fd, 4, offset)
    if len(data) < 4:
        raise TruncatedTrack(f"the file ends at byte {offset + len(data)}, in a sample table")
    return struct.unpack(">I", data)[0]


def _sample_sizes(fd: int, stsz: Box) -> Iterator[int]:
    constant, count = _u32(fd, stsz.start + 4), _u32(fd, stsz.start + 8)
    if constant:
        return itertools.repeat(constant, count)
    return (size for (size,) in _entries(fd, stsz.start + 12, count, ">I"))


def _chunk_offsets(fd: int, box: Box) -> Iterator[int]:
    count = _u32(fd, box.start + 4)
    return (offset for (offset,) in _entries(fd, box.start + 8, count, ">Q" if box.kind == b"co64" else ">I"))


def _samples_per_chunk(fd: int, stsc: Box) -> Iterator[int]:
    """Samples in chunk 1, 2, ...: stsc holds a run (first chunk, samples per chunk, description) per change."""
    count = _u32(fd, stsc.start + 4)
    runs = _entries(fd, stsc.start + 8, count, ">III")
    current = next(runs, None)
    following = next(runs, None)
    chunk = 1
    while current is not None:
        while following is not None and following[0] <= chunk:
            current, following = following, next(runs, None)
        yield current[1]
        chunk += 1
