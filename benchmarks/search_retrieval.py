"""Does hybrid search find the right moment? Recall@5 and MRR of vector-only, text-only and hybrid search.

A corpus of stream transcripts with known answers: 42 passages a streamer would look for, each asked for
twice, once by a name or the exact words said (what full-text is good at) and once paraphrased, in words the
passage does not use (what the embedding is good at); around them, ordinary stream chatter, part of it
sharing words with the answers; and, by default, 20 hours of other streams whose viewers' handles, error
codes and part numbers are look-alikes of the names asked for (``--archive-hours``; 0 leaves only the 84
windows around the answers, where vector search alone already finds every name). Windows are embedded by
the real all-MiniLM-L6-v2 and searched by the project's own ``search()`` in a separate embedded PostgreSQL
(``var/bench-retrieval``). Goal (issue 11 §4): hybrid beats both.

    python benchmarks/search_retrieval.py [--archive-hours 20] [--sweep]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.search import _database  # noqa: E402

# (stream, passage, exact words or a name, a paraphrase sharing no content word with the passage)
ANSWERS = [
    (
        "Elden Ring blind run",
        "Malenia just did the waterfowl dance again and I lost every flask, that is attempt forty.",
        "Malenia waterfowl dance",
        "the boss whose flurry attack keeps killing me",
    ),
    (
        "Elden Ring blind run",
        "I finally picked up the Rivers of Blood katana from the cave near the giant bridge.",
        "Rivers of Blood",
        "getting a new bleeding sword",
    ),
    (
        "Elden Ring blind run",
        "Let's summon the Mimic Tear ashes, they copy my whole build and tank for me.",
        "Mimic Tear",
        "a spirit helper that clones my character",
    ),
    (
        "Elden Ring blind run",
        "The poison swamp in Caelid is absolutely disgusting, everything here rots.",
        "Caelid swamp",
        "that awful toxic marsh area",
    ),
    (
        "Rust parser rewrite",
        "The borrow checker rejects this because the iterator still holds a shared reference.",
        "borrow checker",
        "compiler refusing my code over ownership rules",
    ),
    (
        "Rust parser rewrite",
        "We switch the runtime to Tokio so the lexer can stream tokens asynchronously.",
        "Tokio runtime",
        "moving to an async executor library",
    ),
    (
        "Rust parser rewrite",
        "Clippy says this clone is redundant, so let me delete it and rerun the lints.",
        "Clippy redundant clone",
        "the linter complaining about an unnecessary copy",
    ),
    (
        "Rust parser rewrite",
        "Serde derives the deserializer for the config file, no manual parsing needed.",
        "Serde deserializer",
        "reading settings from a file automatically",
    ),
    (
        "Rust parser rewrite",
        "I benchmarked it with Criterion and the new tokenizer is three times faster.",
        "Criterion benchmark",
        "measuring that the code got quicker",
    ),
    (
        "Sunday cooking stream",
        "The garlic bread is completely burnt, the smoke alarm is going off, sorry chat.",
        "garlic bread burnt",
        "I ruined the toast and the fire detector started beeping",
    ),
    (
        "Sunday cooking stream",
        "Knead the sourdough for ten minutes until the gluten gets stretchy.",
        "knead the sourdough",
        "working the dough with my hands",
    ),
    (
        "Sunday cooking stream",
        "This carbonara has no cream, only eggs, pecorino and guanciale.",
        "carbonara pecorino guanciale",
        "the authentic Roman pasta recipe",
    ),
    (
        "Sunday cooking stream",
        "My cast iron skillet needs seasoning again after the tomato sauce.",
        "cast iron skillet seasoning",
        "re-oiling the heavy pan",
    ),
    (
        "Chess with viewers",
        "He played the Sicilian Defense, Najdorf variation, so I go for the English Attack.",
        "Sicilian Najdorf",
        "an aggressive reply to king pawn openings",
    ),
    (
        "Chess with viewers",
        "Oh no, I hung my queen to a knight fork on f7, that is game over.",
        "knight fork",
        "I blundered my strongest piece",
    ),
    (
        "Chess with viewers",
        "Magnus Carlsen would never castle this late, but here we are.",
        "Magnus Carlsen",
        "the world champion would not do this",
    ),
    (
        "Chess with viewers",
        "We are in a rook endgame, two pawns against one, so activate the king.",
        "rook endgame",
        "the final phase with just castles left",
    ),
    (
        "PC build stream",
        "The Ryzen 7800X3D goes in the AM5 socket, careful with the pins.",
        "Ryzen 7800X3D",
        "installing the processor into the motherboard",
    ),
    (
        "PC build stream",
        "I forgot the IO shield again, now I have to take the motherboard out.",
        "IO shield",
        "missing the metal plate for the back ports",
    ),
    (
        "PC build stream",
        "Thermal paste: a pea-sized dot in the middle is all you need.",
        "thermal paste",
        "how much cooling compound to apply",
    ),
    (
        "PC build stream",
        "The RTX 4090 power connector is melting, that smell is not normal.",
        "RTX 4090 connector melting",
        "the graphics card cable is overheating",
    ),
    (
        "PC build stream",
        "Enable XMP in the BIOS or your RAM runs at the slow default speed.",
        "XMP BIOS",
        "making the memory run at its rated frequency",
    ),
    (
        "Minecraft hardcore",
        "A creeper blew up half of the wheat farm while I was afk.",
        "creeper wheat farm",
        "an exploding green mob wrecked my crops",
    ),
    (
        "Minecraft hardcore",
        "We found ancient debris at Y level fifteen, time for netherite tools.",
        "ancient debris netherite",
        "mining the rarest ore in the hell dimension",
    ),
    (
        "Minecraft hardcore",
        "The villager trading hall is done, the librarian sells Mending books.",
        "librarian Mending",
        "buying an enchantment from a village resident",
    ),
    (
        "Minecraft hardcore",
        "Elytra equipped, fireworks ready, let's fly to the end city.",
        "Elytra fireworks",
        "gliding through the sky with wings",
    ),
    (
        "Music production",
        "Sidechain the bass to the kick drum so the low end stops muddying.",
        "sidechain the bass",
        "ducking the low frequencies when the beat hits",
    ),
    (
        "Music production",
        "I'm using the Serum wavetable synth for this pluck sound.",
        "Serum wavetable",
        "the software instrument making that plucky tone",
    ),
    (
        "Music production",
        "Render the stems at 48 kHz, 24 bit, for the mastering engineer.",
        "stems 48 kHz 24 bit",
        "exporting separate tracks for the final polish",
    ),
    (
        "Ask me anything",
        "Someone asked about my setup: the mic is a Shure SM7B with a Cloudlifter.",
        "Shure SM7B Cloudlifter",
        "which microphone do I use",
    ),
    (
        "Ask me anything",
        "My cat Pixel just walked across the keyboard and ended the raid.",
        "cat Pixel keyboard",
        "my pet interrupted the stream",
    ),
    (
        "Ask me anything",
        "I started streaming in 2019 on a laptop with a webcam from a garage sale.",
        "started streaming 2019",
        "how my channel began",
    ),
    (
        "Ask me anything",
        "Twitch Partner came after two years, the emote approval took a month.",
        "Twitch Partner",
        "when I became an official partner of the platform",
    ),
    (
        "Speedrun practice",
        "The wrong warp skip saves ninety seconds if you clip through the door.",
        "wrong warp skip",
        "the glitch that jumps to the end early",
    ),
    (
        "Speedrun practice",
        "New personal best, one hour twelve, finally sub seventy-three!",
        "personal best",
        "my fastest run ever",
    ),
    # Names nothing but the streamer's own world knows: viewers, error codes, chat commands, part numbers.
    (
        "Rust parser rewrite",
        "Error E0502 again: cannot borrow the map as mutable because it is also borrowed.",
        "E0502",
        "that compiler message about mutable and immutable access at once",
    ),
    (
        "Ask me anything",
        "Huge thanks to GrumpyOtter42 for the fifty gifted subs tonight.",
        "GrumpyOtter42",
        "the viewer who gave away a lot of subscriptions",
    ),
    (
        "Ask me anything",
        "Type !discord in chat and Nightbot posts the invite link.",
        "!discord Nightbot",
        "how to join the community server",
    ),
    (
        "PC build stream",
        "The Noctua NH-D15 barely clears the RAM sticks on this board.",
        "Noctua NH-D15",
        "the huge air cooler almost touching the memory",
    ),
    (
        "Minecraft hardcore",
        "Xisuma's iron farm design gives us eight hundred ingots an hour.",
        "Xisuma iron farm",
        "an automatic metal production build from a famous player",
    ),
    (
        "Speedrun practice",
        "Routing tip from Zeldahacker99: skip Jabu-Jabu and go straight to Ganon.",
        "Zeldahacker99 Jabu-Jabu",
        "a community member's advice to bypass a dungeon",
    ),
    (
        "Speedrun practice",
        "LiveSplit crashed mid-run so the timer is lost, gg.",
        "LiveSplit crashed",
        "the timing software stopped working",
    ),
]
CHATTER = [
    "Thanks for the follow {name}, welcome in.",
    "Let me check chat real quick, {name} asks about the {thing}.",
    "Hydrate everyone, I am grabbing water, be right back.",
    "We are almost at the end of the {thing} segment, then a short break.",
    "{name} just raided with twenty viewers, thank you so much.",
    "Chat is saying the {thing} looks weird, let me zoom in.",
    "I will upload this part to YouTube later this week.",
    "Okay where was I, right, the {thing} again.",
    "Subscribe goal is almost there, three more for the {thing} challenge.",
    "The audio was muted for a minute, sorry, {name} told me.",
]
NAMES = ["Alex", "Sam", "Jordan", "Riley", "Casey", "Morgan", "Taylor", "Jamie"]
# Words shared with the answers, so full-text has look-alikes to tell apart.
THINGS = [
    "boss",
    "sword",
    "parser",
    "compiler",
    "bread",
    "pasta",
    "pan",
    "queen",
    "king",
    "processor",
    "motherboard",
    "graphics card",
    "farm",
    "tools",
    "villager",
    "bass",
    "synth",
    "mic",
    "cat",
    "timer",
    "run",
    "config file",
]


# A streamer's archive is hundreds of hours, full of names that differ by a digit or a letter from the ones
# searched for: other viewers' handles, other error codes, other part numbers. ``--archive-hours`` adds that
# much of such talk, in streams of its own, so an exact name has look-alikes to be told from.
ARCHIVE = [
    "Thanks {handle} for the sub, and {handle} for the bits.",
    "Compiler says {code} now, let me read the whole message.",
    "The {part} arrived today, unboxing it after this match.",
    "{handle} asks whether the {part} is worth it, honestly it depends.",
    "Another {code}, this one is about lifetimes in the closure.",
    "Shoutout to {handle}, go check out their channel after the stream.",
    "Chat, I swapped the {part} and the temperatures dropped a lot.",
    "Mods, can someone time out {handle}, they keep spamming.",
]
HANDLE_PARTS = (
    ["Grumpy", "Sleepy", "Zelda", "Noctua", "Pixel", "Otter", "Badger", "Hacker"],
    [17, 41, 43, 98, 99, 420],
)
CODES = ["E0499", "E0503", "E0505", "E0382", "E0597", "E0716", "E0507", "E0308"]
PARTS = ["Noctua NH-U12S", "Noctua NH-D12L", "Shure SM58", "Shure MV7", "Elgato Wave 3", "Corsair H150i"]

SENTENCES_PER_WINDOW = 6  # about 30 s of speech
STRIDE = 3  # windows overlap by half, as the embed step cuts them


def archive_sentence(rng: random.Random) -> str:
    first, number = rng.choice(HANDLE_PARTS[0]) + rng.choice(HANDLE_PARTS[0]), rng.choice(HANDLE_PARTS[1])
    return rng.choice(ARCHIVE).format(handle=f"{first}{number}", code=rng.choice(CODES), part=rng.choice(PARTS))


def corpus(seed: int = 11, archive_hours: float = 0.0) -> dict[str, list[str]]:
    """Stream title -> its windows in order: 30 s of speech each (six sentences), overlapping by half, the
    answers said among chatter (five sentences of it per answer), so an answer is diluted as it is in a
    real window and shows in the two windows that overlap it; then ``archive_hours`` of other streams."""
    rng = random.Random(seed)
    said: dict[str, list[str]] = {}
    for stream, passage, _, _ in ANSWERS:
        sentences = said.setdefault(stream, [])
        for _ in range(5):
            sentences.append(rng.choice(CHATTER).format(name=rng.choice(NAMES), thing=rng.choice(THINGS)))
        sentences.append(passage)
    streams = {}
    for stream, sentences in said.items():
        sentences += [rng.choice(CHATTER).format(name=rng.choice(NAMES), thing=rng.choice(THINGS)) for _ in range(3)]
        streams[stream] = [
            " ".join(sentences[start : start + SENTENCES_PER_WINDOW])
            for start in range(0, len(sentences) - SENTENCES_PER_WINDOW + 1, STRIDE)
        ]
    per_hour = 3600 // 15  # windows start every 15 s
    for number in range(round(archive_hours)):
        sentences = [
            archive_sentence(rng)
            if rng.random() < 0.5
            else rng.choice(CHATTER).format(name=rng.choice(NAMES), thing=rng.choice(THINGS))
            for _ in range(per_hour * STRIDE + SENTENCES_PER_WINDOW)
        ]
        streams[f"Archive stream {number + 1}"] = [
            " ".join(sentences[start : start + SENTENCES_PER_WINDOW]) for start in range(0, per_hour * STRIDE, STRIDE)
        ]
    return streams


def load(owner, embedder, archive_hours: float = 0.0) -> dict[str, set[int]]:
    """The corpus as search rows of ``owner`` (replacing theirs); passage -> the ids of the windows saying it."""
    from streams.models import Stream, VideoClip
    from transcription.search.models import SearchChunk

    owner.streams.all().delete()
    ids = {}
    for title, windows in corpus(archive_hours=archive_hours).items():
        stream = Stream.objects.create(owner=owner, title=title, duration=30.0 * len(windows))
        clip = VideoClip.objects.create(stream=stream, order=0, file=f"clips/{title}.mp4", duration=stream.duration)
        rows = SearchChunk.objects.bulk_create(
            SearchChunk(
                owner=owner,
                stream=stream,
                clip=clip,
                start=30.0 * number,
                end=30.0 * (number + 1),
                text=text,
                model_name=embedder.model_name,
                dimensions=embedder.dimensions,
                embedding=vector,
            )
            for number, (text, vector) in enumerate(zip(windows, embedder.embed(windows), strict=True))
        )
        for _, passage, _, _ in ANSWERS:
            ids.setdefault(passage, set()).update(row.id for row in rows if passage in row.text)
    return ids


def evaluate(owner, ids: dict[str, set[int]], mode: str, *, k: int = 5, **fusion) -> dict[str, float]:
    """Recall@k and MRR (first window saying the answer), over all queries and per kind."""
    from transcription.search import queries

    saved = (queries.RRF_K, queries.WEIGHTS, queries.PARTIAL_MATCH, queries.WIDEN_IN_HYBRID)
    queries.WIDEN_IN_HYBRID = fusion.get("widen", queries.WIDEN_IN_HYBRID)
    queries.RRF_K = fusion.get("rrf_k", queries.RRF_K)
    queries.WEIGHTS = fusion.get("weights", queries.WEIGHTS)
    queries.PARTIAL_MATCH = fusion.get("partial", queries.PARTIAL_MATCH)
    try:
        scores = {"exact": [], "paraphrase": []}
        for _, passage, exact, paraphrase in ANSWERS:
            for kind, query in (("exact", exact), ("paraphrase", paraphrase)):
                found = [hit.chunk_id for hit in queries.search(owner, query, mode=mode, limit=20)]
                rank = next((number for number, row_id in enumerate(found, 1) if row_id in ids[passage]), None)
                scores[kind].append(rank)
    finally:
        queries.RRF_K, queries.WEIGHTS, queries.PARTIAL_MATCH, queries.WIDEN_IN_HYBRID = saved
    every = scores["exact"] + scores["paraphrase"]
    return {
        "recall@5": _recall(every, k),
        "MRR": _mrr(every),
        "recall@5 exact": _recall(scores["exact"], k),
        "recall@5 paraphrase": _recall(scores["paraphrase"], k),
    }


def _recall(ranks, k: int) -> float:
    return sum(1 for rank in ranks if rank and rank <= k) / len(ranks)


def _mrr(ranks) -> float:
    return sum(1 / rank for rank in ranks if rank) / len(ranks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--var-dir", default=str(ROOT / "var" / "bench-retrieval"))
    parser.add_argument("--sweep", action="store_true", help="also print hybrid over other fusion weights and k")
    parser.add_argument(
        "--archive-hours", type=float, default=20, help="hours of other streams around the answers (0: none)"
    )
    args = parser.parse_args()
    _database(Path(args.var_dir))

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from transcription.search import queries
    from transcription.search.embedders import local_embedder

    call_command("migrate", verbosity=0)
    owner, _ = get_user_model().objects.get_or_create(username="bench-retrieval")
    ids = load(owner, local_embedder(), args.archive_hours)
    streams = corpus(archive_hours=args.archive_hours)
    windows = sum(len(windows) for windows in streams.values())
    print(
        f"{windows} windows in {len(streams)} streams ({args.archive_hours:g} h of archive); "
        f"{2 * len(ANSWERS)} queries ({len(ANSWERS)} exact, {len(ANSWERS)} paraphrased); all-MiniLM-L6-v2; "
        f"RRF k {queries.RRF_K}, weights {queries.WEIGHTS}"
    )
    print(f"{'mode':8} {'recall@5':>9} {'MRR':>6} {'recall@5 exact':>15} {'recall@5 paraphrase':>20}")
    results = {}
    for mode in ("vector", "text", "hybrid"):
        results[mode] = evaluate(owner, ids, mode)
        row = results[mode]
        print(
            f"{mode:8} {row['recall@5']:9.3f} {row['MRR']:6.3f} {row['recall@5 exact']:15.3f} "
            f"{row['recall@5 paraphrase']:20.3f}"
        )
    if args.sweep:
        for rrf_k, weights, widen, partial in (
            (60, (1.0, 1.0), True, 1.0),
            (60, (1.0, 1.0), True, 0.3),
            (60, (1.0, 1.0), True, 0.1),
            (20, (1.0, 1.0), False, 0.0),
            (60, (1.0, 1.5), False, 0.0),
        ):
            row = evaluate(owner, ids, "hybrid", rrf_k=rrf_k, weights=weights, widen=widen, partial=partial)
            print(
                f"hybrid k {rrf_k:2} weights {weights} "
                + (f"widened, partial match x{partial}" if widen else "every word only          ")
                + f": recall@5 {row['recall@5']:.3f} MRR {row['MRR']:.3f}",
                flush=True,
            )
    best_single = {key: max(results["vector"][key], results["text"][key]) for key in ("recall@5", "MRR")}
    beats = all(results["hybrid"][key] > best_single[key] for key in best_single)
    print(f"hybrid beats both on recall@5 and MRR: {'yes' if beats else 'NO'}")
    return 0 if beats else 1


if __name__ == "__main__":
    sys.exit(main())
