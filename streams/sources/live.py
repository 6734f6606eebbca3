"""Live recording: a channel recorded with streamlink into OBS-shaped parts, each ingested as it closes.

Every part of one broadcast goes into one stream (its title names the channel and the broadcast's start),
so a reconnect mid-broadcast appends instead of starting over. Each clip's ``recorded_at`` is the capture
time of its first frame (the playlist's program date time where there is one), which is what chat from
EventSub is stamped with: the two line up on the stream's timeline.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from chat.helix import HelixError
from streams.models import Stream, VideoClip
from streams.services import IngestError, IngestReport, stream_ingest, stream_relayout
from streams.sources.channels import (
    Channel,
    KickClient,
    KickError,
    LiveSession,
    kick_live,
    parse_channel,
    twitch_live,
)
from streams.sources.recorder import RecordedPart, Recorder

log = logging.getLogger(__name__)

PartCallback = Callable[[RecordedPart, IngestReport | None, list[str]], None]


@dataclass
class LiveReport:
    stream: Stream | None = None
    clips: list[VideoClip] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def streamlink_options() -> dict:
    options: dict = {"hls-live-edge": settings.LIVE_HLS_LIVE_EDGE, "stream-timeout": settings.LIVE_STREAM_TIMEOUT}
    if settings.LIVE_FILTER_SEGMENT_NAMES:
        options["hls-segment-ignore-names"] = settings.LIVE_FILTER_SEGMENT_NAMES
    return options


def _folder(key: str) -> Path:
    name = "".join(char if char.isalnum() or char in "-_." else "_" for char in key)[:60]
    digest = hashlib.sha1(key.encode()).hexdigest()[:8]
    return Path(settings.LIVE_RECORD_DIR) / f"{name}-{digest}"


def live_record(
    *,
    owner,
    url: str,
    title: str | None = None,
    series_name: str | None = None,
    part_seconds: float | None = None,
    process: bool = True,
    on_part: PartCallback | None = None,
    on_start: Callable[[Recorder], None] | None = None,
) -> LiveReport:
    """Record ``url`` until the broadcast ends (or the recorder is stopped), ingesting each part.

    Raises ``RecordError`` when nothing can be recorded (unsupported URL, offline, ...). A part that
    cannot be ingested stays on disk and is named in ``problems``; the recording goes on.
    """
    title = title or f"Live {timezone.localtime():%Y-%m-%d %H:%M}"
    recorder = Recorder(
        url,
        _folder(url),
        part_seconds=part_seconds or settings.LIVE_PART_SECONDS,
        quality=settings.LIVE_QUALITY,
        options=streamlink_options(),
        timezone=timezone.get_current_timezone(),
    )
    if on_start is not None:
        on_start(recorder)
    report = LiveReport()
    for part in recorder.parts():
        notes = [f"{part.path.name}: {note}" for note in part.notes]
        report.notes += notes
        try:
            ingested = part_ingest(owner=owner, part=part, title=title, series_name=series_name, process=process)
        except IngestError as error:
            report.problems += error.problems
            ingested = None
            log.warning("part %s kept on disk, not ingested: %s", part.path, error)
        else:
            report.stream = ingested.stream
            report.clips += ingested.added
        if on_part is not None:
            on_part(part, ingested, notes)
    return report


def part_ingest(*, owner, part: RecordedPart, title: str, series_name: str | None, process: bool) -> IngestReport:
    """One finished part as a clip of the broadcast's stream, placed at its capture time."""
    report = stream_ingest(owner=owner, paths=[part.path], title=title, series_name=series_name, process=process)
    if report.added:
        # The name holds whole seconds; the capture time is finer, and chat is placed by it.
        VideoClip.objects.filter(id__in=[clip.id for clip in report.added]).update(recorded_at=part.started_at)
        stream_relayout(report.stream)
        report.added = [VideoClip.objects.get(id=clip.id) for clip in report.added]
        report.stream.refresh_from_db()
    if not settings.LIVE_KEEP_PARTS:
        part.path.unlink(missing_ok=True)  # the clip holds it now (a hard link where storage is local)
    return report


