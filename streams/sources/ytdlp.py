"""A VOD fetched with yt-dlp's Python API: metadata first, then a resumable download. No Django.

Downloads go to a folder named after the video, under a name derived from it, so a second try (after a
dropped connection, a killed worker) finds yt-dlp's partial file and fragment state and continues.
"""

from __future__ import annotations

import errno
import gc
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path

import yt_dlp
from yt_dlp.utils import DownloadError, YoutubeDLError

from streams.sources.vodcore import download_percent, download_stem, readable_error

log = logging.getLogger(__name__)


class VodError(Exception):
    """A VOD that cannot be fetched, in words for the streamer; ``transient`` when a retry may help."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class VodInfo:
    url: str  # the page yt-dlp settled on: two spellings of one video's URL give one
    video_id: str
    extractor: str
    title: str
    duration: float | None
    timestamp: float | None  # when the broadcast started (Twitch) or the file was published
    chat_url: str | None  # Twitch VOD chat (JSON) where the extractor exposes it

    @property
    def key(self) -> str:
        """What makes two ingests one video: the extractor and its id."""
        return f"{self.extractor}:{self.video_id}"

    def recorded_at(self) -> datetime | None:
        return datetime.fromtimestamp(self.timestamp, tz=UTC) if self.timestamp else None


class _Log:
    """yt-dlp's messages into our log (it prints to the terminal otherwise)."""

    def debug(self, message: str) -> None:
        log.debug(message)

    def info(self, message: str) -> None:
        log.debug(message)

    def warning(self, message: str) -> None:
        if "ffprobe" not in message:  # imageio-ffmpeg ships no ffprobe; ffmpeg alone does the remux
            log.warning(message)

    def error(self, message: str) -> None:
        log.info(message)


def _options(ffmpeg: str, retries: int, socket_timeout: float) -> dict:
    return {
        "logger": _Log(),
        "quiet": True,
        "noprogress": True,
        "noplaylist": True,
        "ffmpeg_location": ffmpeg,
        "socket_timeout": socket_timeout,
        "retries": retries,
        "fragment_retries": retries,
        "file_access_retries": 3,
        "continuedl": True,
        # A fragment that never comes stops the download (and the partial stays for a resume) rather
        # than being skipped into a recording with a hole in it.
        "skip_unavailable_fragments": False,
        "format": "bv*+ba/b",
        "merge_output_format": "mp4",
        "writesubtitles": False,
        "cachedir": False,
    }


def _raise(error: Exception, url: str) -> None:
    message, transient = readable_error(str(error), url=url)
    raise VodError(message, transient=transient) from error


def vod_info(url: str, *, ffmpeg: str, retries: int = 10, socket_timeout: float = 20.0) -> VodInfo:
    """What yt-dlp knows about ``url`` without downloading it. Live channels and playlists are refused."""
    try:
        with yt_dlp.YoutubeDL(_options(ffmpeg, retries, socket_timeout)) as ydl:
            info = ydl.extract_info(url, download=False)
    except (DownloadError, YoutubeDLError) as error:
        _raise(error, url)
    if info is None:
        raise VodError(f"yt-dlp found nothing to download at {url}")
    if info.get("_type") == "playlist":
        raise VodError(f"{url} is a playlist or channel: give the URL of one video")
    if info.get("is_live") or info.get("live_status") in ("is_live", "is_upcoming"):
        raise VodError(f"{url} is live right now: record it with `manage.py record {url}`")
    chat = (info.get("subtitles") or {}).get("rechat") or []
    return VodInfo(
        url=info.get("webpage_url") or url,
        video_id=str(info.get("id") or ""),
        extractor=str(info.get("extractor_key") or info.get("extractor") or "generic").lower(),
        title=str(info.get("title") or info.get("id") or "video"),
        duration=float(info["duration"]) if info.get("duration") else None,
        timestamp=info.get("release_timestamp") or info.get("timestamp"),
        chat_url=next((item.get("url") for item in chat if item.get("url")), None),
    )


def _disk_full(folder: Path, *, margin: int = 1024 * 1024) -> bool:
    try:
        return shutil.disk_usage(folder).free < margin
    except OSError:
        return False


def vod_download(
    info: VodInfo,
    folder: Path,
    *,
    ffmpeg: str,
    timezone: tzinfo = UTC,
    progress: Callable[[float], None] | None = None,
    retries: int = 10,
    socket_timeout: float = 20.0,
) -> Path:
    """Download ``info``'s video into ``folder`` and return the file; a partial download there is continued."""
    folder.mkdir(parents=True, exist_ok=True)
    recorded = info.recorded_at()
    stem = download_stem(info.title, recorded.astimezone(timezone) if recorded else None, info.video_id)

    def hook(status: dict) -> None:
        percent = download_percent(status)
        if progress is not None and percent is not None:
            progress(percent)

    options = _options(ffmpeg, retries, socket_timeout) | {
        "outtmpl": str(folder / f"{stem}.%(ext)s"),
        "progress_hooks": [hook],
        "updatetime": False,
    }
    failure: VodError | None = None
    try:
        with yt_dlp.YoutubeDL(options) as ydl:
            result = ydl.extract_info(info.url, download=True)
    except (DownloadError, YoutubeDLError, OSError) as error:
        message, transient = readable_error(str(error), url=info.url)
        if _disk_full(folder):  # the remux says only "Conversion failed!" when ffmpeg cannot write
            message, transient = readable_error(f"[Errno {errno.ENOSPC}] No space left on device")
        failure = VodError(message, transient=transient)
    if failure is not None:
        # yt-dlp leaves the partial file open when a write fails; its frames, held by the error's
        # traceback, keep it open (and a full disk full) until collected. The error is not chained for that.
        gc.collect()
        raise failure
    downloads = (result or {}).get("requested_downloads") or []
    path = Path(downloads[0]["filepath"]) if downloads and downloads[0].get("filepath") else None
    if path is None or not path.exists():
        raise VodError(f"yt-dlp reported no downloaded file for {info.url}")
    return path
