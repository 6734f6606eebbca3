"""Embeddings from an OpenAI-compatible endpoint (CONTRACTS.md §10): OpenAI, vLLM, Ollama, llama.cpp's server.

``POST {base}/embeddings`` with ``model`` and ``input`` (a list) returns ``data[].embedding`` in input order.
A rate limit (429, with or without ``Retry-After``) or a server error (5xx) is tried again a bounded number
of times with growing waits; a refusal (400, 401, 404) is not, since the same request would fail the same
way. Every call has a time limit. A reply that is not a vector per text, all of one length, of finite
numbers, is refused with a message naming what was wrong: nothing malformed reaches the search rows.
No Django here: settings are read by ``embedders.embedder_from_settings``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import requests

from rendering.publishing.youtube import retry_after_seconds

# pgvector's ``vector`` type holds at most this many dimensions.
PGVECTOR_MAX_DIMENSIONS = 16000
# 408 and 409 are how some proxies and OpenAI itself say "busy, try again".
_RETRY_STATUSES = {408, 409, 429}


class EmbeddingError(RuntimeError):
    """The texts cannot be embedded; the message names the endpoint (never the key) and the reason."""


@dataclass
class OpenAIEmbedder:
    base_url: str
    model_name: str
    api_key: str = ""
    requested_dimensions: int | None = None  # text-embedding-3 models can shorten their vectors
    batch_size: int = 64
    time_limit: float = 60.0  # seconds to connect, and seconds of silence while reading a reply
    max_retries: int = 4
    backoff: float = 1.0  # seconds before the first retry when the server does not say; doubles each time
    max_wait: float = 60.0  # longer waits (a Retry-After of an hour) fail the call instead of holding a worker
    dimensions: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        if not self.base_url:
            raise EmbeddingError(
                "OPENAI_BASE_URL is empty: set the endpoint's base URL (e.g. https://api.openai.com/v1)"
            )
        if not self.model_name:
            raise EmbeddingError("EMBEDDING_MODEL is empty: name the endpoint's embedding model")
        if self.batch_size < 1:
            raise EmbeddingError(f"EMBEDDING_BATCH_SIZE={self.batch_size}: at least 1 text per request")
        self.dimensions = self.requested_dimensions or 0
        self.url = f"{self.base_url.rstrip('/')}/embeddings"
        self._session = requests.Session()

    @property
    def what(self) -> str:
        return f"embeddings endpoint {self.url} (model {self.model_name})"

    def embed(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised float32 row per text, in order, ``batch_size`` texts per request."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        batches = [list(texts[start : start + self.batch_size]) for start in range(0, len(texts), self.batch_size)]
        return np.vstack([self._vectors(self._post(batch), len(batch)) for batch in batches])

    def _post(self, texts: list[str]) -> object:
        body: dict = {"model": self.model_name, "input": texts}
        if self.requested_dimensions:
            body["dimensions"] = self.requested_dimensions
        problem = ""
        for attempt in range(self.max_retries + 1):
            wait = None
            try:
                status, headers, content = self._exchange(body)
            except requests.Timeout:
                problem = f"no reply within {self.time_limit:g} s"
            except requests.RequestException as error:
                problem = f"connection failed: {_reason(error)}"
            else:
                if status == 200:
                    return _json(content, self.what)
                problem = f"HTTP {status}: {_server_message(content)}"
                if status not in _RETRY_STATUSES and status < 500:
                    raise EmbeddingError(f"{self.what}: {problem}")
                wait = retry_after_seconds(headers.get("Retry-After"), now=datetime.now(UTC))
                if wait is not None and wait > self.max_wait:
                    raise EmbeddingError(
                        f"{self.what}: {problem}; it asks to wait {wait:.0f} s, more than the {self.max_wait:g} s "
                        "a step waits: run the step again later"
                    )
            if attempt < self.max_retries:
                time.sleep(wait if wait is not None else min(self.max_wait, self.backoff * 2**attempt))
        raise EmbeddingError(f"{self.what}: {problem} (gave up after {self.max_retries + 1} tries)")

    def _exchange(self, body: dict) -> tuple[int, Mapping[str, str], bytes]:
        """One request: its status, headers and whole body, within ``time_limit`` in all.

        requests' timeout bounds each wait for a byte, not the reply: a server trickling bytes would
        hold the worker forever, so the body is read in pieces against a deadline.
        """
        deadline = time.monotonic() + self.time_limit
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        timeout = (min(10.0, self.time_limit), self.time_limit)
        with self._session.post(self.url, json=body, headers=headers, timeout=timeout, stream=True) as response:
            content = bytearray()
            for piece in response.iter_content(chunk_size=64 * 1024):
                content += piece
                if time.monotonic() > deadline:
                    raise requests.Timeout(f"the reply took over {self.time_limit:g} s")
            return response.status_code, response.headers, bytes(content)

    def _vectors(self, reply: object, count: int) -> np.ndarray:
        """The reply's vectors in input order, normalised; the first reply fixes the length, later ones must match."""
        data = reply.get("data") if isinstance(reply, dict) else None
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise EmbeddingError(f"{self.what}: the reply has no data[] list of embeddings")
        if len(data) != count:
            raise EmbeddingError(f"{self.what}: the reply has {len(data)} embeddings for {count} texts")
        indices = [item.get("index") for item in data]
        if all(index is None for index in indices):
            indices = list(range(count))
        if sorted(index for index in indices if isinstance(index, int)) != list(range(count)):
            raise EmbeddingError(f"{self.what}: the reply's data[].index values are not 0..{count - 1}")
        ordered = [item.get("embedding") for _, item in sorted(zip(indices, data, strict=True))]
        if not all(isinstance(vector, list) and vector for vector in ordered):
            raise EmbeddingError(f"{self.what}: an embedding in the reply is not a list of numbers")
        lengths = sorted({len(vector) for vector in ordered})
        if len(lengths) > 1:
            raise EmbeddingError(f"{self.what}: the reply's embeddings differ in length ({lengths})")
        try:
            vectors = np.asarray(ordered, dtype=np.float32)
        except (TypeError, ValueError):
            raise EmbeddingError(f"{self.what}: an embedding in the reply holds something other than numbers") from None
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        if not np.isfinite(vectors).all() or not (norms > 0).all():
            raise EmbeddingError(f"{self.what}: an embedding in the reply is all zeros or not finite")
        self._learn_dimensions(vectors.shape[1])
        return vectors / norms

    def _learn_dimensions(self, found: int) -> None:
        if found > PGVECTOR_MAX_DIMENSIONS:
            raise EmbeddingError(f"{self.what}: {found} dimensions; pgvector stores at most {PGVECTOR_MAX_DIMENSIONS}")
        if self.dimensions and found != self.dimensions:
            source = "were asked for" if self.requested_dimensions else "came before"
            raise EmbeddingError(f"{self.what}: embeddings of {found} dimensions where {self.dimensions} {source}")
        self.dimensions = found


def _json(content: bytes, what: str) -> object:
    try:
        return json.loads(content)
    except ValueError:
        text = content[:200].decode(errors="replace")
        raise EmbeddingError(f"{what}: the reply is not JSON: {text!r}") from None


def _server_message(content: bytes) -> str:
    """The server's own words: OpenAI's ``{"error": {"message"}}``, else the start of the body."""
    try:
        error = json.loads(content).get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])[:300]
    if isinstance(error, str) and error:
        return error[:300]
    return content[:200].decode(errors="replace").strip() or "no message"


def _reason(error: requests.RequestException) -> str:
    """urllib3's reason (``[Errno 111] Connection refused``), not requests' wrapper around it."""
    inner = error.args[0] if error.args else error
    return str(getattr(inner, "reason", inner))
