"""YouTube Data API v3 client: resumable video upload and playlist insert (google-auth + requests, no Django).

The protocol (CONTRACTS.md section 7): a POST opens an upload session whose URL comes back in ``Location``;
chunks are PUT with ``Content-Range: bytes a-b/total``; a ``308`` confirms ``Range: bytes=0-N``, so the next
byte to send is N+1 (the reference resent from N); a PUT with ``Content-Range: bytes */total`` asks how much
arrived. Dropped connections and 5xx answers are retried here, resuming from the byte the server confirms;
quota and rate limits raise :class:`Throttled` so the caller can stop and come back at ``retry_after``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import BinaryIO, NoReturn, TypeVar
from zoneinfo import ZoneInfo

import requests
from google.auth.exceptions import RefreshError, TransportError
from google.auth.transport.requests import AuthorizedSession
from google.oauth2.credentials import Credentials

UPLOAD_PATH = "/upload/youtube/v3/videos"
PLAYLIST_ITEMS_PATH = "/youtube/v3/playlistItems"
CHUNK_QUANTUM = 256 * 1024  # YouTube wants every chunk but the last to be a multiple of 256 KiB
DEFAULT_CHUNK_SIZE = 32 * CHUNK_QUANTUM
MAX_INLINE_WAIT = 60.0  # seconds a worker may sleep before a retry; longer waits go back to the caller
THROTTLE_REASONS = {"quotaExceeded", "dailyLimitExceeded", "rateLimitExceeded", "userRateLimitExceeded"}
QUOTA_RESET_ZONE = ZoneInfo("America/Los_Angeles")  # the daily quota resets at midnight Pacific time

Progress = Callable[[int, int], None]
T = TypeVar("T")


class YouTubeError(Exception):
    """A refusal that sending the same request again will not change (bad metadata, revoked access)."""


class SessionExpired(YouTubeError):
    """The upload session is gone (404/410): a new one must start from byte 0."""


class Throttled(Exception):
    """Quota, rate limit or a server that keeps failing: stop, and try again after ``retry_after`` seconds."""

    def __init__(self, reason: str, retry_after: float):
        super().__init__(f"{reason}; retry in {retry_after:.0f} s")
        self.reason = reason
        self.retry_after = retry_after


def next_offset(range_header: str | None) -> int:
    """The first byte still to send after a 308: ``bytes=0-N`` confirms bytes 0..N, so N+1; no header, 0."""
    if not range_header:
        return 0
    match = re.fullmatch(r"\s*bytes=0-(\d+)\s*", range_header)
    if not match:
        raise YouTubeError(f"unexpected Range header in 308 answer: {range_header!r}")
    return int(match.group(1)) + 1


def retry_after_seconds(header: str | None, *, now: datetime) -> float | None:
    """``Retry-After`` as seconds from ``now``: either delta-seconds or an HTTP date; None when absent or garbled."""
    if not header:
        return None
    header = header.strip()
    if header.isdigit():
        return float(header)
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def seconds_until_quota_reset(now: datetime) -> float:
    """Seconds from ``now`` (aware) to the next midnight Pacific time, when YouTube's daily quota refills."""
    local = now.astimezone(QUOTA_RESET_ZONE)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=QUOTA_RESET_ZONE)
    return (midnight - local).total_seconds()


def backoff_seconds(attempt: int, *, base: float = 30.0, cap: float = 3600.0) -> float:
    """Exponential back-off for the ``attempt``-th consecutive throttle (1-based) when the server gives no time."""
    return min(cap, base * 2 ** max(0, attempt - 1))


def authorized_session(*, refresh_token: str, client_id: str, client_secret: str, token_uri: str) -> AuthorizedSession:
    """A requests session that fetches and refreshes the access token itself (scopes: those the user granted)."""
    credentials = Credentials(
        token=None,
        refresh_token=refresh_token,
        token_uri=token_uri,
        client_id=client_id,
        client_secret=client_secret,
    )
    return AuthorizedSession(credentials)


