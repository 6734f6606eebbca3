"""A small Twitch Helix client: app access token (client credentials), users, live streams, EventSub subscriptions.

No Django: the service layer builds one from settings. Errors carry Twitch's own message.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import requests

DEFAULT_TIMEOUT = 10.0
# Refresh a little before Twitch says the token expires, so a request never races the expiry.
_TOKEN_MARGIN_S = 60


class HelixError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"Twitch API answered {status}: {message}")
        self.status = status
        self.message = message


@dataclass
class HelixClient:
    client_id: str
    client_secret: str
    api_url: str = "https://api.twitch.tv/helix"
    auth_url: str = "https://id.twitch.tv/oauth2/token"
    timeout: float = DEFAULT_TIMEOUT
    session: requests.Session = field(default_factory=requests.Session)
    _token: str = field(default="", repr=False)
    _token_expires: float = field(default=0.0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def app_token(self, *, refresh: bool = False) -> str:
        with self._lock:
            if refresh or not self._token or time.monotonic() >= self._token_expires:
                self._token, lifetime = self._fetch_token()
                self._token_expires = time.monotonic() + max(lifetime - _TOKEN_MARGIN_S, 0)
            return self._token

    def _fetch_token(self) -> tuple[str, int]:
        if not self.client_id or not self.client_secret:
            raise HelixError(0, "TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET must be set")
        response = self.session.post(
            self.auth_url,
            data={"client_id": self.client_id, "client_secret": self.client_secret, "grant_type": "client_credentials"},
            timeout=self.timeout,
        )
        body = _json(response)
        if response.status_code != 200 or "access_token" not in body:
            raise HelixError(response.status_code, _error_message(body, response))
        return body["access_token"], int(body.get("expires_in") or 3600)

    def _request(self, method: str, path: str, *, params=None, json=None, expect: tuple[int, ...]) -> dict:
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {self.app_token(refresh=attempt > 0)}", "Client-Id": self.client_id}
            response = self.session.request(
                method, self.api_url.rstrip("/") + path, params=params, json=json, headers=headers, timeout=self.timeout
            )
            # A 401 means the token was revoked or expired early: fetch a new one once.
            if response.status_code != 401 or attempt:
                break
        body = _json(response)
        if response.status_code not in expect:
            raise HelixError(response.status_code, _error_message(body, response))
        return body

    def get_user(self, login: str) -> dict | None:
        """The user with this login (``id``, ``login``, ``display_name``, ...), or None."""
        data = self._request("GET", "/users", params={"login": login}, expect=(200,)).get("data") or []
        return data[0] if data else None

    def get_live_stream(self, login: str) -> dict | None:
        """The channel's live stream (``id``, ``started_at``, ``title``, ...) from ``GET /streams``, or None."""
        data = self._request("GET", "/streams", params={"user_login": login}, expect=(200,)).get("data") or []
        return next((item for item in data if item.get("type", "live") == "live"), None)

    def create_subscription(self, *, type: str, version: str, condition: dict, callback: str, secret: str) -> dict:
        """Create a webhook subscription; returns Twitch's record (status ``webhook_callback_verification_pending``)."""
        body = {
            "type": type,
            "version": version,
            "condition": condition,
            "transport": {"method": "webhook", "callback": callback, "secret": secret},
        }
        data = self._request("POST", "/eventsub/subscriptions", json=body, expect=(202,)).get("data") or []
        if not data:
            raise HelixError(202, "no subscription in the answer")
        return data[0]

    def list_subscriptions(self, *, type: str = "", status: str = "", user_id: str = "") -> list[dict]:
        """Every subscription this client created (all pages), optionally filtered (Twitch takes one filter)."""
        params = {key: value for key, value in (("type", type), ("status", status), ("user_id", user_id)) if value}
        found: list[dict] = []
        while True:
            body = self._request("GET", "/eventsub/subscriptions", params=params, expect=(200,))
            found.extend(body.get("data") or [])
            cursor = (body.get("pagination") or {}).get("cursor")
            if not cursor:
                return found
            params = {**params, "after": cursor}

    def delete_subscription(self, subscription_id: str) -> bool:
        """Delete it; False if Twitch no longer knows it (already gone counts as done)."""
        try:
            self._request("DELETE", "/eventsub/subscriptions", params={"id": subscription_id}, expect=(204,))
        except HelixError as error:
            if error.status == 404:
                return False
            raise
        return True


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error_message(body: dict, response: requests.Response) -> str:
    return str(body.get("message") or body.get("error") or response.reason or "no message")
