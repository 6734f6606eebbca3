"""The offline summariser's pure core over literal segments (a bag-of-words embedder), and once with MiniLM."""

from __future__ import annotations

import re
import subprocess
import sys
import zlib

import numpy as np
import pytest

from transcription.summaries.extractive import (
    ExtractiveSummariser,
    candidate_phrases,
    extractive_stream_summary,
    lexrank,
    mmr,
)
from transcription.summaries.flags import AttentionRules, attentions, transcription_errors
from transcription.summaries.schema import CLIP_FIELDS, SummaryInvalid, validate_clip_summary, validate_stream_summary
from transcription.summaries.speech import ClipDigest, ClipSpeech, SpeechSegment, mean_loudness


def bag_of_words(texts: list[str]) -> np.ndarray:
    """A deterministic stand-in for sentence embeddings: hashed word counts, L2-normalised."""
    rows = np.zeros((len(texts), 512), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in re.findall(r"\w+", text.lower()):
            rows[row, zlib.crc32(word.encode()) % 512] += 1.0
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1.0)


def segments(*texts: str, offset: float = 100.0, **measures) -> list[SpeechSegment]:
    """Five-second segments from ``offset`` on the stream timeline."""
    return [
        SpeechSegment(index=i, start=offset + 5 * i, end=offset + 5 * i + 4.5, text=text, **measures)
        for i, text in enumerate(texts)
    ]


TALK = (
    "Today we fix the borrow checker errors in the parser.",
    "The borrow checker complains because the parser keeps a reference to the buffer.",
    "So the lifetime of the buffer must outlive the parser struct.",
    "Oh wow, it compiles now!",
    "Next we add lifetimes to the tokenizer as well.",
    "The tokenizer borrows the same buffer, so it needs the same lifetime.",
    "Anyway, thanks for watching the stream.",
)


def summarise(*texts: str, previous: str = "", **measures) -> dict:
    engine = ExtractiveSummariser(embed=bag_of_words, model_name="bag-of-words")
    return engine.summarise_clip(ClipSpeech(segments=segments(*texts, **measures), previous_context=previous))


def test_a_clip_summary_names_its_topics_and_keeps_the_contract():
    summary = summarise(*TALK)

    assert tuple(summary) == CLIP_FIELDS  # the contract's fields (CONTRACTS.md §4), no others
    assert validate_clip_summary(summary) == summary
    assert any("borrow" in keyword or "parser" in keyword or "buffer" in keyword for keyword in summary["keywords"][:3])
    assert not {"the", "so", "wow", "thanks"} & {word for k in summary["keywords"] for word in k.split()}
    assert summary["title"] and summary["title"][0].isupper()
    assert summary["title"].lower().startswith(summary["keywords"][0])
    # the main discussion is sentences of the talk, in spoken order
    main = summary["summary_main_discussion"]
    picked = [sentence for sentence in TALK if sentence in main]
    assert picked and main.index(picked[0]) == 0 and picked == [s for s in TALK if s in picked]
    assert "thanks for watching" not in main


def test_highlights_are_on_the_stream_timeline_and_cite_their_segment():
    summary = summarise(*TALK)

    for highlight in summary["highlights"]:
        [index] = highlight["segments"]
        assert highlight["timestamp_start"] == 100.0 + 5 * index
        assert highlight["description"] == TALK[index]
        assert "centrality" in highlight["reasoning"]


def test_a_loud_exclamation_is_the_highlight():
    loud = [
        SpeechSegment(index=i, start=5.0 * i, end=5.0 * i + 4, text=text, loudness=-14.0 if i == 3 else -30.0)
        for i, text in enumerate(TALK * 6)
    ]
    engine = ExtractiveSummariser(embed=bag_of_words)

    summary = engine.summarise_clip(ClipSpeech(segments=loud))

    first = summary["highlights"][0]
    assert first["segments"] == [3] and "16.0 dB louder" in first["reasoning"] and "exclamation" in first["reasoning"]
    starts = sorted(h["timestamp_start"] for h in summary["highlights"])
    assert all(b - a >= 30 for a, b in zip(starts, starts[1:], strict=False))


def test_context_rolls_forward_with_this_clips_topics_first():
    summary = summarise(*TALK, previous="Topics: cargo workspaces. We split the crate.")

    context = summary["summary_context"]
    assert context.startswith(f"Topics: {', '.join(summary['keywords'])}.")
    assert context.endswith("Before: Topics: cargo workspaces. We split the crate.")


