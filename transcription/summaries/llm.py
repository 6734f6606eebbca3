"""The summariser that asks a chat model (any OpenAI-compatible endpoint, through ``chat.ChatClient``).

The model sees the transcript as numbered lines with stream times, so it can cite segments; the times it
gives are then held inside the segments it cites (models are poor at arithmetic, good at pointing). A reply
is checked by the same validator as every other summary; a reply cut off by the token limit, not JSON, or not
the schema is retried once with the problem named, then the step fails: nothing invalid is returned.

A transcript longer than the context budget (``context_tokens``, counted as four characters a token) is
summarised part by part, each part's context rolled into the next, and the parts merged by one more call
(in rounds, if even the part summaries overflow the budget). The rule-based attentions and transcription
errors (``flags.py``) are added to the model's. Pure: no Django.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from transcription.summaries.chat import ChatClient, ChatReplyInvalid
from transcription.summaries.flags import AttentionRules, attentions, transcription_errors
from transcription.summaries.schema import (
    CLIP_SUMMARY_SCHEMA,
    STREAM_SUMMARY_SCHEMA,
    SummaryInvalid,
    empty_clip_summary,
    validate_clip_summary,
    validate_stream_summary,
)
from transcription.summaries.speech import ClipDigest, ClipSpeech, Progress, SpeechSegment, format_time

CHARS_PER_TOKEN = 4
PROMPT_RESERVE = 1500  # characters of instructions and context around the transcript in one request

SYSTEM = (
    "You summarise one recording (a clip) of a live stream for the streamer who made it, from its transcript."
    " Transcript lines look like `[7] 0:12:03.4-0:12:09.9 text`: 7 is the segment's index, then its start and end"
    " on the stream timeline. Write in the transcript's language. Reply with one JSON object only.\n"
    "- title: a short episode-style title for what is discussed.\n"
    "- keywords: up to 10 topics, most important first.\n"
    "- summary_main_discussion: what is talked about, in a few sentences.\n"
    "- summary_context: what someone summarising the next clip must know of this clip and the context given.\n"
    "- highlights: moments worth clipping (funny, exciting, insightful); attentions: moments to check before"
    " publishing (personal data, offensive or legally risky talk); transcription_errors: words that are"
    " probably mis-transcribed (timestamp_start, description of the likely error, reasoning).\n"
    "Every highlight, attention and error gives its times in seconds on the stream timeline (e.g. 723.4) and"
    " cites the indexes of the segments it comes from in `segments`."
)
MERGE_SCHEMA: dict = {
    "type": "object",
    "properties": {key: CLIP_SUMMARY_SCHEMA["properties"][key] for key in ("title", "keywords")}
    | {key: CLIP_SUMMARY_SCHEMA["properties"][key] for key in ("summary_main_discussion", "summary_context")},
    "required": ["title", "keywords", "summary_main_discussion", "summary_context"],
    "additionalProperties": False,
}


class SummaryFailed(RuntimeError):
    """The model could not produce a usable summary: the step fails with this message, nothing is stored."""


@dataclass
class ChatSummariser:
    client: ChatClient
    rules: AttentionRules = field(default_factory=AttentionRules)
    context_tokens: int = 6000
    name: str = "openai"

    @property
    def model_name(self) -> str:
        return self.client.model

    @property
    def budget(self) -> int:
        """Characters of transcript (or of part summaries) one request may carry."""
        return max(self.context_tokens * CHARS_PER_TOKEN - PROMPT_RESERVE, 500)

    def summarise_clip(self, clip: ClipSpeech, progress: Progress | None = None) -> dict:
        report = progress or (lambda _: None)
        spoken = [segment for segment in clip.segments if segment.text.strip()]
        if not spoken:
            report(100)
            return empty_clip_summary(clip.previous_context)
        parts = split_lines(spoken, self.budget)
        context, partials = clip.previous_context, []
        for number, part in enumerate(parts, start=1):
            partials.append(self._summarise_part(clip, part, context, number, len(parts)))
            context = partials[-1]["summary_context"]
            report(90 * number / len(parts))
        summary = partials[0] if len(partials) == 1 else self._merge(clip, partials)
        summary = _with_rules(summary, clip.segments, self.rules)
        report(100)
        return validate_clip_summary(summary, segment_indexes={segment.index for segment in clip.segments})

    def summarise_stream(self, clips: Sequence[ClipDigest], *, stream_title: str = "") -> dict:
        spoken = [clip for clip in clips if clip.title or clip.main_discussion]
        if not spoken:
            return {"title": stream_title, "description": ""}
        share = max(self.budget // len(spoken) - 100, 80)
        lines = "\n".join(
            f"{format_time(clip.start)} {clip.title} [{', '.join(clip.keywords)}]: {clip.main_discussion[:share]}"
            for clip in spoken
        )
        messages = [
            {
                "role": "system",
                "content": "From the summaries of a live stream's clips, draft the stream's title (short, catchy,"
                " accurate) and a description for its video page (a few sentences on what happens, then the"
                " main moments). Reply with one JSON object only.",
            },
            {"role": "user", "content": f"Stream: {stream_title}\nClips, at their stream times:\n{lines}"},
        ]
        return self._ask(messages, STREAM_SUMMARY_SCHEMA, "stream_summary", validate_stream_summary)

    def _summarise_part(
        self, clip: ClipSpeech, part: list[SpeechSegment], context: str, number: int, total: int
    ) -> dict:
        where = f" (part {number} of {total} of this clip)" if total > 1 else ""
        messages = [
            {"role": "system", "content": SYSTEM},
            {
                "role": "user",
                "content": f"Stream: {clip.stream_title}\nClip: {clip.clip_name}{where}\n"
                f"Context from before: {context or '(this is the start of the stream)'}\n\nTranscript:\n"
                + "\n".join(_line(segment) for segment in part),
            },
        ]
        by_index = {segment.index: segment for segment in part}

        def validate(data: dict) -> dict:
            return validate_clip_summary(_anchored(data, by_index), segment_indexes=by_index.keys())

        return self._ask(messages, CLIP_SUMMARY_SCHEMA, "clip_summary", validate)

    def _merge(self, clip: ClipSpeech, partials: list[dict]) -> dict:
        """One summary of the parts: the model merges the prose, the cited moments are kept as they are."""
        rounds = partials
        while True:
            groups = _groups([_prose(partial) for partial in rounds], self.budget)
            merged = [self._merge_prose(clip, group) for group in groups]
            if len(merged) == 1:
                break
            rounds = merged
        return merged[0] | {
            key: [item for partial in partials for item in partial[key]]
            for key in ("highlights", "attentions", "transcription_errors")
        }

    def _merge_prose(self, clip: ClipSpeech, group: list[str]) -> dict:
        if len(group) == 1:
            return json.loads(group[0])
        messages = [
            {
                "role": "system",
                "content": "Merge the summaries of consecutive parts of one clip of a live stream into one:"
                " a title, up to 10 keywords (most important first), the main discussion in a few sentences, and"
                " the context the next clip's summary needs. Reply with one JSON object only.",
            },
            {
                "role": "user",
                "content": f"Stream: {clip.stream_title}\nClip: {clip.clip_name}\nParts, in order:\n"
                + "\n".join(group),
            },
        ]
        return self._ask(messages, MERGE_SCHEMA, "clip_summary_merge", _validate_prose)

    def _ask(self, messages: list[dict], schema: dict, name: str, validate: Callable[[dict], dict]) -> dict:
        """The validated reply; one retry naming the problem, then ``SummaryFailed``."""
        for attempt in (1, 2):
            try:
                data = self.client.complete_json(messages, schema=schema, name=name)
                return validate(data)
            except ChatReplyInvalid as error:
                problem, truncated, content = str(error), error.truncated, error.content
            except SummaryInvalid as error:
                problem, truncated, content = f"it does not match the schema: {error}", False, json.dumps(data)
            if attempt == 2:
                raise SummaryFailed(
                    f"the summary model ({self.model_name}) gave an unusable reply twice: {problem}"
                    + (". Raise SUMMARY_MAX_TOKENS or lower SUMMARY_CONTEXT_TOKENS" if truncated else "")
                )
            messages = [*messages, *_repair(problem, truncated, content)]
        raise AssertionError("unreachable")  # pragma: no cover


def split_lines(segments: Sequence[SpeechSegment], budget: int) -> list[list[SpeechSegment]]:
    """Consecutive segments in parts of at most ``budget`` characters of transcript lines (a longer line alone)."""
    parts: list[list[SpeechSegment]] = [[]]
    used = 0
    for segment in segments:
        size = len(_line(segment)) + 1
        if parts[-1] and used + size > budget:
            parts.append([])
            used = 0
        parts[-1].append(segment)
        used += size
    return [part for part in parts if part]


def _line(segment: SpeechSegment) -> str:
    return f"[{segment.index}] {_clock(segment.start)}-{_clock(segment.end)} {segment.text.strip()}"


def _clock(seconds: float) -> str:
    return f"{format_time(seconds)}.{int(seconds * 10) % 10}"


def _anchored(data: object, by_index: dict[int, SpeechSegment]) -> object:
    """Each cited moment's times held inside the span of the segments it cites (when the shape allows)."""
    if not isinstance(data, dict):
        return data
    for key in ("highlights", "attentions", "transcription_errors"):
        for item in data.get(key) or []:
            if not isinstance(item, dict) or not isinstance(item.get("segments"), list):
                continue
            cited = [by_index[i] for i in item["segments"] if isinstance(i, int) and i in by_index]
            if not cited:
                continue
            low, high = min(s.start for s in cited), max(s.end for s in cited)
            for name in ("timestamp_start", "timestamp_end"):
                value = item.get(name)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    item[name] = round(min(max(float(value), low), high), 3)
            if isinstance(item.get("timestamp_end"), float) and item["timestamp_end"] < item["timestamp_start"]:
                item["timestamp_end"] = high
    return data


