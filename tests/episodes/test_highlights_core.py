"""Highlight scoring, pure: each signal, the chat lag, fusion, peak picking and the reasons given."""

import random
from dataclasses import replace

import numpy as np
import pytest

from episodes.proposals.config import SIGNALS, proposal_settings
from episodes.proposals.highlights import fuse, reason, score_windows, stream_highlights
from episodes.proposals.signals import (
    ChatEvent,
    Moment,
    StreamData,
    estimate_chat_lag,
    robust_z,
    sentiment,
    term_hits,
    transcript_term_hits,
)

CONFIG = proposal_settings({})


def stream(
    seconds: int = 1200,
    *,
    loud: tuple = (),
    chat_bursts: tuple = (),
    fast: tuple = (),
    said: tuple = (),
    seed: int = 1,
    moments: tuple = (),
) -> StreamData:
    """A talk show at -26 dB and 2 words/s with a quiet chat; ``loud``: (start, seconds, +dB);
    ``chat_bursts``: (start, messages, text); ``fast``: (start, seconds); ``said``: (time, phrase)."""
    rng = random.Random(seed)
    loudness = [-26.0 + rng.gauss(0, 1.5) for _ in range(seconds)]
    for start, length, gain in loud:
        for s in range(start, start + length):
            loudness[s] += gain
    rate = [2.0] * seconds
    for start, length in fast:
        for s in range(start, start + length):
            rate[s] = 4.5
    words = [(s + i / rate[s] / 2, "talk") for s in range(seconds) for i in range(int(rate[s] + rng.random()))]
    for at, phrase in said:
        words = [(t, w) for t, w in words if not at - 0.1 <= t <= at + 1.5]
        words += [(at + 0.3 * i, w) for i, w in enumerate(phrase.split())]
    chat = [ChatEvent(s + rng.random(), f"v{s % 7}", "hi") for s in range(0, seconds, 3)]
    for start, count, text in chat_bursts:
        chat += [ChatEvent(start + rng.uniform(0, 10), f"b{i}", text) for i in range(count)]
    return StreamData(seconds, loudness, sorted(words), sorted(chat, key=lambda e: e.at), moments)


def test_a_loud_moment_with_chat_after_it_and_a_keyword_is_the_top_highlight_and_says_why():
    data = stream(loud=[(600, 8, 10)], chat_bursts=[(608, 40, "PogChamp clip it")], said=[(601.0, "clip it")])

    highlights, scores = stream_highlights(data, CONFIG)

    top = highlights[0]
    assert top.start <= 604 <= top.end and 600 <= top.peak <= 608
    assert set(top.parts) >= {"loudness", "chat", "chat_terms", "keywords"}
    assert top.reason.startswith("chat ×") or "chat ×" in top.reason
    assert "loudness +" in top.reason and "keyword 'clip it'" in top.reason and "pogchamp ×" in top.reason
    assert top.score == max(h.score for h in highlights)


def test_chat_lag_is_estimated_from_loud_moments_and_chat_shifted_back_by_it():
    moments = [150, 400, 650, 900]
    data = stream(loud=[(m, 6, 10) for m in moments], chat_bursts=[(m + 9, 30, "LUL") for m in moments])

    scores = score_windows(data, CONFIG)

    assert 8 <= scores.chat_lag <= 14
    highlights, _ = stream_highlights(data, CONFIG)
    assert all(any(h.start <= m + 3 <= h.end for h in highlights) for m in moments)
    assert f"{scores.chat_lag:g} s after" in highlights[0].reason


def test_the_chat_lag_stays_within_its_clamp():
    loud = np.zeros(300)
    loud[[50, 150]] = 8.0
    reacting, late = np.zeros(300), np.zeros(300)
    reacting[[58, 158]] = 30.0
    late[[90, 190]] = 30.0  # 40 s later: beyond any believable reaction

    assert estimate_chat_lag(loud, reacting, max_lag=20) == 8.0
    assert estimate_chat_lag(loud, reacting, max_lag=5) is None
    assert estimate_chat_lag(loud, late, max_lag=20) is None
    assert estimate_chat_lag(loud, np.zeros(300), max_lag=20) is None  # no chat: no lag


def test_highlights_keep_their_distance_and_overlaps_merge():
    data = stream(loud=[(500, 6, 10), (530, 6, 10)], chat_bursts=[(505, 30, "KEKW"), (535, 30, "KEKW")])

    apart = stream_highlights(data, replace(CONFIG, min_distance=60))[0]
    close = stream_highlights(data, replace(CONFIG, min_distance=5))[0]

    assert sum(h.start <= 520 <= h.end for h in apart) == 1
    ordered = sorted(close, key=lambda h: h.start)
    assert all(a.end <= b.start for a, b in zip(ordered, ordered[1:], strict=False))


