"""Where source time lands on an episode's output timeline, through a cut list (no Django).

Transcripts, topics and flagged moments are timed on their recording (a cut list ``inputMedia``
location); the cut list says which stretches of each recording play, in which order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from episodes.cutlist import CutList


@dataclass(frozen=True)
class Span:
    """Source seconds [source_start, source_end) of ``location`` play from ``output_start``."""

    location: str
    source_start: float
    source_end: float
    output_start: float

    @property
    def output_end(self) -> float:
        return self.output_start + self.source_end - self.source_start


def output_spans(cut_list: CutList) -> list[Span]:
    rate = cut_list.frame_rate
    spans, offset = [], 0.0
    for item in cut_list.output:
        section = cut_list.section(item.media_index, item.section_index)
        location = cut_list.inputs[item.media_index].location
        spans.append(Span(location, section.start_frame / rate, section.end_frame / rate, offset))
        offset += section.frames / rate
    return spans


def map_time(spans: Sequence[Span], location: str, seconds: float) -> float | None:
    """The first output time showing ``seconds`` of ``location``, or None when the edit drops it."""
    for span in spans:
        if span.location == location and span.source_start <= seconds < span.source_end:
            return span.output_start + seconds - span.source_start
    return None


def map_interval(spans: Sequence[Span], location: str, start: float, end: float) -> list[tuple[float, float, float]]:
    """Each piece of source [start, end) that plays, as (output_start, output_end, source_start)."""
    pieces = []
    for span in spans:
        if span.location != location:
            continue
        lo, hi = max(start, span.source_start), min(end, span.source_end)
        if hi > lo:
            pieces.append((span.output_start + lo - span.source_start, span.output_start + hi - span.source_start, lo))
    return sorted(pieces)
