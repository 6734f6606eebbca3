"""The offline summariser: everything it says is taken from the transcript, picked with sentence embeddings.

- Sentences are the transcript's segments. Each is embedded (the bundled all-MiniLM-L6-v2 in production; any
  ``texts -> L2-normalised rows`` function here), and ranked by continuous LexRank (PageRank over the cosine
  similarity graph): a sentence is central when it is like many others. The main discussion is the top of
  that ranking picked with MMR (maximal marginal relevance), so it covers the talk rather than repeating its
  commonest point, then put back in spoken order.
- Keywords, KeyBERT-style: candidate 1-3-word phrases of topic words (no stopword, filler, number, adverb or
  participle, not ending on a common verb), ranked by similarity to the whole clip's embedding (plus a little
  for how often each is said), picked with MMR; a phrase inside a longer chosen one is dropped.
  The title is the top keywords.
- Highlights: the moments a viewer would clip. Each sentence scores its centrality (is it about the topic?),
  its loudness against the clip's median (is the streamer excited?) and an exclamation or interjection in its
  words; the best few at least ``HIGHLIGHT_SPACING`` apart, each with its reasons.
- Transcription errors and attentions come from the rules in ``flags.py``.
- The context rolled forward: this clip's keywords and its two most central sentences, then the context that
  came in, cut to ``CONTEXT_CHARS`` (so the oldest clips fall off the end).
Pure: no Django; the embedder is passed in.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from transcription.summaries.flags import AttentionRules, attentions, transcription_errors
from transcription.summaries.schema import empty_clip_summary, validate_clip_summary
from transcription.summaries.speech import ClipDigest, ClipSpeech, Progress, SpeechSegment, format_time
from transcription.summaries.words import FILLERS, STOPWORDS, VERBS

Embed = Callable[[list[str]], np.ndarray]

CONTEXT_CHARS = 1200
HIGHLIGHT_SPACING = 30.0  # seconds between two highlights of one clip
MAX_CANDIDATES = 300  # keyword phrases embedded per clip: the most frequent
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9'+#-]*[A-Za-z0-9+#]|[A-Za-z]")
_INTERJECTIONS = re.compile(
    r"\b(?:wow|whoa|omg|oh my god|let'?s go|no way|yes+|holy|insane|amazing|finally|unbelievable|what the)\b",
    re.IGNORECASE,
)


@dataclass
class ExtractiveSummariser:
    """The offline engine. ``embed`` turns texts into L2-normalised rows (see transcription/search/embedders)."""

    embed: Embed
    model_name: str = "all-MiniLM-L6-v2"
    rules: AttentionRules = field(default_factory=AttentionRules)
    keywords: int = 8
    name: str = "extractive"

    def summarise_clip(self, clip: ClipSpeech, progress: Progress | None = None) -> dict:
        """A clip summary (validated) of ``clip``'s segments; an empty one when nobody speaks."""
        report = progress or (lambda _: None)
        sentences = [segment for segment in clip.segments if _words(segment.text)]
        if not sentences:
            report(100)
            return empty_clip_summary(clip.previous_context)
        vectors = self.embed([segment.text.strip() for segment in sentences])
        report(40)
        centrality = lexrank(vectors)
        main = mmr(vectors, centrality, count=_main_count(len(sentences)), diversity=0.3)
        main_sentences = [sentences[i] for i in sorted(main)]
        document = _normalised(vectors.mean(axis=0))
        keywords = self._keywords(sentences, document)
        report(80)
        summary = {
            "title": title_from(keywords, main_sentences),
            "keywords": keywords,
            "summary_main_discussion": " ".join(segment.text.strip() for segment in main_sentences),
            "summary_context": rolled_context(
                keywords, [sentences[i] for i in main[:2]], clip.previous_context, CONTEXT_CHARS
            ),
            "highlights": highlights(sentences, centrality),
            "attentions": attentions(clip.segments, self.rules),
            "transcription_errors": transcription_errors(clip.segments),
        }
        report(100)
        return validate_clip_summary(summary, segment_indexes={segment.index for segment in clip.segments})

    def summarise_stream(self, clips: Sequence[ClipDigest], *, stream_title: str = "") -> dict:
        """A title from the keywords most clips share, and a description: the topics, then each clip's gist."""
        return extractive_stream_summary(clips, stream_title=stream_title)

    def _keywords(self, sentences: Sequence[SpeechSegment], document: np.ndarray) -> list[str]:
        counts = candidate_phrases([segment.text for segment in sentences])
        if not counts:
            return []
        candidates = list(counts)
        vectors = self.embed(candidates)
        # KeyBERT's similarity to the whole clip, nudged towards what is said again and again.
        relevance = vectors @ document + 0.05 * np.log([counts[phrase] for phrase in candidates])
        chosen: list[str] = []
        for index in mmr(vectors, relevance, count=self.keywords * 2, diversity=0.5):
            phrase = candidates[index]
            if any(_inside(phrase, other) or _inside(other, phrase) for other in chosen):
                continue
            chosen.append(phrase)
            if len(chosen) == self.keywords:
                break
        return chosen