def test_pre_roll_and_post_roll_surround_the_window_within_the_stream():
    data = stream(loud=[(5, 6, 12)], chat_bursts=[(8, 40, "POG")])

    top = stream_highlights(data, replace(CONFIG, pre_roll=20, post_roll=7))[0][0]

    assert top.start == 0.0  # pre-roll stops at the stream's start
    assert top.end - top.start <= CONFIG.window + 7 + 0.001


def test_a_signal_weighted_zero_neither_scores_nor_appears_in_the_reason():
    data = stream(loud=[(600, 8, 10)], chat_bursts=[(608, 40, "PogChamp")])
    weights = {**CONFIG.weights, "loudness": 0.0}

    top = stream_highlights(data, replace(CONFIG, weights=weights))[0][0]

    assert "loudness" not in top.parts and "loudness" not in top.reason


def test_with_every_weight_zero_nothing_is_proposed():
    data = stream(loud=[(600, 8, 10)], chat_bursts=[(608, 40, "PogChamp")])

    assert stream_highlights(data, replace(CONFIG, weights=dict.fromkeys(SIGNALS, 0.0)))[0] == []


def test_fused_score_is_the_weighted_mean_of_the_signals():
    scores = score_windows(stream(loud=[(600, 8, 10)]), CONFIG)

    only_loud = fuse(scores, {"loudness": 2.0})
    assert np.allclose(only_loud, scores.z["loudness"])
    both = fuse(scores, {"loudness": 1.0, "chat": 3.0})
    assert np.allclose(both, (scores.z["loudness"] + 3 * scores.z["chat"]) / 4)


def test_fast_speech_raises_the_speech_rate_signal_only_there():
    scores = score_windows(stream(fast=[(300, 30)]), CONFIG)

    best = scores.starts[int(np.argmax(scores.z["speech_rate"]))]
    assert 270 <= best <= 300
    assert scores.z["speech_rate"][: int(200 / CONFIG.step)].max() < 2


def test_a_summary_moment_scores_where_it_is():
    data = stream(moments=[Moment(700.0, 730.0, "The boss falls")])

    top = stream_highlights(data, replace(CONFIG, weights={"summary": 1.0}))[0][0]

    assert top.start <= 715 <= top.end
    assert top.parts["summary"]["title"] == "The boss falls" and "summary: 'The boss falls'" in top.reason


def test_a_quiet_stream_proposes_nothing():
    assert stream_highlights(stream(seconds=900, seed=3), CONFIG)[0] == []


def test_robust_z_ignores_a_spike_in_its_own_baseline():
    values = np.array([10.0] * 100)
    values[50] = 60.0

    z, medians = robust_z(values, 20, floor=1.0, poisson=True)

    assert medians[50] == 10.0 and z[50] == pytest.approx(50 / np.sqrt(11))


def test_terms_match_whole_words_in_any_case_and_phrases_across_words():
    terms = {"pog": 1.0, "clip it": 2.0}

    assert term_hits(["POG pog", "pogger", "Clip it!!", "clipit"], terms) == [["pog", "pog"], [], ["clip it"], []]
    words = [(1.0, " Clip"), (1.4, " it!"), (2.0, " pog"), (3.0, "clip")]
    assert transcript_term_hits(words, terms) == [(1.0, "clip it"), (2.0, "pog")]


def test_sentiment_is_offline_vader():
    assert sentiment("this is amazing, I love it!!") > 0.5
    assert sentiment("this is terrible, I hate it") < -0.5
    assert sentiment("   ") == 0.0


def test_reason_lists_parts_biggest_share_first():
    parts = {
        "loudness": {"z": 2.14, "share": 0.3},
        "chat": {"z": 4.0, "share": 0.6, "ratio": 4.2, "lag": 12.0},
        "keywords": {"z": 2.0, "share": 0.1, "terms": ["clip it"]},
    }

    assert reason(parts) == "chat ×4.2 over baseline 12 s after, loudness +2.1σ, keyword 'clip it'"


@pytest.mark.parametrize("seconds", [0, 1, 12, 45])
def test_a_stream_shorter_than_a_window_is_scored_without_error(seconds):
    data = StreamData(seconds, [-20.0] * seconds, [(0.5, "clip"), (0.8, "it")], [ChatEvent(0.2, "a", "PogChamp")])

    highlights, scores = stream_highlights(data, CONFIG)

    assert len(scores.starts) >= 1
    assert all(0 <= h.start <= h.peak <= h.end <= max(seconds, 1) for h in highlights)