def _prose(summary: dict) -> str:
    return json.dumps({key: summary[key] for key in MERGE_SCHEMA["required"]}, ensure_ascii=False)


def _groups(texts: list[str], budget: int) -> list[list[str]]:
    """Consecutive texts in groups of at most ``budget`` characters, at least two to a group so merging ends."""
    groups: list[list[str]] = [[]]
    used = 0
    for text in texts:
        if len(groups[-1]) >= 2 and used + len(text) > budget:
            groups.append([])
            used = 0
        groups[-1].append(text)
        used += len(text)
    return groups


def _validate_prose(data: dict) -> dict:
    full = validate_clip_summary(data | {"highlights": [], "attentions": [], "transcription_errors": []})
    return {key: full[key] for key in MERGE_SCHEMA["required"]}


def _repair(problem: str, truncated: bool, content: str) -> list[dict]:
    if truncated:
        return [
            {
                "role": "user",
                "content": "Your reply was cut off by the token limit. Reply again, shorter: at most 5 items in each"
                " list, and a main discussion of at most 120 words.",
            }
        ]
    return [
        {"role": "assistant", "content": content[:4000]},
        {"role": "user", "content": f"That reply is unusable: {problem}. Reply again with only the JSON object."},
    ]


def _with_rules(summary: dict, segments: Sequence[SpeechSegment], rules: AttentionRules) -> dict:
    """The model's attentions and errors, plus the rules' findings on segments the model did not already cite."""
    result = dict(summary)
    for key, found in (
        ("attentions", attentions(segments, rules)),
        ("transcription_errors", transcription_errors(segments)),
    ):
        cited = {index for item in summary[key] for index in item["segments"]}
        extra = [item for item in found if not set(item["segments"]) <= cited]
        result[key] = sorted([*summary[key], *extra], key=lambda item: item["timestamp_start"])
    return result
