"""Recording a live channel with streamlink's Python API into OBS-shaped parts. No Django.

streamlink resolves the channel (Twitch, Kick, YouTube, a plain ``hls://`` URL) and downloads its HLS
segments in a writer thread; we read the joined bytes from ``stream.open()`` and cut them into parts at
segment boundaries. The writer is watched (each segment's length, date, discontinuity, ad filtering) so
the parts carry notes and a capture time that chat lines up with. ``Recorder.parts()`` yields each part
as it closes; the caller ingests it while the next one records.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from streamlink import Streamlink
from streamlink.exceptions import NoPluginError, PluginError, StreamError
from streamlink.stream.hls import HLSSegment, HLSStream

from streams.sources.livecore import PartPlan, SegmentMark, ad_note, part_name, part_start, unique_name

log = logging.getLogger(__name__)

READ_SIZE = 256 * 1024
_DONE = object()


class RecordError(Exception):
    """The channel cannot be recorded (unsupported URL, offline, no stream, disk full), in words."""


@dataclass(frozen=True)
class RecordedPart:
    path: Path
    started_at: datetime  # capture time of its first frame (aware)
    seconds: float  # media length, from the playlist
    notes: list[str] = field(default_factory=list)


def open_stream(url: str, *, quality: str = "best", options: dict | None = None):
    """(streamlink stream, its opened reader) for ``url``; RecordError when there is nothing to record."""
    session = Streamlink(options or {})
    try:
        streams = session.streams(url)
    except NoPluginError:
        raise RecordError(f"unsupported URL: streamlink knows no live stream at {url}") from None
    except PluginError as error:
        if "404" in str(error):
            raise RecordError(f"{url}: no live stream there (HTTP 404: offline, ended or a wrong address)") from None
        raise RecordError(f"{url}: {error}") from None
    if not streams:
        raise RecordError(f"{url}: no live stream (the channel is offline or the stream is private)")
    stream = streams.get(quality) or streams.get("best")
    if stream is None:
        raise RecordError(f"{url}: no {quality!r} stream (there are: {', '.join(streams)})")
    try:
        return stream, stream.open()
    except StreamError as error:
        raise RecordError(f"{url}: the stream cannot be opened: {error}") from None


class Recorder:
    """One live recording: ``parts()`` yields parts as they close; ``stop()`` ends it after the current read."""

    def __init__(
        self,
        url: str,
        folder: Path,
        *,
        part_seconds: float,
        quality: str = "best",
        options: dict | None = None,
        timezone: tzinfo = UTC,
    ) -> None:
        self.url, self.folder, self.timezone = url, folder, timezone
        self.plan = PartPlan(part_seconds)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.finished: queue.Queue = queue.Queue()
        self.stream, self.reader = open_stream(url, quality=quality, options=options)
        self.segmented = isinstance(self.stream, HLSStream) and hasattr(self.reader, "writer")
        if self.segmented:
            self._watch_writer()

    def _watch_writer(self) -> None:
        """Count the bytes the writer thread puts in the buffer and mark each segment once it is in.

        A segment whose download failed never reaches ``write``: the segments queued (``put``) between
        two written ones are the lost ones.
        """
        writer, buffer = self.reader.writer, self.reader.buffer
        written = [0]
        queued: dict[int, HLSSegment] = {}
        last_num: list[int | None] = [None]
        buffer_write, writer_write, writer_put = buffer.write, writer.write, writer.put

        def counting_write(data: bytes) -> None:
            buffer_write(data)
            written[0] += len(data)

        def recording_put(segment) -> None:
            if segment is not None:
                queued[segment.num] = segment
            writer_put(segment)

        def marking_write(segment, result, *data) -> None:
            filtered = writer.should_filter_segment(segment) or bool(getattr(segment, "ad", False))
            before = written[0]
            writer_write(segment, result, *data)
            if data and data[0]:  # an initialization section, not media
                return
            first = min(queued, default=segment.num) if last_num[0] is None else last_num[0] + 1
            skipped = [queued[num] for num in range(first, segment.num) if num in queued]
            marks = [self._mark(lost_segment, written[0], lost=True) for lost_segment in skipped]
            marks.append(self._mark(segment, written[0], ad=filtered, lost=not filtered and written[0] == before))
            for num in range(first, segment.num + 1):
                queued.pop(num, None)
            last_num[0] = segment.num
            with self.lock:
                for mark in marks:
                    self.plan.add(mark)

        buffer.write = counting_write
        writer.put = recording_put
        writer.write = marking_write

    @staticmethod
    def _mark(segment, end_byte: int, *, ad: bool = False, lost: bool = False) -> SegmentMark:
        return SegmentMark(
            end_byte=end_byte,
            duration=float(segment.duration or 0.0),
            date=getattr(segment, "date", None),
            discontinuity=bool(segment.discontinuity),
            ad=ad,
            lost=lost,
        )

    def stop(self) -> None:
        self.stopping.set()
        self.reader.close()

    def parts(self) -> Iterator[RecordedPart]:
        """Each part as it closes. Ctrl-C while waiting stops the recording and still yields the part in progress."""
        pump = threading.Thread(target=self._pump, name=f"record {self.url}", daemon=True)
        pump.start()
        try:
            while True:
                try:
                    item = self.finished.get()
                except KeyboardInterrupt:
                    self.stop()
                    continue
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.stop()
            pump.join(timeout=30)

    def _pump(self) -> None:
        try:
            self._record()
        except OSError as error:
            if error.errno == 28:
                self.finished.put(RecordError(f"the disk is full (no space left on device in {self.folder})"))
            else:
                self.finished.put(RecordError(f"cannot write the recording in {self.folder}: {error}"))
        except Exception as error:  # noqa: BLE001  (handed to the consuming thread, which raises it)
            self.finished.put(error)
        finally:
            self.finished.put(_DONE)

    def _record(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        offset, index, handle, first_byte_at = 0, 0, None, None
        previous: tuple[datetime, float] | None = None
        try:
            while not self.stopping.is_set():
                try:
                    data = self.reader.read(READ_SIZE)
                except OSError as error:  # streamlink's own read errors (a closed reader) are IOErrors
                    if self.stopping.is_set():
                        break
                    raise RecordError(f"the stream broke off: {error}") from error
                if not data:
                    break
                while data:
                    # A boundary is planned when its segment is in, which may be after its bytes were read:
                    # so the part is looked up by the offset each time, never carried over.
                    with self.lock:
                        current = self.plan.index_at(offset) if self.segmented else 0
                        boundary = self.plan.boundary_after(offset) if self.segmented else None
                    if handle is not None and current != index:
                        handle.close()
                        handle = None
                        previous = self._close_part(index, first_byte_at, previous)
                    if handle is None:
                        index, first_byte_at = current, datetime.now(UTC)
                        handle = open(self._partial(index), "wb")
                    take = len(data) if boundary is None else min(len(data), boundary - offset)
                    handle.write(data[:take])
                    offset += take
                    data = data[take:]
        finally:
            if handle is not None:
                handle.close()
                self._close_part(index, first_byte_at, previous)

    def _partial(self, index: int) -> Path:
        return self.folder / f".recording-part-{index}.partial"

    def _close_part(self, index: int, first_byte_at: datetime, previous) -> tuple[datetime, float]:
        """Rename the finished part to its OBS name (its capture time) and hand it to the consumer."""
        with self.lock:
            planned = self.plan.parts[index] if self.segmented else None
        seconds = planned.seconds if planned else 0.0
        started = part_start(planned, previous, first_byte_at) if planned else first_byte_at
        name = unique_name(part_name(started.astimezone(self.timezone)), {p.name for p in self.folder.iterdir()})
        path = self.folder / name
        self._partial(index).rename(path)
        notes = ad_note(planned) if planned else ["not split into parts: not an HLS stream"]
        log.info("recorded part %s (%.1f s)", path, seconds)
        self.finished.put(RecordedPart(path=path, started_at=started, seconds=seconds, notes=notes))
        return started, seconds
