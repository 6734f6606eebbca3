"""The shape of a clip summary and a stream summary (CONTRACTS.md §4), and the one validator every writer uses.

The JSON schemas are what an OpenAI-compatible endpoint is asked for in strict mode (every property required,
no others), so they use only the keywords strict mode accepts; the checks strict mode cannot express (times
not negative, an end not before its start, citations of segments that exist, lengths) follow in
``validate_clip_summary``. The engines' output, the streamer's edits through the API and the admin all pass
here before anything is stored. Pure: no Django.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Collection

from jsonschema import Draft202012Validator

MAX_TITLE = 200
MAX_TEXT = 20_000
MAX_ITEMS = 200
MAX_KEYWORDS = 50

_TEXT = {"type": "string"}
_TIME = {"type": "number", "description": "seconds on the stream timeline"}
_SEGMENTS = {
    "type": "array",
    "items": {"type": "integer"},
    "description": "indexes of the transcript segments this comes from",
}
_MOMENT = {
    "type": "object",
    "properties": {
        "timestamp_start": _TIME,
        "timestamp_end": _TIME,
        "description": _TEXT,
        "reasoning": _TEXT,
        "segments": _SEGMENTS,
    },
    "required": ["timestamp_start", "timestamp_end", "description", "reasoning", "segments"],
    "additionalProperties": False,
}
_ERROR = {
    "type": "object",
    "properties": {"timestamp_start": _TIME, "description": _TEXT, "reasoning": _TEXT, "segments": _SEGMENTS},
    "required": ["timestamp_start", "description", "reasoning", "segments"],
    "additionalProperties": False,
}
CLIP_FIELDS = (
    "title",
    "keywords",
    "summary_main_discussion",
    "summary_context",
    "highlights",
    "attentions",
    "transcription_errors",
)
CLIP_SUMMARY_SCHEMA: dict = {
    "type": "object",
    "properties": {
        "title": _TEXT,
        "keywords": {"type": "array", "items": _TEXT},
        "summary_main_discussion": _TEXT,
        "summary_context": {
            "type": "string",
            "description": "what the next clip needs to know of this one and the ones before it",
        },
        "highlights": {"type": "array", "items": _MOMENT},
        "attentions": {"type": "array", "items": _MOMENT},
        "transcription_errors": {"type": "array", "items": _ERROR},
    },
    "required": list(CLIP_FIELDS),
    "additionalProperties": False,
}
STREAM_FIELDS = ("title", "description")
STREAM_SUMMARY_SCHEMA: dict = {
    "type": "object",
    "properties": {"title": _TEXT, "description": _TEXT},
    "required": list(STREAM_FIELDS),
    "additionalProperties": False,
}

_CLIP_VALIDATOR = Draft202012Validator(CLIP_SUMMARY_SCHEMA)
_STREAM_VALIDATOR = Draft202012Validator(STREAM_SUMMARY_SCHEMA)


class SummaryInvalid(ValueError):
    """A summary that does not have the contract's shape; the message names the first problem's place."""


def empty_clip_summary(context: str = "") -> dict:
    """The summary of a clip without speech: nothing to say, and the context before it passed on unchanged."""
    return {
        "title": "",
        "keywords": [],
        "summary_main_discussion": "",
        "summary_context": context,
        "highlights": [],
        "attentions": [],
        "transcription_errors": [],
    }


def validate_clip_summary(data: object, *, segment_indexes: Collection[int] | None = None) -> dict:
    """``data`` as a clean clip summary, or ``SummaryInvalid`` naming what is wrong and where.

    ``segment_indexes``: the clip's transcript segments; a citation of any other is refused.
    """
    _check(_CLIP_VALIDATOR, data)
    summary = copy.deepcopy(data)
    _check_length("title", summary["title"], MAX_TITLE)
    for field in ("summary_main_discussion", "summary_context"):
        _check_length(field, summary[field], MAX_TEXT)
    if len(summary["keywords"]) > MAX_KEYWORDS:
        raise SummaryInvalid(f"keywords: at most {MAX_KEYWORDS}, got {len(summary['keywords'])}")
    for number, keyword in enumerate(summary["keywords"]):
        _check_length(f"keywords[{number}]", keyword, MAX_TITLE)
    summary["title"] = summary["title"].strip()
    summary["keywords"] = [keyword.strip() for keyword in summary["keywords"] if keyword.strip()]
    for field in ("highlights", "attentions", "transcription_errors"):
        items = summary[field]
        if len(items) > MAX_ITEMS:
            raise SummaryInvalid(f"{field}: at most {MAX_ITEMS} items, got {len(items)}")
        for number, item in enumerate(items):
            _check_item(f"{field}[{number}]", item, segment_indexes)
    return summary


def validate_stream_summary(data: object) -> dict:
    """``data`` as a clean stream summary (``title``, ``description``), or ``SummaryInvalid``."""
    _check(_STREAM_VALIDATOR, data)
    _check_length("title", data["title"], MAX_TITLE)
    _check_length("description", data["description"], MAX_TEXT)
    return {"title": data["title"].strip(), "description": data["description"].strip()}


def _check(validator: Draft202012Validator, data: object) -> None:
    error = next(iter(sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))), None)
    if error is None:
        return
    place = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path)
    raise SummaryInvalid(f"{place.lstrip('.') or 'summary'}: {error.message}")


def _check_length(place: str, text: str, limit: int) -> None:
    if len(text) > limit:
        raise SummaryInvalid(f"{place}: at most {limit} characters, got {len(text)}")
    # PostgreSQL stores neither a NUL nor half a surrogate pair, in text or in JSON.
    if "\x00" in text or any("\ud800" <= char <= "\udfff" for char in text):
        raise SummaryInvalid(f"{place}: contains a NUL character or an unpaired surrogate")


def _check_item(place: str, item: dict, segment_indexes: Collection[int] | None) -> None:
    start, end = item["timestamp_start"], item.get("timestamp_end", item["timestamp_start"])
    if not (math.isfinite(start) and math.isfinite(end)):
        raise SummaryInvalid(f"{place}: times must be finite numbers of seconds")
    if start < 0:
        raise SummaryInvalid(f"{place}.timestamp_start: must not be negative, got {start}")
    if end < start:
        raise SummaryInvalid(f"{place}.timestamp_end: {end} is before timestamp_start {start}")
    for field in ("description", "reasoning"):
        _check_length(f"{place}.{field}", item[field], MAX_TEXT)
    item["segments"] = [int(index) for index in item["segments"]]  # JSON Schema counts 3.0 as an integer
    unknown = [index for index in item["segments"] if segment_indexes is not None and index not in segment_indexes]
    if unknown or any(index < 0 for index in item["segments"]):
        raise SummaryInvalid(f"{place}.segments: no segment {(unknown or item['segments'])[0]} in this transcript")
