"""Speech-only transcription against whole-file transcription, same engine and model, in one run.

Builds an N-minute mic-track recording of which about 25% is speech: each minute holds one talk (the four
sentences of ``samples/speech.ogg``, about 15 s) and then room sound below -48 dBFS, in two versions: a
quiet room (mains hum and hiss) and a room where game music from the speakers bleeds into the mic. Then:

- speech-only: the project's path (silence analysis -> speech spans -> padded clip ranges, packed into
  30 s windows, a talk cut at a pause between sentences where it would overflow one -> Whisper on those
  windows only), timed without and with the analysis;
- whole file: the same engine and model on the whole recording (no analysis, so cut into equal windows);

and prints the ratio speech-only / whole file (for information: the whole file is not what a user would
run instead, and how fast it goes depends on how much it hallucinates in the silences; the anchor is the
peer below), the real-time factor of each engine
available (openai-whisper needs ``--openai-model``: a checkpoint path or a model name, as nothing is
bundled for it), and the word error rate of the default model on the committed speech sample.

Then, against the tool a user would pick instead (``--peer-minutes``, default 36; 0 skips it): a recording
of varied synthetic speech (``espeak-ng``, four voices, sentences drawn from a small grammar, about 120
utterances between gaps of room noise), transcribed by the project's transcribe step (speech spans from
the analysis, packed windows) and by faster-whisper's batched pipeline with its own Silero VAD, with the
same tiny.en model, int8, batch 8, word timestamps and initial prompt. Prints both times, the ratio
(target <= 1.0) and both word error rates (target: the project's equal or lower).

    python benchmarks/transcribe.py [--minutes 8] [--repeat 1] [--openai-model PATH] [--peer-minutes 36]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streams.analysis.decode import SAMPLE_RATE, pcm_chunks, read_wav, scan_audio  # noqa: E402
from transcription.engines import Engine, get_engine  # noqa: E402
from transcription.ranges import clip_ranges, pack_ranges  # noqa: E402
from transcription.wer import word_error_rate  # noqa: E402

SPEECH = ROOT / "samples" / "speech.ogg"
SPEECH_TEXT = (ROOT / "samples" / "speech.txt").read_text()


def sample_audio() -> np.ndarray:
    return np.concatenate([chunk.astype(np.float32) / 32768 for chunk in pcm_chunks(SPEECH)])


def talk() -> np.ndarray:
    """The sample's four sentences with half-second pauses: about 15 s of continuous talking."""
    audio = sample_audio()
    scan = scan_audio(SPEECH)
    pause = np.zeros(SAMPLE_RATE // 2, dtype=np.float32)
    return np.concatenate(
        [np.concatenate([audio[int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)], pause]) for a, b in scan.speech]
    )


