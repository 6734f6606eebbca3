"""Chapters for an episode: candidates from the edit and the transcript, YouTube's rules, MP4 metadata.

YouTube shows chapters only when the first starts at 0:00, there are at least three and each lasts at
least 10 s; a list that cannot meet that is dropped rather than published half-right. No Django.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from episodes.cutlist import CutList
from rendering.timeline import map_time, output_spans

MIN_LENGTH = 10.0
MIN_COUNT = 3


@dataclass(frozen=True)
class Chapter:
    start: float
    title: str


def chapter_candidates(
    cut_list: CutList,
    *,
    section_titles: Sequence[str] | None = None,
    topics: Mapping[str, Sequence[dict]] | None = None,
) -> list[tuple[float, str, int]]:
    """(output time, title, priority) for each output section start and each topic or flagged moment.

    ``topics[location]``: ``[{start, title}]`` in that recording's seconds (transcript topics, highlights,
    flagged moments). Topics outrank section starts when two fall close together.
    """
    spans = output_spans(cut_list)
    candidates = []
    for k, span in enumerate(spans):
        title = section_titles[k] if section_titles and k < len(section_titles) else f"Part {k + 1}"
        candidates.append((span.output_start, title, 0))
    for location, items in (topics or {}).items():
        for item in items:
            at = map_time(spans, location, float(item["start"]))
            if at is not None and str(item.get("title", "")).strip():
                candidates.append((at, str(item["title"]).strip(), 1))
    return candidates


def build_chapters(
    candidates: Sequence[tuple[float, str, int]] | Sequence[tuple[float, str]],
    duration: float,
    *,
    min_length: float = MIN_LENGTH,
    min_count: int = MIN_COUNT,
) -> list[Chapter]:
    """Chapters that follow YouTube's rules, or [] when fewer than ``min_count`` fit."""
    ordered = sorted(
        ((float(c[0]), c[1], c[2] if len(c) > 2 else 0) for c in candidates if 0 <= c[0] < duration),
        key=lambda c: (c[0], -c[2]),
    )
    chosen: list[list] = []
    for start, title, priority in ordered:
        if not chosen:
            chosen.append([0.0, title, priority])
        elif start - chosen[-1][0] < min_length:
            if priority > chosen[-1][2]:
                # A topic names the stretch better than "Part n"; the first chapter stays at 0:00.
                chosen[-1] = [0.0 if chosen[-1][0] == 0 else start, title, priority]
        else:
            chosen.append([start, title, priority])
    while len(chosen) > 1 and duration - chosen[-1][0] < min_length:
        chosen.pop()
    if len(chosen) < min_count:
        return []
    return [Chapter(start, title) for start, title, _ in chosen]


def ffmetadata(chapters: Sequence[Chapter], duration: float, *, title: str = "") -> str:
    """An FFMETADATA1 file carrying the chapters (``-map_chapters``) in milliseconds."""

    def escape(text: str) -> str:
        return "".join("\\" + ch if ch in "=;#\\\n" else ch for ch in text)

    lines = [";FFMETADATA1"]
    if title:
        lines.append(f"title={escape(title)}")
    for chapter, following in zip(chapters, [*chapters[1:], None], strict=True):
        end = following.start if following else duration
        lines += [
            "[CHAPTER]",
            "TIMEBASE=1/1000",
            f"START={round(chapter.start * 1000)}",
            f"END={round(end * 1000)}",
            f"title={escape(chapter.title)}",
        ]
    return "\n".join(lines) + "\n"