def lexrank(vectors: np.ndarray, damping: float = 0.85, iterations: int = 100) -> np.ndarray:
    """Continuous LexRank scores (summing to 1) of L2-normalised rows; uniform for one or two sentences."""
    count = len(vectors)
    if count <= 2:
        return np.full(count, 1.0 / max(count, 1))
    similarity = np.clip(vectors @ vectors.T, 0.0, None)
    np.fill_diagonal(similarity, 0.0)
    totals = similarity.sum(axis=1, keepdims=True)
    # A sentence like no other links to all alike, so the walk never stops at it.
    transition = np.where(totals > 0, similarity / np.where(totals > 0, totals, 1.0), 1.0 / count)
    scores = np.full(count, 1.0 / count)
    for _ in range(iterations):
        updated = (1 - damping) / count + damping * transition.T @ scores
        if np.abs(updated - scores).sum() < 1e-9:
            return updated
        scores = updated
    return scores


def mmr(vectors: np.ndarray, relevance: np.ndarray, *, count: int, diversity: float) -> list[int]:
    """Indexes by maximal marginal relevance: relevant, and unlike those already picked (best first)."""
    remaining = list(range(len(vectors)))
    if not remaining:
        return []
    spread = float(relevance.max() - relevance.min()) or 1.0
    scaled = (relevance - relevance.min()) / spread
    picked = [int(np.argmax(scaled))]
    remaining.remove(picked[0])
    while remaining and len(picked) < count:
        redundancy = (vectors[remaining] @ vectors[picked].T).max(axis=1)
        scores = (1 - diversity) * scaled[remaining] - diversity * redundancy
        best = remaining[int(np.argmax(scores))]
        picked.append(best)
        remaining.remove(best)
    return picked


def candidate_phrases(texts: Sequence[str], limit: int = MAX_CANDIDATES) -> Counter[str]:
    """1-3-word phrases of topic words found in ``texts`` and how often each is said, the most frequent first.

    Noun-ish without a tagger: no stopword, filler, number, adverb (-ly) or past participle (-ed) inside, and
    no common verb at the end ("the parser holds" gives "parser", not "parser holds").
    """
    counts: Counter[str] = Counter()
    for text in texts:
        for run in _topic_runs(text):
            for size in (1, 2, 3):
                for start in range(len(run) - size + 1):
                    words = run[start : start + size]
                    if words[-1] not in VERBS and (size > 1 or len(words[0]) > 2):
                        counts[" ".join(words)] += 1
    return Counter(dict(counts.most_common(limit)))


def _topic_runs(text: str) -> list[list[str]]:
    """Runs of consecutive topic words; a stopword, filler, number or punctuation ends a run."""
    runs: list[list[str]] = [[]]
    for piece in re.split(r"([.,;:!?()\"“”]|\s+)", text):
        if not piece or piece.isspace():
            continue
        token = piece.lower().strip("'")
        if _TOKEN.fullmatch(token) and token not in STOPWORDS and token not in FILLERS and not _inflected(token):
            runs[-1].append(token)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _inflected(token: str) -> bool:
    """An adverb (finally) or a past participle (assumed), but not a noun like speed or bed."""
    return len(token) > 4 and (token.endswith("ly") or (token.endswith("ed") and not token.endswith("eed")))


