"""Is a configured channel live? Twitch through Helix ``GET /streams``, Kick through its public API. No Django.

Both use an app token from OAuth client credentials. Kick: ``POST {auth}/oauth/token`` (grant_type
client_credentials), then ``GET {api}/channels?slug=SLUG`` whose ``data[0].stream.is_live`` says it.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import requests

# Kick answers errors in Twitch's shape ({"message": ...}): the same readers serve both.
from chat.helix import HelixClient, _error_message, _json

PLATFORMS = ("twitch", "kick")
_LOGIN = re.compile(r"^[A-Za-z0-9_-]{2,64}$")
_HOSTS = {"twitch.tv": "twitch", "www.twitch.tv": "twitch", "kick.com": "kick", "www.kick.com": "kick"}


@dataclass(frozen=True)
class Channel:
    platform: str
    login: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.login}"


@dataclass(frozen=True)
class LiveSession:
    channel: Channel
    session_id: str  # one broadcast: a reconnect in the same broadcast keeps it
    started_at: datetime | None
    title: str = ""


def parse_channel(value: str) -> Channel:
    """``twitch:LOGIN``, ``kick:SLUG`` or the channel's page URL; ValueError saying what is expected."""
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc.lower() in _HOSTS:
        platform, login = _HOSTS[parts.netloc.lower()], parts.path.strip("/").split("/")[0]
    else:
        platform, _, login = value.partition(":")
    platform = platform.lower()
    if platform not in PLATFORMS or not _LOGIN.match(login):
        raise ValueError(f"{value!r}: expected twitch:LOGIN, kick:SLUG or a twitch.tv / kick.com channel URL")
    return Channel(platform, login.lower())


def _time(value) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def twitch_live(helix: HelixClient, channel: Channel) -> LiveSession | None:
    stream = helix.get_live_stream(channel.login)
    if not stream:
        return None
    return LiveSession(
        channel, str(stream.get("id") or ""), _time(stream.get("started_at")), str(stream.get("title") or "")
    )


class KickError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"Kick API answered {status}: {message}")
        self.status = status


@dataclass
class KickClient:
    client_id: str
    client_secret: str
    api_url: str = "https://api.kick.com/public/v1"
    auth_url: str = "https://id.kick.com/oauth/token"
    timeout: float = 10.0
    session: requests.Session = field(default_factory=requests.Session)
    _token: str = field(default="", repr=False)
    _expires: float = field(default=0.0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def app_token(self, *, refresh: bool = False) -> str:
        with self._lock:
            if refresh or not self._token or time.monotonic() >= self._expires:
                if not self.client_id or not self.client_secret:
                    raise KickError(0, "KICK_CLIENT_ID and KICK_CLIENT_SECRET must be set")
                response = self.session.post(
                    self.auth_url,
                    data={
                        "grant_type": "client_credentials",
                        "client_id": self.client_id,
                        "client_secret": self.client_secret,
                    },
                    timeout=self.timeout,
                )
                body = _json(response)
                if response.status_code != 200 or "access_token" not in body:
                    raise KickError(response.status_code, _error_message(body, response))
                self._token = body["access_token"]
                self._expires = time.monotonic() + max(int(body.get("expires_in") or 3600) - 60, 0)
            return self._token

    def get_channel(self, slug: str) -> dict | None:
        for attempt in range(2):
            response = self.session.get(
                self.api_url.rstrip("/") + "/channels",
                params={"slug": slug},
                headers={
                    "Authorization": f"Bearer {self.app_token(refresh=attempt > 0)}",
                    "Accept": "application/json",
                },
                timeout=self.timeout,
            )
            if response.status_code != 401 or attempt:  # a revoked token: fetch a new one once
                break
        body = _json(response)
        if response.status_code != 200:
            raise KickError(response.status_code, _error_message(body, response))
        data = body.get("data") or []
        return data[0] if data and isinstance(data[0], dict) else None


def kick_live(kick: KickClient, channel: Channel) -> LiveSession | None:
    found = kick.get_channel(channel.login)
    stream = (found or {}).get("stream") or {}
    if not stream.get("is_live"):
        return None
    started = _time(stream.get("start_time"))
    session_id = stream.get("start_time") or ""
    return LiveSession(channel, str(session_id), started, str((found or {}).get("stream_title") or ""))