def test_context_is_cut_so_the_oldest_falls_off():
    summary = summarise(*TALK, previous="old news " * 500)

    assert len(summary["summary_context"]) <= 1200 and summary["summary_context"].startswith("Topics:")


def test_empty_speech_is_an_empty_summary_that_passes_the_context_on():
    summary = summarise("", "  ", previous="Topics: lifetimes.")

    assert summary["title"] == "" and summary["keywords"] == [] and summary["highlights"] == []
    assert summary["summary_context"] == "Topics: lifetimes."


def test_doubtful_segments_become_transcription_errors_with_whispers_thresholds():
    given = [
        SpeechSegment(0, 10.0, 12.0, "fine words", avg_logprob=-0.3, no_speech_prob=0.1, compression_ratio=1.2),
        SpeechSegment(1, 12.0, 14.0, "mumbled", avg_logprob=-1.4, no_speech_prob=0.1, compression_ratio=1.2),
        SpeechSegment(2, 14.0, 16.0, "music", avg_logprob=-0.5, no_speech_prob=0.8, compression_ratio=1.2),
        SpeechSegment(3, 16.0, 18.0, "fine again", avg_logprob=-1.0, no_speech_prob=0.6, compression_ratio=2.4),
        SpeechSegment(4, 18.0, 20.0, "la la la la", avg_logprob=-0.2, no_speech_prob=0.0, compression_ratio=3.1),
    ]

    errors = transcription_errors(given)

    # the boundaries themselves (-1.0, 0.6, 2.4) are not doubtful; consecutive doubts are one entry
    assert [error["segments"] for error in errors] == [[1, 2], [4]]
    assert errors[0]["timestamp_start"] == 12.0
    assert "-1.40 < -1.0" in errors[0]["reasoning"] and "0.80 > 0.6" in errors[0]["reasoning"]
    assert "repeats itself" in errors[1]["description"] and "3.10 > 2.4" in errors[1]["reasoning"]


def test_attentions_find_profanity_emails_and_phone_numbers_at_their_words():
    words = ({"start": 50.0, "end": 50.4, "word": " what"}, {"start": 50.5, "end": 50.9, "word": " shit!"})
    given = [
        SpeechSegment(0, 50.0, 53.0, "What shit! Shitake mushrooms are fine.", words=words),
        SpeechSegment(1, 53.0, 58.0, "Mail me at jane.doe+stream@example.co.uk or call +44 20 7946 0958."),
        SpeechSegment(2, 58.0, 60.0, "Version 3.10 came out in 2021, scored 1 2 3."),
    ]

    found = attentions(given, AttentionRules())

    assert [(item["description"], item["segments"]) for item in found] == [
        ("Profanity: shit", [0]),
        ("An e-mail address: jane.doe+stream@example.co.uk", [1]),
        ("A phone number: +44 20 7946 0958", [1]),
    ]
    assert (found[0]["timestamp_start"], found[0]["timestamp_end"]) == (50.5, 50.9)
    assert (found[1]["timestamp_start"], found[1]["timestamp_end"]) == (53.0, 58.0)


def test_attention_rules_are_configurable():
    given = [SpeechSegment(0, 0.0, 2.0, "Darn it, write to me@example.com")]

    assert attentions(given, AttentionRules(rules=("profanity",), profanity=("darn",)))[0]["description"] == (
        "Profanity: Darn"
    )
    assert attentions(given, AttentionRules(rules=())) == []
    with pytest.raises(ValueError, match="unknown attention rule"):
        AttentionRules(rules=("politics",))


def test_candidate_phrases_skip_stopwords_fillers_and_numbers():
    phrases = candidate_phrases(["So yeah, the borrow checker is basically 42 times stricter, you know."])

    assert "borrow checker" in phrases and "borrow" in phrases
    assert not any(word in {"so", "yeah", "the", "basically", "42", "know"} for p in phrases for word in p.split())
    assert "borrow checker stricter" not in phrases  # "is" breaks the run


