"""Reads of summaries for the command line."""

from __future__ import annotations

from streams.models import Stream
from transcription.subtitles import format_timestamp
from transcription.summaries.models import ClipSummary, StreamSummary


def stream_summary_text(stream: Stream) -> str:
    """The stream's draft title and description, then each clip's title and keywords, for a terminal."""
    lines = []
    draft = StreamSummary.objects.filter(stream=stream).first()
    if draft is not None:
        lines += [f"Title: {draft.title}" + (" (edited, kept)" if draft.edited_at else ""), draft.description, ""]
    for summary in ClipSummary.objects.filter(clip__stream=stream).select_related("clip").order_by("clip__order"):
        edited = " (edited, kept)" if summary.edited_at else ""
        lines.append(
            f"[{format_timestamp(summary.clip.start_time, '.')}] {summary.title or '(no speech)'}{edited}"
            f" — {', '.join(summary.keywords)}"
        )
    return "\n".join(lines)
