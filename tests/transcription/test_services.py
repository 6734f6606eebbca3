"""Transcribing the analysed speech sample with the real tiny.en model, stored per clip."""

import pytest
from django.test import override_settings

from streams.analysis.services import clip_analyse
from transcription.engines import TranscriptionTimeout, get_engine, loaded_engines
from transcription.models import Segment, Transcript
from transcription.services import TranscriptionError, transcript_create
from transcription.wer import word_error_rate

from .conftest import SPEECH_SPANS, SPEECH_TEXT

pytestmark = pytest.mark.django_db


def test_speech_of_a_clip_is_transcribed_with_segments_and_words(speech_stream):
    clip = speech_stream.clips.get()
    clip_analyse(clip_id=clip.id)
    seen = []

    transcript = transcript_create(clip_id=clip.id, progress=seen.append)

    assert transcript.language == "en"
    assert word_error_rate(SPEECH_TEXT, transcript.text) < 0.15
    assert "Building a house" in transcript.initial_prompt
    segments = list(transcript.segments.all())
    assert segments and [s.index for s in segments] == list(range(len(segments)))
    first = segments[0]
    assert {
        "start",
        "end",
        "text",
        "avg_logprob",
        "compression_ratio",
        "no_speech_prob",
        "temperature",
        "tokens",
    } <= set(first.as_dict())
    assert first.tokens and first.words and {"start", "end", "word", "probability"} == set(first.words[0])
    # every word lies in (padded) speech, none in the long silences between sentences
    for segment in segments:
        for word in segment.words:
            assert any(start - 0.3 <= word["start"] <= end + 0.3 for start, end in SPEECH_SPANS), word
    assert transcript.speech_seconds < 0.7 * clip.duration
    assert seen[-1] == 100 and seen == sorted(seen)


def test_rerun_replaces_the_transcript(speech_stream):
    clip = speech_stream.clips.get()
    clip_analyse(clip_id=clip.id)
    first = transcript_create(clip_id=clip.id)
    count = first.segments.count()

    second = transcript_create(clip_id=clip.id)

    assert second.id == first.id
    assert Transcript.objects.filter(clip=clip).count() == 1
    assert Segment.objects.filter(transcript__clip=clip).count() == count


def test_under_one_kib_of_audio_gives_an_empty_transcript_without_a_model(ingest, make_video):
    clip = ingest(make_video("blip.mp4", seconds=0.02, size="64x36", rate=10)).clips.get()
    clip_analyse(clip_id=clip.id)
    get_engine.cache_clear()

    transcript = transcript_create(clip_id=clip.id)

    assert transcript.text == "" and transcript.segments.count() == 0
    assert loaded_engines() == 0


def test_a_model_call_over_its_time_limit_fails_clearly(speech_stream):
    clip = speech_stream.clips.get()
    clip_analyse(clip_id=clip.id)
    with override_settings(WHISPER_CALL_TIME_LIMIT=0), pytest.raises(TranscriptionTimeout) as failure:
        transcript_create(clip_id=clip.id)
    assert "talk.mp4: Whisper on" in str(failure.value) and "time limit of 0 s" in str(failure.value)
    assert not Transcript.objects.filter(clip=clip).exists()


def test_a_clip_not_analysed_cannot_be_transcribed(speech_stream):
    clip = speech_stream.clips.get()
    with pytest.raises(TranscriptionError, match="talk.mp4: not analysed yet"):
        transcript_create(clip_id=clip.id)