def test_lexrank_prefers_the_sentence_like_the_others_and_mmr_avoids_repeats():
    vectors = bag_of_words(["rust borrow checker", "borrow checker rust", "rust borrow", "cooking pasta tonight"])

    scores = lexrank(vectors)
    picked = mmr(vectors, scores, count=2, diversity=0.7)

    assert abs(scores.sum() - 1) < 1e-6 and scores.argmin() == 3
    assert picked[0] in (0, 1, 2) and picked[1] == 3


def test_mean_loudness_over_a_segment():
    assert mean_loudness([-30.0, -20.0, -10.0, -40.0], 1.2, 2.5) == -15.0
    assert mean_loudness([-30.0], 5.0, 6.0) is None


def test_stream_summary_from_clip_summaries():
    clips = [
        ClipDigest(
            start=0.0, title="Borrow checker", keywords=("borrow checker", "parser"), main_discussion="We fix it."
        ),
        ClipDigest(start=3725.0, title="Lifetimes", keywords=("lifetimes", "borrow checker"), main_discussion="More."),
        ClipDigest(start=7000.0, title="", keywords=()),
    ]

    summary = extractive_stream_summary(clips, stream_title="Rust night")

    assert summary["title"] == "Borrow checker, lifetimes and parser"  # shared, then first-named, first
    assert summary["description"].splitlines() == [
        "Topics: borrow checker, lifetimes, parser.",
        "0:00:00 Borrow checker: We fix it.",
        "1:02:05 Lifetimes: More.",
    ]
    assert validate_stream_summary(summary) == summary
    assert extractive_stream_summary([], stream_title="Rust night")["title"] == "Rust night"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": 3}, "title: 3 is not of type 'string'"),
        ({"keywords": "rust"}, "keywords: 'rust' is not of type 'array'"),
        ({"colour": "red"}, "Additional properties are not allowed"),
        ({"highlights": [{"timestamp_start": 1}]}, "highlights[0]: 'timestamp_end' is a required property"),
        (
            {
                "highlights": [
                    {"timestamp_start": 5, "timestamp_end": 2, "description": "", "reasoning": "", "segments": []}
                ]
            },
            "highlights[0].timestamp_end: 2 is before timestamp_start 5",
        ),
        (
            {
                "attentions": [
                    {"timestamp_start": -1, "timestamp_end": 2, "description": "", "reasoning": "", "segments": []}
                ]
            },
            "attentions[0].timestamp_start: must not be negative",
        ),
        (
            {"transcription_errors": [{"timestamp_start": 1, "description": "", "reasoning": "", "segments": [9]}]},
            "transcription_errors[0].segments: no segment 9 in this transcript",
        ),
        ({"title": "x" * 201}, "title: at most 200 characters"),
        ({"summary_context": "a\x00b"}, "summary_context: contains a NUL character"),
        (
            {
                "highlights": [
                    {
                        "timestamp_start": 1e400,
                        "timestamp_end": 1e400,
                        "description": "",
                        "reasoning": "",
                        "segments": [],
                    }
                ]
            },
            "highlights[0]: times must be finite",
        ),
    ],
)
def test_the_validator_names_what_is_wrong(change, message):
    good = summarise(*TALK)

    with pytest.raises(SummaryInvalid) as error:
        validate_clip_summary(good | change, segment_indexes=range(len(TALK)))

    assert message in str(error.value)


def test_the_core_imports_without_django():
    code = (
        "import sys; import transcription.summaries.extractive, transcription.summaries.llm;"
        " assert 'django' not in sys.modules, [m for m in sys.modules if m.startswith('django')]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.timeout(300)
def test_with_the_real_minilm_the_topic_is_found():
    from transcription.search.embedders import local_embedder

    embedder = local_embedder()
    engine = ExtractiveSummariser(embed=embedder.embed, model_name=embedder.model_name)
    talk = (
        "Let's plant the tomatoes in the greenhouse today.",
        "Tomatoes need a lot of sun and regular watering.",
        "Yeah, my cat just walked across the keyboard, sorry chat.",
        "The greenhouse keeps the tomato seedlings warm at night.",
        "Next week we will add compost to the vegetable beds.",
    )

    summary = engine.summarise_clip(ClipSpeech(segments=segments(*talk)))

    assert any("tomato" in keyword or "greenhouse" in keyword for keyword in summary["keywords"][:2])
    assert "cat" not in summary["summary_main_discussion"].split(".")[0]
    assert summary["summary_main_discussion"].startswith(talk[0]) or talk[1] in summary["summary_main_discussion"]
