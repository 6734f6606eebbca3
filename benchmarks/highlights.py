"""Highlight scoring on a generated 2-hour stream: does fusing the signals find the planted moments better
than any one signal does? (issue 12 §3)

The stream is generated as data, not media (the scoring core reads series, not audio): a loudness series
with drift and noise, word timestamps of ordinary talk with pauses, and a chat with a steady trickle.
Planted moments: 8 s of shouting (+9 dB), fast speech with a keyword, and a chat burst with emotes a few
seconds later. Decoys, each fooling one or two signals: loud music with nobody talking and a quiet chat;
a raid's emote spam over a quiet "be right back" stretch; a sponsor read fast; a keyword said in passing;
a cheerful chat conversation. Prints precision@10 and recall of the planted moments for the fused score
and for each signal alone (the summary signal is left out: no summary engine in this benchmark), and the
seconds of compute per hour of stream. Goal: fused P@10 >= 0.9, above every single signal.

    python benchmarks/highlights.py [--seed 7] [--hours 2]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from episodes.proposals.config import SIGNALS, proposal_settings  # noqa: E402
from episodes.proposals.highlights import stream_highlights  # noqa: E402
from episodes.proposals.signals import ChatEvent, StreamData  # noqa: E402

VOCABULARY = (
    "so the build goes here and then we need more wood for the roof maybe some stone too the chat says "
    "left but I think right is better we tried that yesterday and it worked out fine let me check the map"
).split()
CHAT_LINES = ("hi", "lol", "nice", "gg", "what is that", "hello from france", "how long is the stream", "true", "o7")
HYPE = ("PogChamp", "KEKW", "clip it", "LUL", "POGGERS", "no way", "PogChamp PogChamp", "OMEGALUL")
KEYWORDS = ("clip it", "no way", "let's go", "oh my god")
MOMENT_SECONDS = 8.0
CHAT_LAG = 7.0


def generate(seed: int, hours: float) -> tuple[StreamData, list[float], dict[str, list[float]]]:
    """The stream, the planted moments' start times, and each kind of decoy's start times."""
    rng = random.Random(seed)
    duration = hours * 3600.0
    seconds = int(duration)
    loudness = [-26.0 + 3.0 * ((s / seconds) - 0.5) + rng.gauss(0, 2.0) for s in range(seconds)]
    talking = [True] * seconds
    pause = 0
    for s in range(seconds):  # pauses of 2-15 s between stretches of talk
        if pause == 0 and rng.random() < 0.02:
            pause = rng.randint(2, 15)
        if pause:
            talking[s] = False
            loudness[s] -= 12
            pause -= 1

    slots = list(range(120, seconds - 120, 150))
    rng.shuffle(slots)
    per_hour = max(1, round(hours))
    planted = sorted(slots[: 6 * per_hour])
    kinds = ("loud music", "raid spam", "fast read", "keyword in passing", "cheerful chat")
    first = 6 * per_hour
    decoys = {
        kind: sorted(slots[first + 3 * per_hour * i : first + 3 * per_hour * (i + 1)]) for i, kind in enumerate(kinds)
    }
    rate = {s: 2.3 for s in range(seconds)}  # words per second when talking
    words: list[tuple[float, str]] = []
    said_at: list[tuple[float, str]] = []
    chat: list[ChatEvent] = []

    for start in planted:
        for s in range(start, start + int(MOMENT_SECONDS)):
            loudness[s] = -26.0 + 9.0 + rng.gauss(0, 1.0)
            talking[s] = True
            rate[s] = 4.2
        said_at.append((start + 2.0, rng.choice(KEYWORDS)))
        burst_start = start + CHAT_LAG + rng.uniform(-2, 2)
        for _ in range(rng.randint(30, 45)):
            chat.append(ChatEvent(burst_start + rng.expovariate(1 / 5.0), f"v{rng.randint(0, 400)}", rng.choice(HYPE)))
    for start in decoys["loud music"]:
        for s in range(start, start + 40):
            loudness[s] = -26.0 + 11.0 + rng.gauss(0, 1.0)
            talking[s] = False
    for start in decoys["raid spam"]:
        for s in range(start, start + 60):
            loudness[s] = -50.0 + rng.gauss(0, 1.0)
            talking[s] = False
        for _ in range(rng.randint(60, 90)):
            chat.append(ChatEvent(start + rng.uniform(0, 40), f"raider{rng.randint(0, 200)}", rng.choice(HYPE)))
    for start in decoys["fast read"]:
        for s in range(start, start + 40):
            talking[s] = True
            rate[s] = 4.5
    for start in decoys["keyword in passing"]:
        said_at.append((start + 5.0, rng.choice(KEYWORDS)))
    for start in decoys["cheerful chat"]:
        for _ in range(rng.randint(12, 18)):
            line = rng.choice(("I love this stream", "great job, amazing", "this is awesome <3", "so good!!"))
            chat.append(ChatEvent(start + rng.uniform(0, 30), f"fan{rng.randint(0, 30)}", line))

    for s in range(seconds):
        if talking[s]:
            for _ in range(_poisson(rng, rate[s])):
                words.append((s + rng.random(), rng.choice(VOCABULARY)))
    for at, phrase in said_at:
        span = (at - 0.05, at + 0.3 * len(phrase.split()))
        words = [(t, w) for t, w in words if not span[0] <= t <= span[1]]  # the phrase said without interruption
        for offset, word in enumerate(phrase.split()):
            words.append((at + 0.3 * offset, word.capitalize() + "!"))
    at = 0.0
    while True:
        at += rng.expovariate(0.4)
        if at >= duration:
            break
        chat.append(ChatEvent(at, f"regular{rng.randint(0, 60)}", rng.choice(CHAT_LINES)))
    words.sort()
    chat.sort(key=lambda event: event.at)
    return StreamData(duration=duration, loudness=loudness, words=words, chat=chat), planted, decoys


def _poisson(rng: random.Random, mean: float) -> int:
    count, total = 0, rng.expovariate(1.0)
    while total < mean:
        count += 1
        total += rng.expovariate(1.0)
    return count


def evaluate(highlights, planted: list[float], *, k: int = 10) -> tuple[float, float]:
    """Precision of the top ``k`` (a planted moment counts once) and recall of all planted moments."""
    centres = [start + MOMENT_SECONDS / 2 for start in planted]

    def hit(highlight) -> int | None:
        return next((i for i, c in enumerate(centres) if highlight.start <= c <= highlight.end), None)

    found: set[int] = set()
    top_hits = 0
    for rank, highlight in enumerate(highlights):
        index = hit(highlight)
        if index is not None and index not in found:
            found.add(index)
            top_hits += rank < k
    return top_hits / k, len(found) / len(planted)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hours", type=float, default=2.0)
    args = parser.parse_args()

    data, planted, decoys = generate(args.seed, args.hours)
    print(
        f"stream: {args.hours:g} h, {len(data.words)} words, {len(data.chat)} chat messages, "
        f"{len(planted)} planted moments, decoys: " + ", ".join(f"{len(v)} {k}" for k, v in decoys.items())
    )
    base = proposal_settings({"max_highlights": 3 * len(planted), "min_score": 0.0})
    began = time.process_time()
    fused, scores = stream_highlights(data, base)
    compute = time.process_time() - began
    rows = [("fused", *evaluate(fused, planted))]
    for signal in (s for s in SIGNALS if s != "summary"):
        alone = replace(base, weights={name: float(name == signal) for name in SIGNALS})
        rows.append((signal, *evaluate(stream_highlights(data, alone)[0], planted)))
    print(f"chat lag estimated: {scores.chat_lag} s (planted: {CHAT_LAG:g} s ± 2 s)")
    print(f"{'signal':<12} {'P@10':>6} {'recall':>7}")
    for name, precision, recall in rows:
        print(f"{name:<12} {precision:>6.2f} {recall:>7.2f}")
    best_single = max(precision for name, precision, _ in rows[1:])
    print(f"seconds of compute per hour of stream: {compute / (data.duration / 3600):.3f}")
    print(f"top fused: {fused[0].reason}" if fused else "no highlights")
    goal = rows[0][1] >= 0.9 and rows[0][1] > best_single
    verdict = "met" if goal else "NOT met"
    print(f"goal (fused P@10 >= 0.9 and above every single signal, best single {best_single:.2f}): {verdict}")
    return 0 if goal else 1


if __name__ == "__main__":
    sys.exit(main())
