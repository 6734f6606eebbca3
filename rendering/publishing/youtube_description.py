"""YouTube video metadata from an episode: chapters block, description, title and tags (pure, no Django).

YouTube's own rules decide the limits here: a chapter list only becomes chapters when it starts at 0:00,
has at least three entries and each lasts at least 10 s; titles stop at 100 characters, descriptions at
5000 bytes, tags at 500 characters in total; angle brackets are rejected in titles and descriptions.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Sequence

MIN_CHAPTERS = 3
MIN_CHAPTER_SECONDS = 10.0
TITLE_MAX_CHARS = 100
DESCRIPTION_MAX_BYTES = 5000
TAGS_MAX_CHARS = 500
PRIVACY_STATUSES = ("private", "unlisted", "public")


class MetadataError(ValueError):
    """Metadata YouTube would reject or silently ignore; the message names what is wrong."""


def format_timestamp(seconds: float) -> str:
    """``75`` -> ``1:15``, ``3725`` -> ``1:02:05`` (YouTube's own chapter notation, whole seconds)."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def chapter_problems(chapters: Sequence[tuple[float, str]], *, duration: float | None = None) -> list[str]:
    """Why YouTube would not show these ``(start_seconds, title)`` pairs as chapters (empty when it would)."""
    problems: list[str] = []
    if len(chapters) < MIN_CHAPTERS:
        problems.append(f"needs at least {MIN_CHAPTERS} chapters, got {len(chapters)}")
    if chapters and int(chapters[0][0]) != 0:
        problems.append(f"the first chapter must start at 0:00, not {format_timestamp(chapters[0][0])}")
    for index, (start, title) in enumerate(chapters):
        if not str(title).strip():
            problems.append(f"chapter {index + 1} at {format_timestamp(start)} has no title")
    # YouTube reads whole seconds, so the lengths that count are those of the written timestamps.
    starts = [int(start) for start, _ in chapters]
    ends = starts[1:] + ([duration] if duration is not None else [])
    for index, (start, end) in enumerate(zip(starts, ends, strict=False)):
        if end - start < MIN_CHAPTER_SECONDS:
            problems.append(
                f"chapter {index + 1} ({format_timestamp(start)}) lasts {end - start:g} s, "
                f"under the {MIN_CHAPTER_SECONDS:g} s minimum"
            )
    return problems


def format_chapters(chapters: Sequence[tuple[float, str]], *, duration: float | None = None) -> str:
    """The ``0:00 Title`` lines YouTube turns into chapters; raises :class:`MetadataError` if it would not."""
    problems = chapter_problems(chapters, duration=duration)
    if problems:
        raise MetadataError("chapters: " + "; ".join(problems))
    return "\n".join(f"{format_timestamp(start)} {_clean(' '.join(str(title).split()))}" for start, title in chapters)


def clean_title(title: str) -> str:
    title = _clean(" ".join(title.split()))
    if not title:
        raise MetadataError("title: an episode needs a title to be published")
    return title[:TITLE_MAX_CHARS].rstrip()


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Unique, trimmed tags, stopping before YouTube's 500-character total (a tag with spaces counts its quotes)."""
    kept: list[str] = []
    used = 0
    for raw in tags:
        tag = _clean(" ".join(str(raw).replace(",", " ").split()))
        if not tag or tag.lower() in {t.lower() for t in kept}:
            continue
        cost = len(tag) + (2 if " " in tag else 0) + (1 if kept else 0)
        if used + cost > TAGS_MAX_CHARS:
            break
        kept.append(tag)
        used += cost
    return kept


def render_description(template: str, *, chapters_block: str = "", **values: object) -> str:
    """Fill the series template; unknown placeholders stay as written rather than failing the upload.

    The chapters block is never truncated: it goes last if the template forgot it, and the free text before
    it is what gets shortened when the description is over YouTube's limit.
    """
    fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    text = template.format_map(_Missing({**values, "chapters": chapters_block}))
    if chapters_block and "chapters" not in fields:
        text = f"{text.rstrip()}\n\n{chapters_block}"
    text = _clean("\n".join(line.rstrip() for line in text.strip().splitlines()))
    if len(text.encode()) <= DESCRIPTION_MAX_BYTES:
        return text
    block = _clean(chapters_block)
    head, _, tail = text.partition(block) if block else (text, "", "")
    budget = DESCRIPTION_MAX_BYTES - len((block + tail).encode()) - len("…\n\n".encode())
    if budget < 0:
        raise MetadataError(f"description: the chapters alone exceed YouTube's {DESCRIPTION_MAX_BYTES} bytes")
    shortened = head.encode()[:budget].decode(errors="ignore").rstrip()
    return f"{shortened}…\n\n{block}{tail}".strip() if block else f"{shortened}…"


def _clean(text: str) -> str:
    # YouTube answers 400 invalidTitle / invalidDescription to "<" and ">".
    return text.replace("<", "‹").replace(">", "›")


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
