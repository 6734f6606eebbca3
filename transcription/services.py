"""Transcribing a clip's speech and storing it; a re-run replaces the transcript, never appends."""

from __future__ import annotations

import time
import wave
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pipeline.media import local_path
from streams.analysis.decode import read_wav
from streams.analysis.models import ClipAnalysis
from streams.models import Stream, VideoClip
from transcription.engines import Engine, SegmentResult, get_engine, run_model_call
from transcription.models import Segment, Transcript
from transcription.quality import is_implausibly_fast
from transcription.ranges import Window, clip_ranges, plan_windows

MIN_AUDIO_BYTES = 1024


class TranscriptionError(RuntimeError):
    """The clip cannot be transcribed; the message names the clip and the reason."""


def engine_from_settings() -> Engine:
    """The configured engine, loaded once per worker process (``get_engine`` caches it)."""
    options: dict = {
        "max_new_tokens": settings.WHISPER_MAX_NEW_TOKENS or None,
        "temperature": tuple(settings.WHISPER_TEMPERATURE) or None,
    }
    if settings.WHISPER_ENGINE == "faster-whisper":
        options.update(compute_type=settings.WHISPER_COMPUTE_TYPE, batch_size=settings.WHISPER_BATCH_SIZE)
    return get_engine(settings.WHISPER_ENGINE, settings.WHISPER_MODEL, settings.WHISPER_DEVICE, **options)


def initial_prompt_for(stream: Stream) -> str:
    """Whisper spells names better when told what the talk is about: the stream's title and date."""
    when = stream.recorded_at or stream.created_at
    date = f", streamed on {timezone.localtime(when):%B %d, %Y}" if when else ""
    return f"{stream.title}{date}."


def _speech_done(window: Window, until: float) -> float:
    """Seconds of the window's ranges before ``until`` (window time): progress by audio done."""
    return sum(max(0.0, min(end, until) - start) for start, end in window.relative_ranges())


def transcript_create(*, clip_id: int, progress: Callable[[float], None] | None = None) -> Transcript:
    """Transcribe only the speech spans of a clip's analysed audio and store language, text and segments."""
    clip = VideoClip.objects.select_related("stream").get(id=clip_id)
    analysis = ClipAnalysis.objects.filter(clip=clip).first()
    if analysis is None or not analysis.audio:
        raise TranscriptionError(f"{clip.original_name}: not analysed yet (run the analyse step first)")
    prompt = initial_prompt_for(clip.stream)
    ranges = clip_ranges([tuple(span) for span in analysis.speech], analysis.duration, pad=settings.WHISPER_RANGE_PAD)
    pauses = [tuple(pause) for pause in analysis.pauses]
    started = time.monotonic()
    with local_path(analysis.audio) as wav_path:
        with wave.open(str(wav_path), "rb") as wav:
            audio_bytes = wav.getnframes() * wav.getsampwidth() * wav.getnchannels()
        if audio_bytes < MIN_AUDIO_BYTES or not ranges:
            # Nothing worth a model: skip loading it at all.
            return _store(clip, language="", segments=[], prompt=prompt, engine=None, speech=0.0, took=0.0)
        engine = engine_from_settings()
        windows = plan_windows(ranges, max_span=settings.WHISPER_WINDOW_SECONDS)
        total = sum(window.speech_seconds for window in windows) or 1.0
        done, language, segments = 0.0, "", []
        for window in windows:
            audio = read_wav(wav_path, start=window.start, end=window.end)

            def report(segment: SegmentResult, window=window, done=done) -> None:
                if progress:
                    progress((done + _speech_done(window, segment.end)) / total * 100)

            language, found = run_model_call(
                lambda audio=audio, window=window: engine.segments(
                    audio,
                    ranges=window.relative_ranges(),
                    pauses=window.relative(pauses),
                    initial_prompt=prompt,
                    language=clip.stream.language or None,
                ),
                time_limit=settings.WHISPER_CALL_TIME_LIMIT,
                on_segment=report,
                what=f"{clip.original_name}: Whisper on {window.start:.1f}-{window.end:.1f} s",
            )
            segments += [segment.shifted(window.start) for segment in found]
            done += window.speech_seconds
            if progress:
                progress(done / total * 100)
    return _store(
        clip,
        language=language,
        segments=segments,
        prompt=prompt,
        engine=engine,
        speech=round(sum(end - start for start, end in ranges), 3),
        took=round(time.monotonic() - started, 3),
    )


def _store(
    clip: VideoClip,
    *,
    language: str,
    segments: list[SegmentResult],
    prompt: str,
    engine: Engine | None,
    speech: float,
    took: float,
) -> Transcript:
    kept = [
        segment
        for segment in segments
        if segment.text
        and not is_implausibly_fast(
            start=segment.start, end=segment.end, text=segment.text, word_count=len(segment.words)
        )
    ]
    with transaction.atomic():
        transcript, _ = Transcript.objects.update_or_create(
            clip=clip,
            defaults={
                "language": language,
                "text": " ".join(segment.text for segment in kept),
                "engine": engine.name if engine else "",
                "model_name": engine.model_name if engine else "",
                "initial_prompt": prompt,
                "speech_seconds": speech,
                "processing_seconds": took,
            },
        )
        transcript.segments.all().delete()
        Segment.objects.bulk_create(
            Segment(
                transcript=transcript,
                index=index,
                start=segment.start,
                end=segment.end,
                text=segment.text,
                avg_logprob=segment.avg_logprob,
                compression_ratio=segment.compression_ratio,
                no_speech_prob=segment.no_speech_prob,
                temperature=segment.temperature,
                tokens=segment.tokens,
                words=segment.words,
            )
            for index, segment in enumerate(kept)
        )
    return transcript
