"""Per-series proposal settings: defaults, validation and the typed view the cores read (pure: no Django).

A series stores only what it changes (``Series.proposal_settings``, a JSON object); everything else
falls back to these defaults, so a new signal or setting never needs a data migration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

SIGNALS = ("loudness", "speech_rate", "chat", "chat_terms", "keywords", "sentiment", "summary")

DEFAULT_WEIGHTS = {
    "loudness": 1.0,
    "speech_rate": 0.6,
    "chat": 1.0,
    "chat_terms": 0.8,
    "keywords": 0.8,
    "sentiment": 0.3,
    "summary": 1.0,
}
# Emotes and phrases viewers type when something happens; matched case-insensitively on word edges.
DEFAULT_CHAT_TERMS = {
    "pogchamp": 1.0,
    "pog": 0.7,
    "poggers": 0.7,
    "lul": 0.7,
    "kekw": 0.8,
    "omegalul": 0.8,
    "clip it": 2.0,
    "clip that": 2.0,
}
# Phrases the streamer says at a moment worth clipping.
DEFAULT_KEYWORDS = {
    "clip it": 2.0,
    "clip that": 2.0,
    "no way": 1.0,
    "let's go": 1.0,
    "oh my god": 1.0,
    "what just happened": 1.0,
}

# name -> (default, lowest allowed, highest allowed)
NUMBERS: dict[str, tuple[float, float, float]] = {
    "min_silence": (60.0, 1.0, 3600.0),  # CONTRACTS.md §2: shorter silences do not split the stream
    "min_speech": (30.0, 1.0, 3600.0),  # shorter speaking spans are not proposed
    "window": (30.0, 5.0, 600.0),
    "step": (5.0, 1.0, 120.0),
    "baseline": (300.0, 30.0, 7200.0),  # seconds either side of a moment that count as its baseline
    "min_distance": (60.0, 0.0, 3600.0),  # between two highlights' peaks
    "pre_roll": (10.0, 0.0, 120.0),
    "post_roll": (5.0, 0.0, 120.0),
    "max_highlights": (20, 1, 500),
    "min_score": (1.0, 0.0, 100.0),  # fused score a window needs to become a highlight
    "max_chat_lag": (20.0, 0.0, 60.0),
    "mark_lag": (5.0, 0.0, 120.0),  # a !clip in chat marks the moment this long before it was sent
    "chapter_window": (60.0, 10.0, 600.0),
    "chapter_min": (120.0, 10.0, 3600.0),
}
INTEGERS = frozenset({"max_highlights"})
TABLES = {"weights": DEFAULT_WEIGHTS, "chat_terms": DEFAULT_CHAT_TERMS, "keywords": DEFAULT_KEYWORDS}


class SettingsError(ValueError):
    """Settings that cannot be used; ``problems`` names each bad key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ProposalSettings:
    min_silence: float = NUMBERS["min_silence"][0]
    min_speech: float = NUMBERS["min_speech"][0]
    window: float = NUMBERS["window"][0]
    step: float = NUMBERS["step"][0]
    baseline: float = NUMBERS["baseline"][0]
    min_distance: float = NUMBERS["min_distance"][0]
    pre_roll: float = NUMBERS["pre_roll"][0]
    post_roll: float = NUMBERS["post_roll"][0]
    max_highlights: int = int(NUMBERS["max_highlights"][0])
    min_score: float = NUMBERS["min_score"][0]
    max_chat_lag: float = NUMBERS["max_chat_lag"][0]
    mark_lag: float = NUMBERS["mark_lag"][0]
    chapter_window: float = NUMBERS["chapter_window"][0]
    chapter_min: float = NUMBERS["chapter_min"][0]
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    chat_terms: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_CHAT_TERMS))
    keywords: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_KEYWORDS))


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def settings_problems(raw) -> list[str]:
    """Every reason ``raw`` (a series' stored JSON) cannot be used, by key; empty when it can."""
    if raw in (None, {}):
        return []
    if not isinstance(raw, Mapping):
        return ["proposal settings must be a JSON object"]
    problems = []
    for key, value in raw.items():
        if key in NUMBERS:
            _, low, high = NUMBERS[key]
            if not _is_number(value) or (key in INTEGERS and value != int(value)):
                kind = "a whole number" if key in INTEGERS else "a number"
                problems.append(f"{key}: must be {kind}")
            elif not low <= value <= high:
                problems.append(f"{key}: must be between {low:g} and {high:g}, got {value:g}")
        elif key in TABLES:
            if not isinstance(value, Mapping):
                problems.append(f"{key}: must be an object of name: weight")
                continue
            for name, weight in value.items():
                if key == "weights" and name not in SIGNALS:
                    problems.append(f"weights.{name}: unknown signal (choose from {', '.join(SIGNALS)})")
                elif not str(name).strip():
                    problems.append(f"{key}: a term is empty")
                elif not _is_number(weight) or not 0 <= weight <= 100:
                    problems.append(f"{key}.{name}: weight must be a number from 0 to 100")
        else:
            problems.append(f"{key}: unknown setting (choose from {', '.join([*NUMBERS, *TABLES])})")
    if not problems:
        merged = {**{k: v[0] for k, v in NUMBERS.items()}, **{k: v for k, v in raw.items() if k in NUMBERS}}
        if merged["step"] > merged["window"]:
            problems.append(f"step ({merged['step']:g} s) must not exceed window ({merged['window']:g} s)")
    return problems


def proposal_settings(raw=None) -> ProposalSettings:
    """The defaults overlaid with ``raw``; ``SettingsError`` naming each bad key. Term tables replace the
    defaults' (a series that lists its own emotes means those), weights overlay them signal by signal."""
    problems = settings_problems(raw)
    if problems:
        raise SettingsError(problems)
    raw = dict(raw or {})
    values: dict = {key: int(v) if key in INTEGERS else float(v) for key, v in raw.items() if key in NUMBERS}
    values["weights"] = {**DEFAULT_WEIGHTS, **{k: float(v) for k, v in raw.get("weights", {}).items()}}
    for table in ("chat_terms", "keywords"):
        if table in raw:
            values[table] = {str(k).strip().lower(): float(v) for k, v in raw[table].items()}
    return ProposalSettings(**values)
