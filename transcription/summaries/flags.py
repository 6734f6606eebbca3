"""Moments to check, found by rule: doubtful transcription (Whisper's own measures) and things a streamer may
want to cut before publishing (profanity, e-mail addresses, phone numbers). Both engines use these: a rule is
cheaper and surer than a model at spotting an e-mail address. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from transcription.summaries.speech import SpeechSegment
from transcription.summaries.words import PROFANITY

# Whisper's own thresholds (transcribe.py): below this mean log-probability a decode is retried at a higher
# temperature; above this no-speech probability a window is taken for silence; above this gzip ratio the text
# is taken for a repetition loop.
LOGPROB_THRESHOLD = -1.0
NO_SPEECH_THRESHOLD = 0.6
COMPRESSION_RATIO_THRESHOLD = 2.4

ATTENTION_RULES = ("profanity", "email", "phone")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b", re.IGNORECASE)
# 7 to 15 digits, optionally grouped by spaces, dots, dashes or brackets, optionally with a leading +.
PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d(?:[\s.-]?\d){6,14}(?!\w)")


@dataclass(frozen=True)
class AttentionRules:
    """Which rules run (``ATTENTION_RULES``) and the profanity words (whole words, any case)."""

    rules: tuple[str, ...] = ATTENTION_RULES
    profanity: tuple[str, ...] = PROFANITY

    def __post_init__(self) -> None:
        unknown = set(self.rules) - set(ATTENTION_RULES)
        if unknown:
            raise ValueError(f"unknown attention rule(s) {', '.join(sorted(unknown))}; known: {ATTENTION_RULES}")


def transcription_errors(segments: Sequence[SpeechSegment]) -> list[dict]:
    """Runs of consecutive doubtful segments, each one entry citing its segments and saying which measure."""
    errors: list[dict] = []
    run: list[tuple[SpeechSegment, list[str]]] = []
    for segment in [*segments, None]:
        reasons = _doubts(segment) if segment is not None else []
        if reasons and (not run or segment.index == run[-1][0].index + 1):
            run.append((segment, reasons))
            continue
        if run:
            errors.append(_error(run))
        run = [(segment, reasons)] if reasons else []
    return errors


def _doubts(segment: SpeechSegment) -> list[str]:
    reasons = []
    if segment.avg_logprob is not None and segment.avg_logprob < LOGPROB_THRESHOLD:
        reasons.append(f"mean log-probability {segment.avg_logprob:.2f} < {LOGPROB_THRESHOLD}")
    if segment.no_speech_prob is not None and segment.no_speech_prob > NO_SPEECH_THRESHOLD:
        reasons.append(f"no-speech probability {segment.no_speech_prob:.2f} > {NO_SPEECH_THRESHOLD}")
    if segment.compression_ratio is not None and segment.compression_ratio > COMPRESSION_RATIO_THRESHOLD:
        reasons.append(f"compression ratio {segment.compression_ratio:.2f} > {COMPRESSION_RATIO_THRESHOLD}")
    return reasons


def _error(run: list[tuple[SpeechSegment, list[str]]]) -> dict:
    kinds = {reason.split(" ")[0] for _, reasons in run for reason in reasons}
    what = []
    if "mean" in kinds:
        what.append("the model was unsure of the words")
    if "no-speech" in kinds:
        what.append("it may be noise or music taken for speech")
    if "compression" in kinds:
        what.append("the text repeats itself, as a hallucinated loop does")
    quoted = " ".join(segment.text.strip() for segment, _ in run)
    return {
        "timestamp_start": run[0][0].start,
        "description": f"Check “{_shorten(quoted, 160)}”: {'; '.join(what)}.",
        "reasoning": "; ".join(f"segment {segment.index}: {', '.join(reasons)}" for segment, reasons in run),
        "segments": [segment.index for segment, _ in run],
    }


def attentions(segments: Sequence[SpeechSegment], rules: AttentionRules) -> list[dict]:
    """One entry per segment and rule that matched, timed to the matched words where the words are known."""
    profanity = _word_pattern(rules.profanity) if "profanity" in rules.rules and rules.profanity else None
    found = []
    for segment in segments:
        for rule, pattern, label in (
            ("profanity", profanity, "Profanity"),
            ("email", EMAIL, "An e-mail address"),
            ("phone", PHONE, "A phone number"),
        ):
            if pattern is None or rule not in rules.rules:
                continue
            matches = [match.group(0) for match in pattern.finditer(segment.text)]
            if matches:
                start, end = _span_of(segment, matches)
                found.append(
                    {
                        "timestamp_start": start,
                        "timestamp_end": end,
                        "description": f"{label}: {', '.join(dict.fromkeys(matches))}",
                        "reasoning": _WHY[rule],
                        "segments": [segment.index],
                    }
                )
    return found


_WHY = {
    "profanity": "matches the profanity list (SUMMARY_PROFANITY_WORDS); mute or cut it for a family-friendly upload",
    "email": "looks like an e-mail address said or read out on stream: personal data to check before publishing",
    "phone": "looks like a phone number said or read out on stream: personal data to check before publishing",
}


def _word_pattern(words: Iterable[str]) -> re.Pattern:
    alternatives = "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _span_of(segment: SpeechSegment, matches: list[str]) -> tuple[float, float]:
    """From the first to the last word that is part of a match; the whole segment when words are unknown."""
    pieces = {piece.lower() for match in matches for piece in re.findall(r"\w+", match)}
    times = [
        (word["start"], word["end"])
        for word in segment.words
        if set(re.findall(r"\w+", str(word.get("word", "")).lower())) & pieces
    ]
    if not times:
        return segment.start, segment.end
    return min(start for start, _ in times), max(end for _, end in times)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