def title_from(keywords: Sequence[str], main: Sequence[SpeechSegment]) -> str:
    """The top keywords ("Borrow checker, lifetimes and traits"); else the first main sentence, shortened."""
    if keywords:
        top = list(keywords[:3])
        text = top[0] if len(top) == 1 else f"{', '.join(top[:-1])} and {top[-1]}"
        return text[:1].upper() + text[1:]
    return _shorten(main[0].text.strip(), 80) if main else ""


def rolled_context(keywords: Sequence[str], main: Sequence[SpeechSegment], previous: str, limit: int) -> str:
    """This clip's topics and central sentences first, then what came before, the oldest cut off at ``limit``."""
    parts = []
    if keywords:
        parts.append(f"Topics: {', '.join(keywords)}.")
    parts += [segment.text.strip() for segment in main]
    if previous.strip():
        parts.append(f"Before: {previous.strip()}")
    return _shorten(" ".join(parts), limit)


def highlights(sentences: Sequence[SpeechSegment], centrality: np.ndarray, count: int | None = None) -> list[dict]:
    """The most central, loudest or most exclaimed moments, ``HIGHLIGHT_SPACING`` apart, each with its reasons."""
    count = count or max(1, min(5, len(sentences) // 6))
    central = centrality / (centrality.max() or 1.0)
    loudness = [segment.loudness for segment in sentences]
    known = [value for value in loudness if value is not None]
    median = float(np.median(known)) if known else None
    scored = []
    for index, segment in enumerate(sentences):
        above = (loudness[index] - median) if median is not None and loudness[index] is not None else 0.0
        exclaimed = "!" in segment.text or bool(_INTERJECTIONS.search(segment.text))
        score = 0.5 * central[index] + 0.35 * float(np.clip(above / 10.0, 0.0, 1.0)) + 0.15 * exclaimed
        scored.append((score, index, above, exclaimed))
    chosen: list[tuple[float, int, float, bool]] = []
    for item in sorted(scored, key=lambda item: (-item[0], item[1])):
        segment = sentences[item[1]]
        if all(abs(segment.start - sentences[other[1]].start) >= HIGHLIGHT_SPACING for other in chosen):
            chosen.append(item)
        if len(chosen) == count:
            break
    return [_highlight(sentences[index], central[index], above, exclaimed) for _, index, above, exclaimed in chosen]


def _highlight(segment: SpeechSegment, central: float, above: float, exclaimed: bool) -> dict:
    reasons = [f"centrality {central:.2f} of the clip's most central sentence"]
    if above > 0.5:
        reasons.append(f"{above:.1f} dB louder than the clip's median")
    if exclaimed:
        reasons.append("an exclamation")
    return {
        "timestamp_start": segment.start,
        "timestamp_end": segment.end,
        "description": _shorten(segment.text.strip(), 200),
        "reasoning": "; ".join(reasons),
        "segments": [segment.index],
    }


def extractive_stream_summary(clips: Sequence[ClipDigest], *, stream_title: str = "") -> dict:
    """Title: the keywords most clips share (the earlier, the better); description: topics, then clip by clip."""
    weights: Counter[str] = Counter()
    for clip in clips:
        for rank, keyword in enumerate(clip.keywords):
            weights[keyword] += 1.0 / (rank + 1)
    top = [keyword for keyword, _ in weights.most_common(6)]
    title = title_from(top[:3], []) or stream_title
    lines = [f"Topics: {', '.join(top)}."] if top else []
    for clip in clips:
        if clip.title or clip.main_discussion:
            gist = _shorten(clip.main_discussion, 300)
            lines.append(f"{format_time(clip.start)} {clip.title}{': ' if clip.title and gist else ''}{gist}")
    return {"title": title[:200], "description": "\n".join(lines)}


def _main_count(sentences: int) -> int:
    return max(1, min(6, round(sentences**0.5)))


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _inside(small: str, large: str) -> bool:
    return small != large and f" {small} " in f" {large} "


def _normalised(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
