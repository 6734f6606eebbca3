"""Chapters from topic changes (pure: no Django).

The choice: TextTiling (Hearst, 1997) over the transcript's word timestamps. The episode is cut into
blocks of ``window`` seconds; each gap between blocks gets the cosine similarity of the words said
before and after it (two blocks each side, stop words dropped); a topic change is a gap whose similarity
sits in a valley deeper than the episode's usual (its depth score above the mean plus half a standard
deviation). No model to load, milliseconds per hour, and it follows what was said rather than how loud.
Titles: the summary's moment inside the chapter when there is one, else the chapter's most distinctive
words.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from statistics import mean, pstdev

_WORD = re.compile(r"[a-z][a-z']+")
STOPWORDS = frozenset(
    """a about above after again all also am an and any are aren't as at be because been before being
    below between both but by can can't could did didn't do does doesn't doing don't down during each
    few for from further get got gonna had has have having he her here hers him his how i i'm i've if in
    into is isn't it it's its itself just know let like me more most my no nor not now of off oh ok okay
    on once only or other our out over own really right same she should so some such than that that's
    the their them then there there's these they they're this those through to too um uh under until up
    very was we we're were what when where which while who why will with would yeah yes you you're your
    going go one thing things well see want think thats dont im""".split()
)


def content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 2]


def _cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    dot = sum(count * b[word] for word, count in a.items() if word in b)
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def topic_boundaries(
    words: Sequence[tuple[float, str]], start: float, end: float, *, window: float, min_length: float
) -> list[float]:
    """Stream times in ``(start, end)`` where the topic changes, at least ``min_length`` apart and from
    either edge. ``words``: ``(time, word)`` on the stream timeline."""
    count = int((end - start) // window)
    if count < 4:
        return []
    blocks = [Counter() for _ in range(count)]
    for at, word in words:
        index = int((at - start) // window)
        if 0 <= index < count:
            blocks[index].update(content_words(word))
    gaps = []
    for gap in range(1, count):
        left = sum(blocks[max(0, gap - 2) : gap], Counter())
        right = sum(blocks[gap : gap + 2], Counter())
        gaps.append(_cosine(left, right))
    depths = []
    for i, similarity in enumerate(gaps):
        left_peak = max(gaps[: i + 1])
        right_peak = max(gaps[i:])
        depths.append((left_peak - similarity) + (right_peak - similarity))
    if not any(depths):
        return []
    cutoff = mean(depths) + pstdev(depths) / 2
    chosen: list[float] = []
    for depth, at in sorted(((d, start + (i + 1) * window) for i, d in enumerate(depths)), reverse=True):
        if depth <= cutoff or depth <= 0:
            break
        if at - start < min_length or end - at < min_length:
            continue
        if all(abs(at - other) >= min_length for other in chosen):
            chosen.append(at)
    return sorted(chosen)


def _keyword_title(words: Sequence[str], elsewhere: Counter, fallback: str) -> str:
    counts = Counter(words)
    if not counts:
        return fallback
    scored = sorted(counts, key=lambda w: (-counts[w] / (1 + elsewhere[w]), -counts[w], w))[:3]
    names = [w.capitalize() if i == 0 else w for i, w in enumerate(scored)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def episode_chapters(
    words: Sequence[tuple[float, str]],
    start: float,
    end: float,
    *,
    window: float,
    min_length: float,
    moments: Sequence[tuple[float, str]] = (),
) -> list[dict]:
    """``[{start, title}]`` on the episode's own timeline (the first at 0), one per topic; ``moments``:
    ``(stream time, title)`` from a summary, preferred as titles."""
    cuts = [start, *topic_boundaries(words, start, end, window=window, min_length=min_length), end]
    spans = list(zip(cuts, cuts[1:], strict=False))
    per_chapter = [[w for at, text in words if lo <= at < hi for w in content_words(text)] for lo, hi in spans]
    totals = Counter(w for chapter in per_chapter for w in chapter)
    chapters = []
    for index, (lo, hi) in enumerate(spans):
        titled = [title for at, title in moments if lo <= at < hi and title.strip()]
        if titled:
            title = titled[0].strip()
        else:
            here = Counter(per_chapter[index])
            title = _keyword_title(per_chapter[index], totals - here, f"Part {index + 1}")
        chapters.append({"start": round(lo - start, 3), "title": title})
    return chapters
