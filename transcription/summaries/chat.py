"""A client for any OpenAI-compatible ``POST {base}/chat/completions`` (CONTRACTS.md §10): OpenAI, vLLM, Ollama,
llama.cpp's server.

It asks for a reply in a strict JSON schema and returns the parsed JSON; it never hands back a truncated or
unparsable reply (``ChatReplyInvalid`` says which). A 429 waits as long as ``Retry-After`` asks and a 5xx
or a dropped connection backs off exponentially, both a bounded number of times and never longer than
``max_wait`` a time; any other 4xx fails at once with the server's own message. Every call has a total time
limit (``timeout``), which a server sending its reply a byte at a time cannot stretch. Pure: no Django.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests


class ChatError(RuntimeError):
    """The endpoint could not give a reply: the message says why and what to change."""


class ChatReplyInvalid(ChatError):
    """A reply came but cannot be used: cut off by the token limit, or not the JSON asked for."""

    def __init__(self, message: str, *, content: str = "", truncated: bool = False) -> None:
        super().__init__(message)
        self.content = content
        self.truncated = truncated


@dataclass
class ChatClient:
    base_url: str
    model: str
    api_key: str = ""
    timeout: float = 120.0  # seconds for one call, connection to last byte
    max_tokens: int = 4096
    retries: int = 3  # extra attempts after a 429, a 5xx or a dropped connection
    backoff: float = 2.0  # seconds before the first retry of a 5xx; doubled each time
    max_wait: float = 60.0  # the longest single wait; a longer Retry-After fails at once
    sleep: Callable[[float], None] = time.sleep
    session: requests.Session = field(default_factory=requests.Session)

    def complete_json(self, messages: list[dict], *, schema: dict, name: str) -> dict:
        """The reply to ``messages`` as the JSON object ``schema`` describes (not yet checked against it)."""
        body = {
            "model": self.model,
            "messages": messages,
            "temperature": 0,
            "max_tokens": self.max_tokens,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": name, "strict": True, "schema": schema},
            },
        }
        reply = self._post("/chat/completions", body)
        try:
            choice = reply["choices"][0]
            content = choice["message"]["content"] or ""
        except (KeyError, IndexError, TypeError):
            raise ChatError(f"{self._where()} replied without choices[0].message.content: {_excerpt(reply)}") from None
        if choice.get("finish_reason") == "length":
            raise ChatReplyInvalid(
                f"the reply was cut off at {self.max_tokens} tokens (finish_reason length)",
                content=content,
                truncated=True,
            )
        return parse_json_reply(content)

    def _post(self, path: str, body: dict) -> dict:
        url = self.base_url.rstrip("/") + path
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        backoff = self.backoff
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                status, text, retry_after = self._call(url, headers, body)
            except (requests.Timeout, _TooSlow) as error:
                # A slow model stays slow: trying again would only double the wait.
                raise ChatError(self._failure(error)) from None
            except requests.RequestException as error:
                if last:
                    raise ChatError(self._failure(error)) from None
                self.sleep(min(backoff, self.max_wait))
                backoff *= 2
                continue
            if status == 200:
                try:
                    return json.loads(text)
                except ValueError:
                    raise ChatError(
                        f"{self._where()} answered 200 with a body that is not JSON: {text[:200]!r}"
                    ) from None
            if status == 429 or status >= 500:
                asked = retry_after if status == 429 else None
                if asked is not None and asked > self.max_wait:
                    raise ChatError(
                        f"{self._where()} asks to wait {asked:.0f} s (HTTP 429), longer than the"
                        f" {self.max_wait:.0f} s allowed (SUMMARY_RETRY_MAX_WAIT): try again later."
                        f" {_server_message(text)}".strip()
                    )
                wait = asked if asked is not None else min(backoff, self.max_wait)
                if not last:
                    self.sleep(wait)
                    backoff *= 2
                    continue
                raise ChatError(
                    f"{self._where()} still answered HTTP {status} after {self.retries + 1} attempts."
                    f" {_server_message(text)}".strip()
                )
            raise ChatError(f"{self._where()} refused the request: HTTP {status}. {_server_message(text)}".strip())
        raise AssertionError("unreachable")  # pragma: no cover

    def _call(self, url: str, headers: dict, body: dict) -> tuple[int, str, float | None]:
        """One POST within ``timeout`` in all: (status, body, Retry-After seconds or None)."""
        deadline = time.monotonic() + self.timeout
        with self.session.post(url, json=body, headers=headers, timeout=self.timeout, stream=True) as response:
            chunks = []
            # read1 returns what has arrived (iter_content would wait for a whole chunk), so the deadline holds.
            while chunk := response.raw.read1(65536, decode_content=True):
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise _TooSlow
            text = b"".join(chunks).decode(response.encoding or "utf-8", errors="replace")
            return response.status_code, text, _retry_after(response.headers.get("Retry-After"))

    def _where(self) -> str:
        return f"the chat endpoint {self.base_url}"

    def _failure(self, error: Exception) -> str:
        if isinstance(error, _TooSlow | requests.Timeout):
            return (
                f"{self._where()} did not answer within {self.timeout:.0f} s (SUMMARY_CALL_TIME_LIMIT):"
                " is the model loaded, or the transcript part too long (SUMMARY_CONTEXT_TOKENS)?"
            )
        return f"{self._where()} cannot be reached ({type(error).__name__}): check OPENAI_BASE_URL"


class _TooSlow(Exception):
    """The reply was still arriving when the call's time was up."""


def parse_json_reply(content: str) -> dict:
    """The JSON object in ``content``; a Markdown code fence around it (some local servers add one) is removed."""
    text = content.strip()
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", text, flags=re.DOTALL)
    if fenced:
        text = fenced.group(1)
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ChatReplyInvalid(f"the reply is not valid JSON ({error})", content=content) from None
    if not isinstance(data, dict):
        raise ChatReplyInvalid(f"the reply is JSON but not an object: {_excerpt(data)}", content=content)
    return data


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def _server_message(text: str) -> str:
    """The ``error.message`` of an OpenAI-style error body, else the start of the body."""
    try:
        error = json.loads(text).get("error")
    except (ValueError, AttributeError):
        return text[:200].strip()
    message = error.get("message") if isinstance(error, dict) else error
    return f"The server says: {message}" if message else ""


def _excerpt(data: object) -> str:
    return json.dumps(data)[:200]
