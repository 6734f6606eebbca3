"""Seconds per hour of transcript for the offline (extractive) summariser on this machine's CPU (or GPU).

Generates an hour of stream talk (about 150 words a minute, in 5 s segments like the transcriber's) in clips of
``--clip-minutes``, then summarises them in order with the bundled all-MiniLM-L6-v2, the context rolling on, as
the summarise step does. The model's load time is printed apart: a worker pays it once.

    python benchmarks/summarise.py [--hours 1] [--clip-minutes 15]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from transcription.search.embedders import local_embedder  # noqa: E402
from transcription.summaries.extractive import ExtractiveSummariser  # noqa: E402
from transcription.summaries.speech import ClipSpeech, SpeechSegment  # noqa: E402

TOPICS = [
    ("borrow checker", "lifetimes", "parser", "tokenizer", "buffer"),
    ("greenhouse", "tomato seedlings", "compost", "watering", "raised beds"),
    ("boss fight", "speedrun route", "inventory", "save point", "checkpoint"),
    ("chicken coop", "pallet wood", "roof sheets", "ventilation", "door hinge"),
]
TEMPLATES = [
    "So now we look at the {a} again because the {b} is acting up.",
    "Chat asks about the {a}, and honestly the {a} is the tricky part here.",
    "If the {b} works we can move on to the {c} after that.",
    "Oh wow, the {a} finally works with the {c}!",
    "Let me explain why the {b} matters so much for the {a}.",
    "We keep the {c} simple for now and come back to it later.",
]


def hour_of_talk(hours: float, clip_minutes: float, seed: int = 7) -> list[list[SpeechSegment]]:
    rng = random.Random(seed)
    segments_per_clip = int(clip_minutes * 60 / 5)
    clips, start = [], 0.0
    for number in range(max(1, round(hours * 60 / clip_minutes))):
        topic = TOPICS[number % len(TOPICS)]
        clip = []
        for index in range(segments_per_clip):
            a, b, c = rng.sample(topic, 3)
            text = " ".join(rng.choice(TEMPLATES).format(a=a, b=b, c=c) for _ in range(2))  # ~12 words/5 s
            loudness = rng.uniform(-32, -18)
            clip.append(SpeechSegment(index, start, start + 4.8, text, -0.3, 1.4, 0.02, (), loudness))
            start += 5.0
        clips.append(clip)
    return clips


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--clip-minutes", type=float, default=15.0)
    args = parser.parse_args()

    embedder = local_embedder()
    began = time.perf_counter()
    embedder.embed(["warm up"])
    print(f"model load: {time.perf_counter() - began:.1f} s")
    engine = ExtractiveSummariser(embed=embedder.embed, model_name=embedder.model_name)
    clips = hour_of_talk(args.hours, args.clip_minutes)
    context, began = "", time.perf_counter()
    for clip in clips:
        summary = engine.summarise_clip(ClipSpeech(segments=clip, previous_context=context))
        context = summary["summary_context"]
    seconds = time.perf_counter() - began
    segments = sum(len(clip) for clip in clips)
    print(f"transcript: {args.hours:g} h, {len(clips)} clips, {segments} segments")
    print(f"last title: {summary['title']!r}")
    print(f"offline summariser: {seconds:.1f} s, {seconds / args.hours:.1f} s per hour of transcript")
    return 0


if __name__ == "__main__":
    sys.exit(main())
