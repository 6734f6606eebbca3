"""Pure rules for VOD downloads: progress from yt-dlp's hook, the duration check, readable errors. No Django."""

from __future__ import annotations

import errno
import re
from collections.abc import Mapping
from datetime import datetime

_PRIVATE = (
    "http error 401",
    "http error 403",
    "private",
    "sign in",
    "members-only",
    "subscriber",
    "login required",
    "requires authentication",
)
_ERROR_PREFIX = re.compile(r"^(ERROR:\s*)?(\[[^\]]+\]\s*)?([\w.-]+:\s)?", re.IGNORECASE)


def download_percent(status: Mapping) -> float | None:
    """Percent done from one yt-dlp progress-hook dict: fragments for HLS/DASH, else bytes; None if unknown."""
    if status.get("status") == "finished":
        return 100.0
    fragments = status.get("fragment_count")
    if fragments:
        return min(100.0, 100.0 * (status.get("fragment_index") or 0) / fragments)
    total = status.get("total_bytes") or status.get("total_bytes_estimate")
    if total:
        return min(100.0, 100.0 * (status.get("downloaded_bytes") or 0) / total)
    return None


def duration_problem(
    expected: float | None, actual: float, *, tolerance: float = 2.0, share: float = 0.01
) -> str | None:
    """Why a download of ``actual`` seconds cannot be what the metadata's ``expected`` seconds promised.

    A download may run a little long (muxing, audio priming) or short by a frame; it may not lose more
    than ``tolerance`` seconds or ``share`` of the whole, whichever is larger. Unknown ``expected``: None.
    """
    if not expected or expected <= 0:
        return None
    allowed = max(tolerance, share * expected)
    if expected - actual > allowed:
        return (
            f"the download is short: {actual:.1f} s of the {expected:.1f} s the source announces "
            f"({expected - actual:.1f} s missing); nothing was ingested"
        )
    return None


def download_stem(title: str, recorded_local: datetime | None, video_id: str) -> str:
    """The downloaded file's name without extension, OBS-shaped when the recording time is known.

    ``2026-12-02 14-30-00 Title [id]``: ingest reads the recording time back from the name, and the id
    keeps two VODs with one title apart.
    """
    safe_title = re.sub(r"[^\w .,()&+-]+", "_", title).strip(" ._")[:80] or "video"
    safe_id = re.sub(r"[^\w-]+", "_", video_id)[:40]
    when = f"{recorded_local:%Y-%m-%d %H-%M-%S} " if recorded_local else ""
    return f"{when}{safe_title} [{safe_id}]"


def readable_error(message: str, *, url: str = "") -> tuple[str, bool]:
    """(what went wrong, in words a streamer can act on; whether trying again later may help).

    yt-dlp's messages carry "ERROR: [extractor] id:" prefixes and HTTP codes deep inside; the code decides.
    """
    message = message.replace("\r", "").strip()  # yt-dlp starts some errors with a carriage return
    first = message.splitlines()[0] if message else ""
    text = _ERROR_PREFIX.sub("", first).strip()
    lower = message.lower()
    if "no space left" in lower or f"[errno {errno.ENOSPC}]" in lower:
        return "the disk is full (no space left on device): free some space and ingest again", False
    if "unsupported url" in lower:
        return f"unsupported URL: yt-dlp knows no video at {url or 'this address'}", False
    if "http error 404" in lower or "404: not found" in lower:
        return f"not found (HTTP 404): {text}", False
    if any(word in lower for word in _PRIVATE):
        return f"private or not allowed without a login: {text}", False
    if "is live" in lower or "is offline" in lower:
        return text, False
    broken = ("timed out", "connection", "reset by peer", "incomplete", "more expected", "giving up after")
    if any(word in lower for word in broken):
        return f"the connection failed: {text}; ingest the same URL again to resume", True
    return text or "the download failed", False