def room(seconds: float, rng: np.random.Generator, *, bleed: bool) -> np.ndarray:
    """Mains hum and hiss; with ``bleed``, game music from the speakers too (chords every half second)."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    hum = 0.0012 * np.sin(2 * np.pi * 50 * t) + 0.0004 * np.sin(2 * np.pi * 150 * t)
    sound = hum + rng.normal(0, 0.0003, len(t))
    if bleed:
        roots = rng.choice([220.0, 246.9, 261.6, 293.7, 329.6, 349.2, 392.0], size=int(seconds * 2) + 1)
        root = roots[(t * 2).astype(int)]
        sound += 0.0003 * sum(np.sin(2 * np.pi * root * ratio * t) for ratio in (1.0, 1.25, 1.5))
    return sound.astype(np.float32)


def recording(minutes: int, *, bleed: bool) -> tuple[np.ndarray, float]:
    rng = np.random.default_rng(3)
    speech = talk()
    parts = []
    for _ in range(minutes):
        rest = 60 - 2.0 - len(speech) / SAMPLE_RATE
        parts += [room(2.0, rng, bleed=bleed), speech, room(rest, rng, bleed=bleed)]
    audio = np.concatenate(parts)
    return audio, len(speech) * minutes / len(audio)


def write_wav(path: Path, audio: np.ndarray) -> None:
    import wave

    with wave.open(str(path), "wb") as sink:
        sink.setnchannels(1)
        sink.setsampwidth(2)
        sink.setframerate(SAMPLE_RATE)
        sink.writeframes((np.clip(audio, -1, 1) * 32767).astype(np.int16).tobytes())


def transcribe(engine: Engine, audio: np.ndarray, ranges, pauses=()) -> tuple[float, str]:
    started = time.perf_counter()
    _, segments = engine.segments(audio, ranges=ranges, pauses=pauses, initial_prompt=None, language="en")
    text = " ".join(segment.text for segment in segments)
    return time.perf_counter() - started, text


def compare(engine: Engine, wav: Path, duration: float, repeat: int) -> dict:
    speech_only = uncut = whole = analysis = float("inf")
    for _ in range(repeat):  # interleaved: other load on the machine hits both alike
        started = time.perf_counter()
        scan = scan_audio(wav)
        analysis = min(analysis, time.perf_counter() - started)
        ranges = clip_ranges(scan.speech, scan.duration)
        audio = read_wav(wav)
        elapsed, speech_text = transcribe(engine, audio, ranges, scan.pauses)
        speech_only = min(speech_only, elapsed)
        elapsed, uncut_text = transcribe(engine, audio, ranges)
        uncut = min(uncut, elapsed)
        elapsed, whole_text = transcribe(engine, audio, [(0.0, duration)])
        whole = min(whole, elapsed)
    sent = sum(end - start for start, end in ranges)
    return {
        "speech_only": speech_only,
        "windows": len(pack_ranges(ranges, pauses=scan.pauses)),
        "uncut": uncut,
        "uncut_windows": len(pack_ranges(ranges)),
        "uncut_text": uncut_text,
        "whole": whole,
        "analysis": analysis,
        "sent": sent,
        "speech_text": speech_text,
        "whole_text": whole_text,
    }


GRAMMAR = {
    "open": ["Honestly,", "So,", "Okay,", "Well,", "Believe it or not,", "Last week,", "Listen,", ""],
    "subject": [
        "the new boss", "my teammate", "this weapon", "the final level", "our base", "the shop keeper",
        "that dragon", "the speedrun route", "my old keyboard", "the chat", "the developer", "this puzzle",
        "the map", "the engine", "the borrow checker", "the compiler", "the database", "my cat", "the storm",
        "the castle gate",
    ],
    "verb": [
        "destroyed", "helped", "confused", "surprised", "blocked", "ignored", "rebuilt", "found", "broke",
        "saved", "followed", "attacked", "opened", "moved", "repaired", "changed",
    ],
    "object": [
        "the whole team", "every player", "my save file", "the northern bridge", "a hidden treasure",
        "the last checkpoint", "three goblins", "the river crossing", "our plan", "the red door",
        "the garden wall", "my character", "the village market", "a secret tunnel", "the training room",
        "the frozen lake",
    ],
    "tail": [
        "yesterday evening", "before the update", "in the second round", "without any warning",
        "after midnight", "during the tournament", "right at the end", "on the hardest difficulty",
        "for no reason at all", "while we were talking", "in less than a minute", "near the old tower",
    ],
}
VOICES = ["en-us", "en-gb", "en-us+m3", "en-us+f2"]
PROMPT = "Let's play, streamed on December 02, 2026."  # what the transcribe step passes: title and date


def sentence(rng: np.random.Generator) -> str:
    words = [rng.choice(GRAMMAR[part]) for part in ("open", "subject", "verb", "object", "tail")]
    text = " ".join(word for word in words if word) + "."
    return text[0].upper() + text[1:]


def spoken(text: str, voice: str, speed: int, tmp: Path) -> np.ndarray:
    wav = tmp / "utterance.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav), text], check=True)
    return np.concatenate([chunk.astype(np.float32) / 32768 for chunk in pcm_chunks(wav)]) * 0.5


def varied_recording(minutes: float, seed: int = 11) -> tuple[np.ndarray, str, int]:
    """Utterances of one to four sentences in four voices at varied speeds, 1.5-25 s of room noise apart."""
    rng = np.random.default_rng(seed)
    parts, texts, at = [room(2.0, rng, bleed=False)], [], 2.0
    with tempfile.TemporaryDirectory() as tmp:
        while at < minutes * 60 - 40:
            text = " ".join(sentence(rng) for _ in range(rng.integers(1, 5)))
            audio = spoken(text, rng.choice(VOICES), int(rng.integers(150, 190)), Path(tmp))
            gap = float(rng.choice([rng.uniform(1.5, 4), rng.uniform(4, 25)]))
            parts += [audio, room(gap, rng, bleed=False)]
            texts.append(text)
            at += len(audio) / SAMPLE_RATE + gap
    return np.concatenate(parts), " ".join(texts), len(texts)


def peer_vad(engine, audio: np.ndarray) -> tuple[float, str]:
    """faster-whisper's batched pipeline with its built-in Silero VAD: what a user would run instead."""
    started = time.perf_counter()
    found, _ = engine.batched.transcribe(
        audio, batch_size=engine.batch_size, word_timestamps=True, vad_filter=True, language="en",
        initial_prompt=PROMPT,
    )
    text = " ".join(segment.text for segment in found)
    return time.perf_counter() - started, text