# --- the monitor ------------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _kick(client_id: str, client_secret: str, api_url: str, auth_url: str) -> KickClient:
    return KickClient(client_id=client_id, client_secret=client_secret, api_url=api_url, auth_url=auth_url)


def kick_client() -> KickClient:
    """One client per process and configuration, so the app token is reused until it expires."""
    return _kick(settings.KICK_CLIENT_ID, settings.KICK_CLIENT_SECRET, settings.KICK_API_URL, settings.KICK_AUTH_URL)


def configured_channels(values: list[str] | None = None) -> list[Channel]:
    """The channels to watch (``LIVE_CHANNELS`` unless given); ValueError naming a bad entry."""
    return [parse_channel(value) for value in (settings.LIVE_CHANNELS if values is None else values)]


def channels_live(channels: list[Channel]) -> tuple[list[LiveSession], list[str]]:
    """Which channels are live now, and a problem line for each that could not be asked."""
    from chat.services import helix_client

    live, problems = [], []
    for channel in channels:
        try:
            session = twitch_live(helix_client(), channel) if channel.platform == "twitch" else None
            if channel.platform == "kick":
                session = kick_live(kick_client(), channel)
        except (HelixError, KickError) as error:
            problems.append(f"{channel}: {error}")
            continue
        except OSError as error:  # requests' connection errors derive from it
            problems.append(f"{channel}: the {channel.platform} API cannot be reached: {error}")
            continue
        if session is not None:
            live.append(session)
    return live, problems


def channel_url(channel: Channel) -> str:
    template = settings.LIVE_TWITCH_URL if channel.platform == "twitch" else settings.LIVE_KICK_URL
    return template.format(login=channel.login)


def session_title(session: LiveSession) -> str:
    """One title per broadcast: a reconnect in the same broadcast appends to its stream."""
    started = timezone.localtime(session.started_at or timezone.now())
    return f"{session.channel.login} live {started:%Y-%m-%d %H:%M}"


class Monitor:
    """Polls the channels; each one that goes live is recorded in a thread of its own until it ends."""

    def __init__(
        self, owner, channels: list[Channel], *, process: bool = True, report: Callable[[str], None] = log.info
    ):
        self.owner, self.channels, self.process, self.say = owner, channels, process, report
        self.recording: dict[Channel, threading.Thread] = {}
        self.recorders: dict[Channel, Recorder] = {}

    def tick(self) -> list[LiveSession]:
        """Ask once; start recording each live channel not being recorded. Returns those started."""
        self.recording = {channel: thread for channel, thread in self.recording.items() if thread.is_alive()}
        live, problems = channels_live(self.channels)
        for problem in problems:
            self.say(f"cannot check {problem}")
        started = []
        for session in live:
            if session.channel in self.recording:
                continue
            thread = threading.Thread(target=self._record, args=(session,), name=f"record {session.channel}")
            self.recording[session.channel] = thread
            thread.start()
            started.append(session)
        return started

    def _record(self, session: LiveSession) -> None:
        url = channel_url(session.channel)
        self.say(f"{session.channel} is live ({session.title or 'no title'}): recording {url}")
        try:
            result = live_record(
                owner=self.owner,
                url=url,
                title=session_title(session),
                process=self.process,
                on_start=lambda recorder: self.recorders.__setitem__(session.channel, recorder),
                on_part=lambda part, ingested, notes: self.say(
                    f"{session.channel}: {part.path.name} ({part.seconds:.0f} s) "
                    + (f"ingested into stream #{ingested.stream.id}" if ingested else "kept on disk, not ingested")
                    + "".join(f"\n  note: {note}" for note in notes)
                ),
            )
            self.say(f"{session.channel}: broadcast over, {len(result.clips)} part(s) ingested")
        except Exception as error:  # noqa: BLE001  (one channel's failure must not stop the others)
            self.say(f"{session.channel}: recording failed: {error}")
        finally:
            self.recorders.pop(session.channel, None)
            close_old_connections()
            connection.close()

    def wait(self) -> None:
        for thread in list(self.recording.values()):
            thread.join()

    def stop(self) -> None:
        for recorder in list(self.recorders.values()):
            recorder.stop()
        self.wait()
