"""Embedding a clip: its transcript windows and its summary become search rows, replaced in one transaction.

The embed step calls ``clip_embed`` per clip; so do ``manage.py reembed`` (after a change of model) and
whatever changes a clip's words (a corrected transcript, a new summary), since a row's text and vector
must say what the clip says now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import transaction

from streams.models import VideoClip
from transcription.models import Transcript
from transcription.search.embedders import Embedder, EmbeddingError, embedder_from_settings
from transcription.search.models import SearchChunk
from transcription.search.windows import transcript_windows


@dataclass(frozen=True)
class Row:
    kind: str
    start: float
    end: float
    text: str


def clip_embed_again(*, clip: VideoClip) -> None:
    """Queue the embed step for one clip, as the stream owner's run, after the streamer changed its words
    (a transcript correction or a summary edit), so search finds what the clip now says."""
    from pipeline.workflows import start_stream_processing  # the chains import the tasks, which import this

    start_stream_processing(clip.stream_id, clip.stream.owner, steps=("embed",), clip_ids=[clip.id])


def summary_text_for(clip: VideoClip) -> tuple[float, float, str] | None:
    """The clip's summary as one search row: the clip's span on the stream timeline, and its title, keywords
    and main discussion; None when the clip has no summary (or one with no words)."""
    summary = getattr(clip, "summary", None)  # a missing one raises RelatedObjectDoesNotExist, an AttributeError
    if summary is None:
        return None
    parts = [_words(value) for value in (summary.title, summary.keywords, summary.summary_main_discussion)]
    text = "\n".join(part for part in parts if part)
    return (clip.start_time, clip.start_time + clip.duration, text) if text else None


def _words(value: object) -> str:
    """A summary field as plain text: a string, or a list of strings (keywords) or of ``{"text": ...}`` items."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return _words(value.get("text", ""))
    if isinstance(value, list | tuple):
        return ", ".join(filter(None, (_words(item) for item in value)))
    return ""


def clip_rows(clip: VideoClip, transcript: Transcript) -> list[Row]:
    """What the clip's search rows will say: its transcript windows, then its summary if it has one."""
    segments = transcript.segments.order_by("index").values("start", "end", "text", "words")
    windows = transcript_windows(
        segments,
        offset=clip.start_time,
        seconds=settings.EMBEDDING_WINDOW_SECONDS,
        overlap=settings.EMBEDDING_WINDOW_OVERLAP,
    )
    rows = [Row(SearchChunk.Kind.WINDOW, window.start, window.end, window.text) for window in windows]
    summary = summary_text_for(clip)
    if summary:
        rows.append(Row(SearchChunk.Kind.SUMMARY, *summary))
    return rows


def clip_embed(
    *,
    clip_id: int,
    progress: Callable[[float], None] | None = None,
    embedder: Embedder | None = None,
) -> int:
    """Replace the clip's search rows with its windows and summary, embedded; returns how many rows it has now.

    The embedding happens before anything is written, and the old rows go in the same transaction as the
    new ones arrive, so a failure at any point leaves the clip searchable as it was.
    """
    clip = VideoClip.objects.select_related("stream").get(id=clip_id)
    transcript = Transcript.objects.filter(clip=clip).first()
    if transcript is None:
        raise EmbeddingError(f"{clip.original_name}: not transcribed yet (run the transcribe step first)")
    try:
        rows = clip_rows(clip, transcript)
    except ValueError as error:  # EMBEDDING_WINDOW_SECONDS / _OVERLAP out of range
        raise EmbeddingError(f"search windows: {error}") from None
    embedder = embedder or embedder_from_settings()
    vectors = _embed(embedder, [row.text for row in rows], progress)
    with transaction.atomic():
        # Two runs embedding the same clip at once would each delete the rows they saw and both insert:
        # holding the clip's row makes the second wait, then delete the first one's rows.
        VideoClip.objects.select_for_update().only("id").get(id=clip.id)
        SearchChunk.objects.filter(clip=clip).delete()
        SearchChunk.objects.bulk_create(
            SearchChunk(
                owner_id=clip.stream.owner_id,
                stream_id=clip.stream_id,
                clip=clip,
                kind=row.kind,
                start=round(row.start, 3),
                end=round(row.end, 3),
                text=row.text,
                model_name=embedder.model_name,
                dimensions=len(vector),
                embedding=vector,
            )
            for row, vector in zip(rows, vectors, strict=True)
        )
    if progress:
        progress(100.0)
    return len(rows)


def _embed(embedder: Embedder, texts: list[str], progress: Callable[[float], None] | None) -> list[np.ndarray]:
    """The texts' vectors, a batch at a time so the step's percentage moves."""
    size = max(1, getattr(embedder, "batch_size", 64))
    vectors: list[np.ndarray] = []
    for start in range(0, len(texts), size):
        vectors.extend(embedder.embed(texts[start : start + size]))
        if progress:
            progress(min(99.0, len(vectors) / len(texts) * 100))
    return vectors