def compare_with_peer(minutes: float, repeat: int, device: str) -> None:
    if not shutil.which("espeak-ng"):
        print("peer comparison skipped: it speaks its recording with espeak-ng (apt-get install espeak-ng)")
        return
    audio, expected, utterances = varied_recording(minutes)
    engine = get_engine("faster-whisper", "", device)
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "recording.wav"
        write_wav(wav, audio)
        scan = scan_audio(wav)  # the analysis step, which runs whether or not anything is transcribed
        ranges = clip_ranges(scan.speech, scan.duration)
        ours = peer = float("inf")
        for _ in range(repeat):  # interleaved: other load on the machine hits both alike
            started = time.perf_counter()
            _, segments = engine.segments(audio, ranges=ranges, pauses=scan.pauses, initial_prompt=PROMPT,
                                          language="en")
            ours_text = " ".join(segment.text for segment in segments)
            ours = min(ours, time.perf_counter() - started)
            elapsed, peer_text = peer_vad(engine, audio)
            peer = min(peer, elapsed)
    duration = len(audio) / SAMPLE_RATE
    print(f"varied speech: {duration / 60:.0f} min, {utterances} utterances (espeak-ng), "
          f"{Path(engine.model_name).name}, {engine.device}, batch {engine.batch_size}, word timestamps")
    print(f"  project transcribe step (speech spans, packed): {ours:7.2f} s   "
          f"WER {word_error_rate(expected, ours_text):.3f}")
    print(f"  faster-whisper batched + Silero VAD:             {peer:7.2f} s   "
          f"WER {word_error_rate(expected, peer_text):.3f}")
    print(f"  RATIO project / faster-whisper VAD = {ours / peer:.2f}   (target <= 1.0, at equal or lower WER)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=1, help="best of N for each timing")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--openai-model", help="openai-whisper checkpoint path or model name (none is bundled)")
    parser.add_argument("--peer-minutes", type=float, default=36, help="0 skips the faster-whisper VAD comparison")
    args = parser.parse_args()

    engines = [("faster-whisper", "")] + ([("openai-whisper", args.openai_model)] if args.openai_model else [])
    rooms = {"quiet room (hum, hiss)": False, "room with game music bleeding into the mic": True}
    for room_name, bleed in rooms.items():
        audio, speech_share = recording(args.minutes, bleed=bleed)
        print(f"recording: {args.minutes} min, {speech_share:.0%} speech, {room_name}; device {args.device}")
        run_engines(engines, audio, args)
    sample = sample_audio()
    scan = scan_audio(SPEECH)
    for name, model in engines:
        ranges = clip_ranges(scan.speech, scan.duration)
        _, text = transcribe(get_engine(name, model, args.device), sample, ranges, scan.pauses)
        print(f"{name}: WER on samples/speech.ogg (speech only): {word_error_rate(SPEECH_TEXT, text):.3f}")
    if not args.openai_model:
        print("openai-whisper: skipped, no checkpoint bundled (pass --openai-model PATH or a model name)")
    if args.peer_minutes:
        compare_with_peer(args.peer_minutes, args.repeat, args.device)


def run_engines(engines, audio: np.ndarray, args) -> None:
    duration = len(audio) / SAMPLE_RATE
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "recording.wav"
        write_wav(wav, audio)
        for name, model in engines:
            engine = get_engine(name, model, args.device)
            result = compare(engine, wav, duration, args.repeat)
            label = f"{name} ({Path(engine.model_name).name or engine.model_name}, {engine.device})"
            print(f"{label}:")
            print(f"  whole file:   {result['whole']:7.2f} s   RTF {result['whole'] / duration:.4f}")
            print(
                f"  speech only:  {result['speech_only']:7.2f} s   RTF {result['speech_only'] / duration:.4f}"
                f"   ({result['sent']:.0f} s of {duration:.0f} s sent to the model in {result['windows']} windows)"
            )
            print(
                f"  (speech only, talks not cut at pauses: {result['uncut']:.2f} s"
                f" in {result['uncut_windows']} windows, ratio {result['uncut'] / result['whole']:.2f})"
            )
            print(f"  analysis (silence detection, loudness, peaks): {result['analysis']:.2f} s")
            print(
                f"  ratio speech-only / whole file = {result['speech_only'] / result['whole']:.2f}"
                "   (for information; the anchor is the peer)"
            )
            print(
                f"  ratio including the analysis = {(result['speech_only'] + result['analysis']) / result['whole']:.2f}"
            )
            expected = " ".join([SPEECH_TEXT] * args.minutes)
            print(
                f"  WER on the recording: speech-only {word_error_rate(expected, result['speech_text']):.3f}, "
                f"talks not cut {word_error_rate(expected, result['uncut_text']):.3f}, "
                f"whole file {word_error_rate(expected, result['whole_text']):.3f}"
            )


if __name__ == "__main__":
    main()
