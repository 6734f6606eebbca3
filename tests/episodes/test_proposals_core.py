"""Episode proposals, pure: speech spans (CONTRACTS.md §2), settings, titles, edits, chapters, clocks."""

import subprocess
import sys

import pytest

from episodes.proposals.chapters import episode_chapters, topic_boundaries
from episodes.proposals.config import DEFAULT_WEIGHTS, SettingsError, proposal_settings, settings_problems
from episodes.proposals.naming import episode_title, is_mark_command, mark_note, may_mark
from episodes.proposals.spans import (
    ClipClock,
    ClipSilences,
    RangeError,
    chapters_for,
    merge_tracks,
    speech_spans,
    split_tracks,
    stream_silences,
    trim_tracks,
    wall_to_stream,
)

RULE = {"min_silence": 60.0, "min_speech": 30.0}


def test_the_cores_import_without_django():
    code = (
        "import sys; import episodes.proposals.spans, episodes.proposals.chapters, episodes.proposals.config, "
        "episodes.proposals.naming, episodes.proposals.highlights, episodes.proposals.signals; "
        "assert 'django' not in sys.modules, sorted(m for m in sys.modules if m.startswith('django'))"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_silence_of_a_minute_splits_the_stream_and_each_part_becomes_a_proposal():
    silences = [(100.25, 170.5), (400.0, 459.9)]  # the second is under 60 s: it does not split

    assert speech_spans(silences, 600.0, **RULE) == [(0.0, 100.25), (170.5, 600.0)]


def test_edges_keep_their_milliseconds():
    spans = speech_spans([(0.0, 12.3456), (95.0014, 200.0)], 260.987, **RULE)

    assert spans == [(12.346, 95.001), (200.0, 260.987)]


def test_a_speaking_span_under_thirty_seconds_is_not_proposed():
    assert speech_spans([(10.0, 80.0), (109.0, 200.0)], 400.0, **RULE) == [(200.0, 400.0)]


def test_a_proposal_starts_and_ends_on_speech_not_in_a_short_silence():
    silences = [(0.0, 4.5), (120.0, 200.0), (290.0, 300.0)]

    assert speech_spans(silences, 300.0, **RULE) == [(4.5, 120.0), (200.0, 290.0)]


def test_the_rule_is_settable():
    silences = [(50.0, 70.0)]

    assert speech_spans(silences, 200.0, min_silence=15.0, min_speech=40.0) == [(0.0, 50.0), (70.0, 200.0)]
    assert speech_spans(silences, 200.0, min_silence=15.0, min_speech=60.0) == [(70.0, 200.0)]


def test_silences_meeting_at_a_clip_boundary_are_one_silence():
    clips = [ClipSilences(0.0, 100.0, [(60.0, 100.0)]), ClipSilences(100.0, 200.0, [(0.0, 30.0), (150.0, 160.0)])]

    silences = stream_silences(clips)

    assert silences == [(60.0, 130.0), (250.0, 260.0)]
    assert speech_spans(silences, 300.0, **RULE) == [(0.0, 60.0), (130.0, 300.0)]


def test_settings_overlay_the_defaults_and_tables_replace_them():
    config = proposal_settings({"min_silence": 20, "weights": {"chat": 2}, "chat_terms": {"GG": 1.5}})

    assert (config.min_silence, config.min_speech) == (20.0, 30.0)
    assert config.weights == {**DEFAULT_WEIGHTS, "chat": 2.0}
    assert config.chat_terms == {"gg": 1.5}
    assert proposal_settings(None) == proposal_settings({})


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ([], "must be a JSON object"),
        ({"min_silence": "long"}, "min_silence: must be a number"),
        ({"min_silence": 0}, "min_silence: must be between 1 and 3600"),
        ({"max_highlights": 2.5}, "max_highlights: must be a whole number"),
        ({"weights": {"vibes": 1}}, "weights.vibes: unknown signal"),
        ({"weights": {"chat": -1}}, "weights.chat: weight must be a number from 0 to 100"),
        ({"keywords": ["clip it"]}, "keywords: must be an object"),
        ({"colour": "red"}, "colour: unknown setting"),
        ({"window": 10, "step": 20}, "step (20 s) must not exceed window (10 s)"),
        ({"min_score": True}, "min_score: must be a number"),
    ],
)
def test_unusable_settings_are_named(raw, problem):
    assert any(problem in p for p in settings_problems(raw))
    with pytest.raises(SettingsError, match="must|unknown"):
        proposal_settings(raw)


def test_titles_come_from_the_series_template():
    values = {"title": "Cave build", "series": "Mining", "order": 2, "date": "2026-05-01"}

    assert episode_title("{title} - Episode {order}", **values) == "Cave build - Episode 2"
    assert episode_title("{series} #{order} ({date})", **values) == "Mining #2 (2026-05-01)"
    assert episode_title("{nope} {", **values) == "Cave build - Episode 2"  # a broken template falls back
    assert episode_title("{0.__class__}", **values) == "Cave build - Episode 2"


