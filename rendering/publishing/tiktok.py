"""TikTok Content Posting API client (CONTRACTS.md section 9): token refresh, creator info, direct-post and
inbox init, the chunked upload and status polling. ``requests`` only, no Django.

Every API answer is ``{"data": {...}, "error": {"code", "message", "log_id"}}``; a code other than ``ok`` becomes
a :class:`TikTokError` whose message says what the streamer can do. Only transient failures (a dropped
connection, a 5xx, ``internal_error``, ``rate_limit_exceeded``) are retried, a few times with back-off; an
``access_token_invalid`` answer refreshes the token once. Every API call first asks the rate limiter (6 requests
per minute per access token) for a slot.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, NoReturn

import requests

DEFAULT_API_BASE = "https://open.tiktokapis.com"
TOKEN_PATH = "/v2/oauth/token/"
CREATOR_INFO_PATH = "/v2/post/publish/creator_info/query/"
DIRECT_INIT_PATH = "/v2/post/publish/video/init/"
INBOX_INIT_PATH = "/v2/post/publish/inbox/video/init/"
STATUS_PATH = "/v2/post/publish/status/fetch/"

MB = 1024 * 1024
MIN_CHUNK = 5 * MB
MAX_CHUNK = 64 * MB
MAX_LAST_CHUNK = 128 * MB
MAX_CHUNKS = 1000
DEFAULT_CHUNK = 10 * MB

SELF_ONLY = "SELF_ONLY"
PRIVACY_LEVELS = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", SELF_ONLY)
PUBLISHED, IN_INBOX, FAILED = "PUBLISH_COMPLETE", "SEND_TO_USER_INBOX", "FAILED"

TRANSIENT_CODES = {"rate_limit_exceeded", "internal_error"}
# The documented error codes, as a streamer should read them.
ERROR_MESSAGES = {
    "access_token_invalid": "TikTok no longer accepts the access token: connect the TikTok account again",
    "scope_not_authorized": "the TikTok account did not grant this app the scope it needs (video.publish for "
    "direct posts, video.upload for drafts): connect it again and allow posting",
    "spam_risk_too_many_posts": "TikTok's daily post limit for this account is reached: try again tomorrow",
    "spam_risk_user_banned_from_posting": "TikTok has banned this account from posting",
    "spam_risk_too_many_pending_share": "too many drafts are waiting in the creator's TikTok inbox: post or "
    "delete them in the app first",
    "reached_active_user_cap": "this app has reached TikTok's daily cap of posting users: try again tomorrow",
    "unaudited_client_can_only_post_to_private_accounts": "this app has not passed TikTok's audit, so it may post "
    "only to a private account: make the TikTok account private, or have the app audited",
    "privacy_level_option_mismatch": "the privacy level asked for is not one this creator may use",
    "url_ownership_unverified": "TikTok has not verified ownership of the video's URL",
    "invalid_param": "TikTok refused the request's parameters",
    "invalid_file_upload": "TikTok refused the uploaded file (format, size or chunking)",
    "invalid_publish_id": "TikTok does not know this post (its publish id expired or is wrong)",
    "rate_limit_exceeded": "TikTok's rate limit was hit (6 requests a minute per token)",
    "internal_error": "TikTok had an internal error",
}
FAIL_REASONS = {
    "file_format_check_failed": "TikTok could not read the video's format (use MP4/H.264)",
    "duration_check_failed": "the video is longer than this creator may post",
    "frame_rate_check_failed": "TikTok refused the video's frame rate",
    "picture_size_check_failed": "TikTok refused the video's picture size",
    "publish_cancelled": "the post was cancelled",
    "auth_removed": "the streamer removed this app's access in TikTok",
    "spam_risk_too_many_posts": ERROR_MESSAGES["spam_risk_too_many_posts"],
    "spam_risk_user_banned_from_posting": ERROR_MESSAGES["spam_risk_user_banned_from_posting"],
}

Progress = Callable[[int, int], None]


class TikTokError(Exception):
    """A refusal (``transient`` False: asking again will not help) or a failure that outlasted the retries."""

    def __init__(self, message: str, *, code: str = "", transient: bool = False):
        super().__init__(message)
        self.code = code
        self.transient = transient


@dataclass(frozen=True)
class ChunkPlan:
    """How a file is cut for upload: ``count`` chunks of ``chunk_size``, the last one taking the remainder."""

    video_size: int
    chunk_size: int
    count: int

    def ranges(self) -> Iterator[tuple[int, int]]:
        """(first byte, last byte) of each chunk, in the order they must be sent."""
        for index in range(self.count):
            first = index * self.chunk_size
            last = self.video_size - 1 if index == self.count - 1 else first + self.chunk_size - 1
            yield first, last

    def source_info(self) -> dict:
        return {
            "source": "FILE_UPLOAD",
            "video_size": self.video_size,
            "chunk_size": self.chunk_size,
            "total_chunk_count": self.count,
        }


def plan_chunks(video_size: int, preferred: int = DEFAULT_CHUNK) -> ChunkPlan:
    """TikTok's chunk rules: a file under 5 MB goes whole; otherwise chunks of 5-64 MB, as many as fit whole
    (``floor(size / chunk)``), the last taking the remainder (at most 128 MB); 1 to 1000 chunks."""
    if video_size <= 0:
        raise TikTokError("the video file is empty", code="invalid_file_upload")
    if video_size < MIN_CHUNK:
        return ChunkPlan(video_size, video_size, 1)
    chunk = min(max(preferred, MIN_CHUNK), MAX_CHUNK, video_size)
    if video_size // chunk > MAX_CHUNKS:
        chunk = -(-video_size // MAX_CHUNKS)  # the smallest chunk that needs no more than 1000
    count = video_size // chunk
    last = video_size - (count - 1) * chunk
    if chunk > MAX_CHUNK or count > MAX_CHUNKS or last > MAX_LAST_CHUNK:
        limit = MAX_CHUNKS * MAX_CHUNK + (MAX_CHUNK - 1)
        raise TikTokError(
            f"the video is {video_size / MB:.0f} MB: TikTok's chunk rules (1-{MAX_CHUNKS} chunks of at most "
            f"{MAX_CHUNK // MB} MB) allow at most {limit / MB:.0f} MB",
            code="invalid_file_upload",
        )
    return ChunkPlan(video_size, chunk, count)


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    expires_in: int
    refresh_token: str = ""
    refresh_expires_in: int = 0
    open_id: str = ""
    scope: str = ""


@dataclass(frozen=True)
class CreatorInfo:
    username: str
    privacy_level_options: tuple[str, ...]
    max_video_post_duration_sec: int | None = None
    comment_disabled: bool = False
    duet_disabled: bool = False
    stitch_disabled: bool = False


@dataclass(frozen=True)
class PublishStatus:
    status: str
    fail_reason: str = ""
    uploaded_bytes: int = 0
    post_ids: list[str] = field(default_factory=list)


class TikTokClient:
    """One creator's client. ``token(force_refresh)`` yields an access token; ``limiter(token)`` blocks until
    that token may make another API call."""

    def __init__(
        self,
        *,
        api_base: str = DEFAULT_API_BASE,
        client_key: str = "",
        client_secret: str = "",
        token: Callable[[bool], str] | None = None,
        limiter: Callable[[str], None] | None = None,
        session: requests.Session | None = None,
        max_retries: int = 4,
        retry_wait: float = 2.0,
        timeout: tuple[float, float] = (15.0, 300.0),
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.api_base = api_base.rstrip("/")
        self.client_key = client_key
        self.client_secret = client_secret
        self.token = token
        self.limiter = limiter
        self.session = session or requests.Session()
        self.max_retries = max_retries
        self.retry_wait = retry_wait
        self.timeout = timeout
        self.sleep = sleep

    # --- OAuth ---------------------------------------------------------------------------------------
    def refresh(self, refresh_token: str) -> TokenGrant:
        """``grant_type=refresh_token`` at the token endpoint; a refused grant means connecting again."""
        form = {
            "client_key": self.client_key,
            "client_secret": self.client_secret,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        }
        response = self._retrying(
            lambda: self._send("POST", f"{self.api_base}{TOKEN_PATH}", data=form), "refreshing the access token"
        )
        body = _json(response)
        if response.status_code != 200 or "access_token" not in body:
            reason = body.get("error_description") or body.get("error") or f"HTTP {response.status_code}"
            raise TikTokError(
                f"TikTok refused the refresh token ({reason}): connect the TikTok account again",
                code=str(body.get("error", "")),
            )
        return TokenGrant(
            access_token=body["access_token"],
            expires_in=int(body.get("expires_in", 0)),
            refresh_token=body.get("refresh_token", ""),
            refresh_expires_in=int(body.get("refresh_expires_in", 0)),
            open_id=body.get("open_id", ""),
            scope=body.get("scope", ""),
        )

    # --- posting -------------------------------------------------------------------------------------
    def creator_info(self) -> CreatorInfo:
        """Who is posting, which privacy levels they may choose and how long a video may be."""
        data = self._api(CREATOR_INFO_PATH, {}, "asking for the creator's settings")
        return CreatorInfo(
            username=data.get("creator_username", ""),
            privacy_level_options=tuple(data.get("privacy_level_options") or ()),
            max_video_post_duration_sec=data.get("max_video_post_duration_sec"),
            comment_disabled=bool(data.get("comment_disabled")),
            duet_disabled=bool(data.get("duet_disabled")),
            stitch_disabled=bool(data.get("stitch_disabled")),
        )

    def init_upload(self, plan: ChunkPlan, *, post_info: dict | None) -> tuple[str, str]:
        """Open a direct post (``post_info`` given) or an inbox draft (None); returns (publish_id, upload_url)."""
        if post_info is None:
            path, body, doing = INBOX_INIT_PATH, {"source_info": plan.source_info()}, "opening the draft upload"
        else:
            body = {"post_info": post_info, "source_info": plan.source_info()}
            path, doing = DIRECT_INIT_PATH, "opening the post"
        data = self._api(path, body, doing)
        try:
            return data["publish_id"], data["upload_url"]
        except KeyError:
            raise TikTokError(f"TikTok's answer to {doing} named no publish_id/upload_url: {data!r}") from None

    def upload(self, upload_url: str, stream: BinaryIO, plan: ChunkPlan, *, progress: Progress | None = None) -> None:
        """PUT the chunks in order, each with its ``Content-Range``; a chunk that meets a dropped connection or a
        5xx is sent again (up to ``max_retries`` times in a row), anything else stops the upload."""
        for first, last in plan.ranges():
            stream.seek(first)
            chunk = stream.read(last - first + 1)
            if len(chunk) != last - first + 1:
                raise TikTokError(f"the file ended before byte {last}: it changed since the upload was planned")
            headers = {
                "Content-Type": "video/mp4",
                "Content-Length": str(len(chunk)),
                "Content-Range": f"bytes {first}-{last}/{plan.video_size}",
            }
            doing = f"sending bytes {first}-{last} of {plan.video_size}"
            response = self._retrying(
                lambda chunk=chunk, headers=headers: self._send("PUT", upload_url, data=chunk, headers=headers), doing
            )
            if response.status_code not in (200, 201, 206):
                self._raise_for(response, doing)
            if progress:
                progress(last + 1, plan.video_size)

    def status(self, publish_id: str) -> PublishStatus:
        data = self._api(STATUS_PATH, {"publish_id": publish_id}, "asking how the post is doing")
        return PublishStatus(
            status=data.get("status", ""),
            fail_reason=data.get("fail_reason", ""),
            uploaded_bytes=int(data.get("uploaded_bytes") or 0),
            # (sic) TikTok's field name
            post_ids=[str(post) for post in data.get("publicaly_available_post_id") or []],
        )

    def wait_until_done(
        self,
        publish_id: str,
        *,
        done: tuple[str, ...],
        interval: float,
        max_polls: int,
        on_status: Callable[[PublishStatus], None] | None = None,
    ) -> PublishStatus | None:
        """Poll until a status in ``done`` (returned) or ``FAILED`` (raised); None if still processing after
        ``max_polls`` polls. The rate limiter spaces the polls further when it must."""
        for poll in range(max_polls):
            if poll:
                self.sleep(interval)
            current = self.status(publish_id)
            if on_status:
                on_status(current)
            if current.status == FAILED:
                reason = FAIL_REASONS.get(current.fail_reason, current.fail_reason or "no reason given")
                raise TikTokError(f"TikTok could not publish the video: {reason}", code=current.fail_reason)
            if current.status in done:
                return current
        return None

    # --- transport -----------------------------------------------------------------------------------
    def _api(self, path: str, body: dict, doing: str) -> dict:
        """POST a JSON body with the bearer token; refresh the token once when TikTok says it is invalid."""
        if self.token is None:
            raise TikTokError("no access token source configured")
        try:
            return self._api_with(self.token(False), path, body, doing)
        except TikTokError as error:
            if error.code != "access_token_invalid":
                raise
        return self._api_with(self.token(True), path, body, doing)

    def _api_with(self, token: str, path: str, body: dict, doing: str) -> dict:
        def call() -> requests.Response:
            if self.limiter:
                self.limiter(token)
            response = self._send(
                "POST",
                f"{self.api_base}{path}",
                json=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json; charset=UTF-8"},
            )
            return self._checked(response, doing)

        return _json(self._retrying(call, doing)).get("data") or {}

    def _checked(self, response: requests.Response, doing: str) -> requests.Response:
        code = (_json(response).get("error") or {}).get("code", "")
        if response.status_code == 200 and code in ("", "ok"):
            return response
        self._raise_for(response, doing)

    def _raise_for(self, response: requests.Response, doing: str) -> NoReturn:
        error = _json(response).get("error") or {}
        code = error.get("code", "") if isinstance(error, dict) else str(error)
        detail = error.get("message", "") if isinstance(error, dict) else ""
        transient = code in TRANSIENT_CODES or response.status_code >= 500 or response.status_code == 429
        explained = ERROR_MESSAGES.get(code) or f"HTTP {response.status_code} {code}".strip()
        message = f"{explained} (while {doing}{': ' + detail if detail else ''})"
        raise TikTokError(message, code=code, transient=transient)

    def _send(self, method: str, url: str, **kwargs) -> requests.Response:
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as error:
            raise TikTokError(f"connection to TikTok lost ({type(error).__name__})", transient=True) from error
        if response.status_code >= 500:
            self._raise_for(response, f"{method} {url.split('?')[0]}")
        return response

    def _retrying(self, call: Callable[[], requests.Response], doing: str) -> requests.Response:
        """``call()``, again after a transient failure, up to ``max_retries`` failures in a row."""
        failures = 0
        while True:
            try:
                return call()
            except TikTokError as error:
                if not error.transient:
                    raise
                failures += 1
                if failures > self.max_retries:
                    raise TikTokError(
                        f"gave up after {failures} failures in a row while {doing}: {error}",
                        code=error.code,
                        transient=True,
                    ) from None
                self.sleep(min(60.0, self.retry_wait * 2 ** (failures - 1)))


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
