"""Summarising clips and streams, and the streamer's edits: the writes of the summaries (issue 11 §2).

A clip is summarised from its transcript's segments (speech only: silence never reaches the transcript), each
moved onto the stream timeline, with the context of the nearest earlier summarised clip rolled forward. The
clip that ends the stream then (re)builds the stream's title and description draft. A summary the streamer
edited is never replaced: a re-run keeps it, marks ``kept_edit`` and logs it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from streams.models import Stream, VideoClip
from transcription.models import Segment, Transcript
from transcription.search.services import clip_embed_again
from transcription.summaries.chat import ChatClient
from transcription.summaries.extractive import ExtractiveSummariser
from transcription.summaries.flags import AttentionRules
from transcription.summaries.llm import ChatSummariser
from transcription.summaries.models import ClipSummary, StreamSummary
from transcription.summaries.schema import CLIP_FIELDS, STREAM_FIELDS, validate_clip_summary, validate_stream_summary
from transcription.summaries.speech import ClipDigest, ClipSpeech, SpeechSegment, mean_loudness
from transcription.summaries.words import PROFANITY

log = logging.getLogger(__name__)

ENGINES = ("extractive", "openai")


class SummaryError(RuntimeError):
    """A clip or stream cannot be summarised as asked; the message says what to do."""


def summary_engine() -> ExtractiveSummariser | ChatSummariser:
    """The engine ``SUMMARY_ENGINE`` names, configured from settings."""
    try:
        rules = AttentionRules(
            rules=tuple(settings.SUMMARY_ATTENTION_RULES),
            profanity=tuple(settings.SUMMARY_PROFANITY_WORDS) or PROFANITY,
        )
    except ValueError as error:
        raise SummaryError(f"SUMMARY_ATTENTION_RULES: {error}") from None
    if settings.SUMMARY_ENGINE == "extractive":
        from transcription.search.embedders import local_embedder

        embedder = local_embedder()
        return ExtractiveSummariser(embed=embedder.embed, model_name=embedder.model_name, rules=rules)
    if settings.SUMMARY_ENGINE == "openai":
        client = ChatClient(
            base_url=settings.OPENAI_BASE_URL,
            api_key=settings.OPENAI_API_KEY,
            model=settings.SUMMARY_MODEL,
            timeout=settings.SUMMARY_CALL_TIME_LIMIT,
            max_tokens=settings.SUMMARY_MAX_TOKENS,
            retries=settings.SUMMARY_RETRIES,
            max_wait=settings.SUMMARY_RETRY_MAX_WAIT,
        )
        return ChatSummariser(client=client, rules=rules, context_tokens=settings.SUMMARY_CONTEXT_TOKENS)
    raise SummaryError(f"SUMMARY_ENGINE={settings.SUMMARY_ENGINE!r} is unknown: use one of {', '.join(ENGINES)}")


def clip_summarise(*, clip_id: int, progress: Callable[[float], None] | None = None) -> ClipSummary:
    """Summarise one clip's speech and replace its summary (unless the streamer edited it).

    When the clip is the stream's last, the stream's draft title and description are rebuilt as well.
    """
    report = progress or (lambda _: None)
    clip = VideoClip.objects.select_related("stream").get(id=clip_id)
    transcript = Transcript.objects.filter(clip=clip).first()
    if transcript is None:
        raise SummaryError(f"{clip.original_name} has no transcript: transcribe it first")
    existing = ClipSummary.objects.filter(clip=clip).first()
    if existing is not None and existing.edited_at is not None:
        summary = _keep_edit(existing)
    else:
        engine = summary_engine()
        speech = clip_speech(clip, transcript)
        data = engine.summarise_clip(speech, progress=lambda percent: report(0.9 * percent))
        summary = _replace_unless_edited(ClipSummary, {"clip": clip}, data, engine)
    if not clip.stream.clips.filter(order__gt=clip.order).exists():
        stream_summarise(stream_id=clip.stream_id)
    report(100)
    return summary


def clip_speech(clip: VideoClip, transcript: Transcript) -> ClipSpeech:
    """The clip's segments on the stream timeline (words too), their loudness, and the context before it."""
    offset = clip.start_time
    analysis = getattr(clip, "analysis", None)  # a reverse one-to-one: None when not analysed
    loudness = analysis.loudness if analysis is not None else []
    segments = [
        SpeechSegment(
            index=segment.index,
            start=round(segment.start + offset, 3),
            end=round(segment.end + offset, 3),
            text=segment.text,
            avg_logprob=segment.avg_logprob,
            compression_ratio=segment.compression_ratio,
            no_speech_prob=segment.no_speech_prob,
            words=tuple(
                {**word, "start": round(word["start"] + offset, 3), "end": round(word["end"] + offset, 3)}
                for word in segment.words
                if isinstance(word, dict) and "start" in word and "end" in word
            ),
            loudness=mean_loudness(loudness, segment.start, segment.end),
        )
        for segment in transcript.segments.order_by("index")
    ]
    return ClipSpeech(
        segments=segments,
        previous_context=previous_context(clip),
        stream_title=clip.stream.title,
        clip_name=clip.original_name,
        language=transcript.language,
    )