def test_trim_moves_the_in_and_out_points_and_keeps_cuts_between():
    tracks = [{"start": 10.0, "end": 50.0}, {"start": 80.0, "end": 120.0}]

    assert trim_tracks(tracks, 20.0, 100.5, duration=300.0) == [
        {"start": 20.0, "end": 50.0},
        {"start": 80.0, "end": 100.5},
    ]
    assert trim_tracks(tracks, 5.0, 130.0, duration=300.0) == [
        {"start": 5.0, "end": 50.0},
        {"start": 80.0, "end": 130.0},
    ]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [(-1.0, 50.0, "outside the stream"), (10.0, 301.0, "outside the stream"), (50.0, 40.0, "in point before")],
)
def test_trim_outside_the_stream_or_backwards_is_refused(start, end, message):
    with pytest.raises(RangeError, match=message):
        trim_tracks([{"start": 10.0, "end": 50.0}], start, end, duration=300.0)


def test_split_and_merge_are_inverse():
    tracks = [{"start": 10.0, "end": 50.0}, {"start": 80.0, "end": 120.0}]

    first, second = split_tracks(tracks, 30.0)

    assert first == [{"start": 10.0, "end": 30.0}]
    assert second == [{"start": 30.0, "end": 50.0}, {"start": 80.0, "end": 120.0}]
    assert merge_tracks(first, second) == tracks


@pytest.mark.parametrize("at", [10.0, 120.0, 5.0, 10.5])
def test_a_split_must_leave_something_on_both_sides(at):
    with pytest.raises(RangeError):
        split_tracks([{"start": 10.0, "end": 120.0}], at)


def test_merging_keeps_the_silence_between_cut():
    merged = merge_tracks([{"start": 200.0, "end": 300.0}], [{"start": 10.0, "end": 100.0}])

    assert merged == [{"start": 10.0, "end": 100.0}, {"start": 200.0, "end": 300.0}]


def _talk(topics: list[tuple[float, float, list[str]]]) -> list[tuple[float, str]]:
    words = []
    for start, end, vocabulary in topics:
        at, index = start, 0
        while at < end:
            words.append((at, vocabulary[index % len(vocabulary)]))
            at += 0.5
            index += 1
    return words


def test_a_topic_change_becomes_a_chapter_titled_by_its_words():
    words = _talk(
        [
            (0, 300, ["dragon", "sword", "castle", "knight", "armour", "dragon"]),
            (300, 600, ["recipe", "flour", "oven", "bread", "butter", "recipe"]),
        ]
    )

    assert topic_boundaries(words, 0, 600, window=60, min_length=120) == [300]
    chapters = episode_chapters(words, 0, 600, window=60, min_length=120)
    assert [c["start"] for c in chapters] == [0, 300]
    assert "Dragon" in chapters[0]["title"] and "recipe" in chapters[1]["title"].lower()


def test_chapter_titles_prefer_the_summary_moments():
    words = _talk([(100, 400, ["dragon", "sword"]), (400, 700, ["flour", "oven"])])

    chapters = episode_chapters(words, 100, 700, window=60, min_length=120, moments=[(450.0, "Baking bread")])

    assert chapters[1] == {"start": 300.0, "title": "Baking bread"}


def test_one_topic_throughout_is_one_chapter():
    words = _talk([(0, 600, ["dragon", "sword", "castle"])])

    assert episode_chapters(words, 0, 600, window=60, min_length=120) == [
        {"start": 0.0, "title": "Castle, dragon and sword"}
    ]


def test_chapters_follow_the_tracks_they_fall_in():
    tracks = [{"start": 100.0, "end": 200.0}, {"start": 300.0, "end": 400.0}]
    on_stream = [(50.0, "Intro"), (150.0, "Fight"), (250.0, "Cut away"), (350.0, "Loot")]

    assert chapters_for(tracks, on_stream) == [
        {"start": 0.0, "title": "Intro"},
        {"start": 50.0, "title": "Fight"},
        {"start": 150.0, "title": "Loot"},
    ]


def test_wall_clock_goes_through_each_recordings_own_clock():
    clips = [ClipClock(1000.0, 0.0, 100.0), ClipClock(1500.0, 100.0, 50.0)]  # a 400 s gap between recordings

    assert wall_to_stream(1010.5, clips, stream_start=1000.0) == 10.5
    assert wall_to_stream(1520.0, clips, stream_start=1000.0) == 120.0
    assert wall_to_stream(1300.0, clips, stream_start=1000.0) is None  # nothing was recording
    unknown = [ClipClock(None, 0.0, 100.0)]
    assert wall_to_stream(1042.0, unknown, stream_start=1000.0) == 42.0
    assert wall_to_stream(1142.0, unknown, stream_start=1000.0) is None


def test_mark_commands_and_who_may_mark():
    assert is_mark_command("!clip") and is_mark_command("  !HIGHLIGHT that jump") and not is_mark_command("!clipper")
    assert not is_mark_command("clip it !clip") and not is_mark_command("")
    assert mark_note("!clip that jump ") == "that jump"
    assert may_mark(chatter_user_id="1", broadcaster_user_id="1", badges=[])
    assert may_mark(chatter_user_id="2", broadcaster_user_id="1", badges=["moderator", "subscriber"])
    assert not may_mark(chatter_user_id="2", broadcaster_user_id="1", badges=["subscriber", "vip"])
    assert not may_mark(chatter_user_id="", broadcaster_user_id="", badges=[])


def test_a_silence_ending_a_hair_before_the_stream_still_trims_the_proposal():
    # The audio ends 21 ms before the video: the last silence stops there, not at the stream's end.
    assert speech_spans([(70.0, 80.0)], 80.021, **RULE) == [(0.0, 70.0)]