class YouTubeClient:
    def __init__(
        self,
        session: requests.Session,
        *,
        api_url: str,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        max_retries: int = 5,
        retry_wait: float = 1.0,
        timeout: tuple[float, float] = (15.0, 300.0),
        throttle_attempt: int = 1,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if chunk_size <= 0 or chunk_size % CHUNK_QUANTUM:
            raise ValueError(f"chunk_size must be a positive multiple of {CHUNK_QUANTUM} bytes, got {chunk_size}")
        self.session = session
        self.api_url = api_url.rstrip("/")
        self.chunk_size = chunk_size
        self.max_retries = max_retries
        self.retry_wait = retry_wait
        self.timeout = timeout
        self.throttle_attempt = throttle_attempt
        self.sleep = sleep

    # --- upload --------------------------------------------------------------------------------------
    def start_upload(self, *, metadata: dict, total_bytes: int, content_type: str = "video/*") -> str:
        """Open a resumable session for ``total_bytes`` of video; returns the session URL."""
        return self._patiently(lambda: self._open(metadata, total_bytes, content_type))

    def query_offset(self, session_url: str, *, total_bytes: int) -> int | str:
        """How far the session got: the next byte to send, or the video id if the upload is already complete."""
        return self._patiently(lambda: self._status(session_url, total_bytes))

    def _open(self, metadata: dict, total_bytes: int, content_type: str) -> str:
        response = self._request(
            "POST",
            f"{self.api_url}{UPLOAD_PATH}",
            params={"uploadType": "resumable", "part": "snippet,status"},
            json=metadata,
            headers={"X-Upload-Content-Length": str(total_bytes), "X-Upload-Content-Type": content_type},
        )
        if response.status_code not in (200, 201):
            self._raise_for(response, "starting the upload")
        location = response.headers.get("Location")
        if not location:
            raise YouTubeError("YouTube opened no upload session (no Location header)")
        return location

    def _status(self, session_url: str, total_bytes: int) -> int | str:
        response = self._request(
            "PUT", session_url, data=b"", headers={"Content-Range": f"bytes */{total_bytes}", "Content-Length": "0"}
        )
        return self._outcome(response, "asking how much arrived")

    def upload(
        self, session_url: str, stream: BinaryIO, *, total_bytes: int, offset: int = 0, progress: Progress | None = None
    ) -> str:
        """Send ``stream`` from ``offset`` to the end; returns the video id.

        After a dropped connection or a 5xx answer it asks the server how much arrived and carries on from
        there, up to ``max_retries`` times in a row; then it gives up with :class:`Throttled`.
        """
        failures = 0
        resync = False
        while True:
            try:
                if resync or offset >= total_bytes:
                    outcome = self._status(session_url, total_bytes)
                else:
                    outcome = self._put_chunk(session_url, stream, offset=offset, total_bytes=total_bytes)
            except _Transient as transient:
                failures += 1
                self._wait_after(failures, transient)
                resync = True
                continue
            resync = False
            if isinstance(outcome, str):
                if progress:
                    progress(total_bytes, total_bytes)
                return outcome
            # A server that keeps confirming nothing new is as stuck as one that keeps failing.
            failures = 0 if outcome > offset else failures + 1
            if failures > self.max_retries:
                raise Throttled(f"no progress past byte {outcome}", backoff_seconds(self.throttle_attempt))
            offset = outcome
            if progress:
                progress(offset, total_bytes)

    def _patiently(self, call: Callable[[], T]) -> T:
        """``call()``, again after a dropped connection or a 5xx, until ``max_retries`` failures in a row."""
        failures = 0
        while True:
            try:
                return call()
            except _Transient as transient:
                failures += 1
                self._wait_after(failures, transient)

    def _wait_after(self, failures: int, transient: _Transient) -> None:
        """Sleep before the next try; hand the wait to the caller when it is long or the failures keep coming."""
        wait = transient.retry_after or self.retry_wait * 2 ** (failures - 1)
        if failures > self.max_retries or wait > MAX_INLINE_WAIT:
            raise Throttled(
                f"upload interrupted {failures} times in a row ({transient})",
                transient.retry_after or backoff_seconds(self.throttle_attempt),
            )
        self.sleep(wait)

    def _put_chunk(self, session_url: str, stream: BinaryIO, *, offset: int, total_bytes: int) -> int | str:
        stream.seek(offset)
        chunk = stream.read(min(self.chunk_size, total_bytes - offset))
        if not chunk:
            raise YouTubeError(f"the file ended at byte {offset}, before the {total_bytes} bytes announced")
        content_range = f"bytes {offset}-{offset + len(chunk) - 1}/{total_bytes}"
        response = self._request("PUT", session_url, data=chunk, headers={"Content-Range": content_range})
        return self._outcome(response, f"sending {content_range}")

    # --- playlists -----------------------------------------------------------------------------------
    def add_to_playlist(self, *, playlist_id: str, video_id: str) -> str:
        """Append the video to a playlist; returns the playlist item id."""
        body = {"snippet": {"playlistId": playlist_id, "resourceId": {"kind": "youtube#video", "videoId": video_id}}}
        response = self._patiently(
            lambda: self._request("POST", f"{self.api_url}{PLAYLIST_ITEMS_PATH}", params={"part": "snippet"}, json=body)
        )
        if response.status_code not in (200, 201):
            self._raise_for(response, f"adding the video to playlist {playlist_id}")
        return response.json()["id"]

    # --- answers -------------------------------------------------------------------------------------
    def _request(self, method: str, url: str, **kwargs) -> requests.Response:
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except RefreshError as error:
            detail = error.args[0] if error.args else type(error).__name__
            if getattr(error, "retryable", False):
                raise _Transient(f"token refresh failed: {detail}") from None
            raise YouTubeError(f"Google refused the refresh token ({detail}): reconnect the account") from None
        except (requests.ConnectionError, requests.Timeout, TransportError) as error:
            raise _Transient(f"{type(error).__name__}: connection lost") from error
        if response.status_code >= 500:
            raise _Transient(
                f"HTTP {response.status_code} from YouTube",
                retry_after_seconds(response.headers.get("Retry-After"), now=datetime.now(UTC)),
            )
        return response

    def _outcome(self, response: requests.Response, doing: str) -> int | str:
        if response.status_code in (200, 201):
            return _video_id(response)
        if response.status_code == 308:
            return next_offset(response.headers.get("Range"))
        if response.status_code in (404, 410):
            raise SessionExpired(f"the upload session expired (HTTP {response.status_code}) while {doing}")
        self._raise_for(response, doing)

    def _raise_for(self, response: requests.Response, doing: str) -> NoReturn:
        reason, message = _error_details(response)
        now = datetime.now(UTC)
        waited = retry_after_seconds(response.headers.get("Retry-After"), now=now)
        if response.status_code == 429 or (response.status_code == 403 and reason in THROTTLE_REASONS):
            if waited is None:
                quota = reason in {"quotaExceeded", "dailyLimitExceeded"}
                waited = seconds_until_quota_reset(now) if quota else backoff_seconds(self.throttle_attempt)
            raise Throttled(f"{reason or 'rate limited'} (HTTP {response.status_code}) while {doing}", waited)
        raise YouTubeError(f"YouTube refused {doing}: HTTP {response.status_code} {reason} {message}".strip())


class _Transient(Exception):
    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def _video_id(response: requests.Response) -> str:
    try:
        return response.json()["id"]
    except (ValueError, KeyError, TypeError):
        raise YouTubeError(f"upload finished but the answer names no video id: {response.text[:200]!r}") from None


def _error_details(response: requests.Response) -> tuple[str, str]:
    """(reason, message) from a Google API error body, tolerating bodies that are not JSON."""
    try:
        error = response.json().get("error", {})
    except (ValueError, AttributeError):
        return "", response.text[:200]
    if isinstance(error, str):  # OAuth-style {"error": "invalid_grant"}
        return error, ""
    reasons = [item.get("reason", "") for item in error.get("errors", []) if isinstance(item, dict)]
    return (reasons[0] if reasons else error.get("status", "")), error.get("message", "")


def metadata_json(
    *,
    title: str,
    description: str,
    tags: list[str],
    category_id: str,
    privacy_status: str,
    language: str = "",
    made_for_kids: bool = False,
) -> dict:
    """The ``videos.insert`` body: ``snippet`` and ``status`` as CONTRACTS.md section 7 lists them."""
    snippet = {"title": title, "description": description, "tags": tags, "categoryId": category_id}
    if language:
        snippet |= {"defaultLanguage": language, "defaultAudioLanguage": language}
    status = {
        "privacyStatus": privacy_status,
        "embeddable": True,
        "license": "youtube",
        "selfDeclaredMadeForKids": made_for_kids,
    }
    return {"snippet": snippet, "status": status}
