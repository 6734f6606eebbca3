"""Transcribing the analysed speech sample with the real tiny.en model, stored per clip."""

import pytest
from django.test import override_settings

from streams.analysis.services import clip_analyse
from transcription import engines
from transcription.engines import TranscriptionTimeout, get_engine, loaded_engines
from transcription.models import Segment, Transcript
from transcription.ranges import clip_ranges, pack_ranges
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


def test_a_talk_that_overflows_a_window_is_cut_at_a_pause_and_no_word_is_lost(
    ingest, make_video, two_talks, monkeypatch
):
    # given two 15 s talks whose sentences are half a second apart
    clip = ingest(make_video("talks.mkv", seconds=33, speech=two_talks, size="64x36", rate=5)).clips.get()
    analysis = clip_analyse(clip_id=clip.id)
    ranges = clip_ranges([tuple(span) for span in analysis.speech], analysis.duration)
    assert len(ranges) == 2 and len(analysis.pauses) == 6  # 3 between the 4 sentences of each talk
    packed = []
    # (25 s windows: two padded talks and a gap, 29.6 s, would fit Whisper's 30 s whole)
    monkeypatch.setattr(
        engines, "pack_ranges", lambda *a, **kw: packed.append(pack_ranges(*a, window=25.0, **kw)) or packed[-1]
    )

    transcript = transcript_create(clip_id=clip.id)

    # then the second talk is cut at a pause to fill the first window: 2 model inputs, not one per talk
    [windows] = packed
    assert [len(window.pieces) for window in windows] == [2, 1]
    cut = ranges[0][0] + windows[0].pieces[1].end  # the audio handed to the engine starts at the first range
    assert any(start < cut < end for start, end in analysis.pauses)
    # and both talks are there, each word once, in order, inside the speech
    assert word_error_rate(f"{SPEECH_TEXT} {SPEECH_TEXT}", transcript.text) < 0.1
    words = [word for segment in transcript.segments.all() for word in segment.words]
    assert [word["start"] for word in words] == sorted(word["start"] for word in words)
    assert all(any(start <= word["start"] <= word["end"] <= end for start, end in ranges) for word in words)


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