def previous_context(clip: VideoClip) -> str:
    """The context rolled forward by the nearest earlier clip of the stream that has a summary."""
    earlier = (
        ClipSummary.objects.filter(clip__stream_id=clip.stream_id, clip__order__lt=clip.order)
        .order_by("-clip__order")
        .values_list("summary_context", flat=True)
        .first()
    )
    return earlier or ""


def stream_summarise(*, stream_id: int) -> StreamSummary:
    """(Re)build the stream's draft title and description from its clips' summaries, unless it was edited."""
    stream = Stream.objects.get(id=stream_id)
    existing = StreamSummary.objects.filter(stream=stream).first()
    if existing is not None and existing.edited_at is not None:
        return _keep_edit(existing)
    engine = summary_engine()
    digests = [
        ClipDigest(
            start=summary.clip.start_time,
            title=summary.title,
            keywords=tuple(summary.keywords),
            main_discussion=summary.summary_main_discussion,
            highlights=tuple(item["description"] for item in summary.highlights),
        )
        for summary in ClipSummary.objects.filter(clip__stream=stream).select_related("clip").order_by("clip__order")
    ]
    data = validate_stream_summary(engine.summarise_stream(digests, stream_title=stream.title))
    return _replace_unless_edited(StreamSummary, {"stream": stream}, data, engine)


def _replace_unless_edited(model: type[ClipSummary | StreamSummary], key: dict, data: dict, engine):
    """Store the engine's summary, unless the streamer edited the row while the engine was working."""
    with transaction.atomic():
        current = model.objects.select_for_update().filter(**key).first()
        if current is not None and current.edited_at is not None:
            return _keep_edit(current)
        summary, _ = model.objects.update_or_create(
            **key, defaults={**data, "engine": engine.name, "model_name": engine.model_name, "kept_edit": False}
        )
    return summary


def _keep_edit(summary: ClipSummary | StreamSummary):
    log.info("%s was edited by the streamer at %s: kept, not replaced", summary, summary.edited_at)
    summary.kept_edit = True
    summary.save(update_fields=["kept_edit", "updated_at"])
    return summary


def clip_summary_edit(*, summary: ClipSummary, changes: dict) -> ClipSummary:
    """The streamer's change to some of a clip summary's fields, checked whole; a re-run will keep it.

    Raises ``SummaryInvalid`` (a ``ValueError``) naming the first problem; nothing is saved then.
    """
    unknown = set(changes) - set(CLIP_FIELDS)
    if unknown:
        raise SummaryError(f"cannot edit {', '.join(sorted(unknown))}; editable: {', '.join(CLIP_FIELDS)}")
    indexes = set(Segment.objects.filter(transcript__clip_id=summary.clip_id).values_list("index", flat=True))
    clean = validate_clip_summary(summary.as_dict() | changes, segment_indexes=indexes)
    for name in CLIP_FIELDS:
        setattr(summary, name, clean[name])
    summary.edited_at = timezone.now()
    summary.kept_edit = False
    summary.save()
    clip_embed_again(clip=summary.clip)  # the clip's summary row says what the streamer wrote
    return summary


def stream_summary_edit(*, summary: StreamSummary, changes: dict) -> StreamSummary:
    """The streamer's change to the stream's draft title or description; a re-run will keep it."""
    unknown = set(changes) - set(STREAM_FIELDS)
    if unknown:
        raise SummaryError(f"cannot edit {', '.join(sorted(unknown))}; editable: {', '.join(STREAM_FIELDS)}")
    clean = validate_stream_summary({"title": summary.title, "description": summary.description} | changes)
    summary.title, summary.description = clean["title"], clean["description"]
    summary.edited_at = timezone.now()
    summary.kept_edit = False
    summary.save()
    return summary
