"""The widget state machines: pure, table-driven, no database."""

import subprocess
import sys
from pathlib import Path

import pytest

from widgets.state import WidgetStateError, apply, countdown, poll, public_state, text_overlay

CONFIG = {"duration": 300}
PAUSED = {"duration_left": 100.25, "enabled": False, "last_tick_timestamp": None}
RUNNING = {"duration_left": 100.25, "enabled": True, "last_tick_timestamp": 1000.0}


@pytest.mark.parametrize(
    ("state", "action", "payload", "now", "expected"),
    [
        (PAUSED, "start", None, 2000.0, {"duration_left": 300.0, "enabled": True, "last_tick_timestamp": 2000.0}),
        # Fractions survive a pause (the reference truncated them and could show 0).
        (RUNNING, "pause", None, 1012.5, {"duration_left": 87.75, "enabled": False, "last_tick_timestamp": None}),
        (RUNNING, "pause", None, 1500.0, {"duration_left": 0.0, "enabled": False, "last_tick_timestamp": None}),
        (PAUSED, "pause", None, 5000.0, PAUSED),
        (PAUSED, "resume", None, 3000.0, {"duration_left": 100.25, "enabled": True, "last_tick_timestamp": 3000.0}),
        # Resuming a running timer must not move its tick forward and gain time.
        (RUNNING, "resume", None, 1050.0, RUNNING),
        (RUNNING, "reset", None, 1050.0, {"duration_left": 300.0, "enabled": False, "last_tick_timestamp": None}),
        (PAUSED, "set_duration", {"duration": 90}, 7.0, {**PAUSED, "duration_left": 90.0}),
        (PAUSED, "set_duration", {"duration": 0}, 7.0, {**PAUSED, "duration_left": 0.0}),
        (RUNNING, "set_duration", {"duration": 42.5}, 1100.0,
         {"duration_left": 42.5, "enabled": True, "last_tick_timestamp": 1100.0}),
        # A record made by hand with an empty state starts from the config.
        ({}, "resume", None, 10.0, {"duration_left": 300.0, "enabled": True, "last_tick_timestamp": 10.0}),
    ],
)
def test_countdown_transitions(state, action, payload, now, expected):
    assert countdown.apply(CONFIG, state, action, payload, now) == expected


def test_countdown_pause_then_resume_keeps_the_fraction_across_cycles():
    state = countdown.apply(CONFIG, {}, "start", None, 0.0)
    for started in (0.0, 100.0, 200.0):
        state = countdown.apply(CONFIG, state, "resume", None, started)
        state = countdown.apply(CONFIG, state, "pause", None, started + 0.3)
    assert state["duration_left"] == pytest.approx(299.1)


@pytest.mark.parametrize(
    ("action", "payload", "message"),
    [
        ("explode", None, "unknown countdown action 'explode'"),
        ("set_duration", None, "set_duration needs a payload"),
        ("set_duration", {"duration": -1}, "payload.duration must be >= 0"),
        ("set_duration", {"duration": "ten"}, "payload.duration must be a number"),
        ("set_duration", {"duration": True}, "payload.duration must be a number"),
        ("set_duration", {"duration": float("nan")}, "payload.duration must be a number"),
        ("set_duration", {"duration": 1e12}, "payload.duration must be at most"),
    ],
)
def test_countdown_rejects_bad_actions_with_a_clear_message(action, payload, message):
    with pytest.raises(WidgetStateError, match=message):
        countdown.apply(CONFIG, PAUSED, action, payload, 0.0)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"duration": -5}, "config.duration must be >= 0"),
        ({"duration": "5"}, "config.duration must be a number"),
        ({"title": 3}, "config.title must be a string"),
        ({"colour": "red"}, "unknown countdown config keys: colour"),
    ],
)
def test_countdown_rejects_bad_config(config, message):
    with pytest.raises(WidgetStateError, match=message):
        countdown.validate_config(config)


def test_countdown_config_defaults():
    assert countdown.validate_config({}) == {"duration": 300.0, "text": "", "title": ""}


@pytest.mark.parametrize(
    ("state", "now", "left"),
    [(PAUSED, 99999.0, 100.25), (RUNNING, 1000.25, 100.0), (RUNNING, 999.0, 100.25), (RUNNING, 5000.0, 0.0)],
)
def test_countdown_remaining(state, now, left):
    assert countdown.remaining(state, now) == left


SHOWN = {"text": "Be right back", "visible": True}


@pytest.mark.parametrize(
    ("state", "action", "payload", "expected"),
    [
        (SHOWN, "hide", None, {**SHOWN, "visible": False}),
        ({**SHOWN, "visible": False}, "show", None, SHOWN),
        (SHOWN, "toggle", None, {**SHOWN, "visible": False}),
        (SHOWN, "set_text", {"text": "Back in 5"}, {**SHOWN, "text": "Back in 5"}),
        ({"text": "x", "visible": False}, "reset", None, {"text": "Hello", "visible": True}),
    ],
)
def test_text_overlay_transitions(state, action, payload, expected):
    assert text_overlay.apply({"text": "Hello"}, state, action, payload, 0.0) == expected


@pytest.mark.parametrize(
    ("action", "payload", "message"),
    [
        ("blink", None, "unknown text_overlay action 'blink'"),
        ("set_text", {}, "set_text needs a payload"),
        ("set_text", {"text": 5}, "payload.text must be a string"),
        ("set_text", {"text": "x" * 501}, "501 characters long; the limit is 500"),
    ],
)
def test_text_overlay_rejects_bad_actions(action, payload, message):
    with pytest.raises(WidgetStateError, match=message):
        text_overlay.apply({}, SHOWN, action, payload, 0.0)


@pytest.mark.parametrize(
    ("style", "message"),
    [
        ({"color": "red; background: url(x)"}, "config.style.color must be a short CSS value"),
        ({"font_size": 0}, "font_size must be a number of pixels"),
        ({"align": "justify"}, "config.style.align must be one of left, center, right"),
        ({"blink": True}, "unknown style keys: blink"),
    ],
)
def test_text_overlay_rejects_bad_style(style, message):
    with pytest.raises(WidgetStateError, match=message):
        text_overlay.validate_config({"style": style})


def test_text_overlay_style_defaults_fill_in():
    config = text_overlay.validate_config({"text": "Hi", "style": {"color": "#ff0000"}})
    assert config["style"]["color"] == "#ff0000"
    assert config["style"]["font_size"] == text_overlay.DEFAULT_STYLE["font_size"]


POLL = {"question": "Next game?", "options": ["Celeste", "Hades", "Tetris"]}


@pytest.mark.parametrize(
    ("text", "option"),
    [("!vote 2", 2), ("  !VOTE   3  please", 3), ("!vote #1", 1), ("!vote", None), ("!voter 2", None),
     ("I !vote 2", None), ("!vote two", None), ("", None)],
)
def test_poll_parses_vote_commands(text, option):
    assert poll.parse_vote_command(text) == option


def test_poll_counts_one_vote_per_viewer_and_lets_them_change_it():
    state = poll.apply(POLL, {}, "open", None, 0.0)
    for voter, option in [("ann", 1), ("bob", 2), ("Ann", 3), ("cid", 3), ("bob", 2)]:
        state = poll.apply(POLL, state, "vote", {"option": option, "voter": voter}, 0.0)
    assert state["votes"] == [0, 1, 2]
    assert public_state("poll", POLL, state) == {"open": True, "votes": [0, 1, 2], "total": 3}


@pytest.mark.parametrize(
    ("state", "payload", "message"),
    [
        ({"open": False}, {"option": 1, "voter": "ann"}, "the poll is closed"),
        ({"open": True}, {"option": 4, "voter": "ann"}, "option number from 1 to 3"),
        ({"open": True}, {"option": 1}, "payload.voter must name the voter"),
    ],
)
def test_poll_rejects_bad_votes(state, payload, message):
    with pytest.raises(WidgetStateError, match=message):
        poll.apply(POLL, state, "vote", payload, 0.0)


def test_poll_tallies_restart_when_the_options_change():
    state = {"open": True, "votes": [4, 5], "voters": {}}
    assert poll.normalize_state(POLL, state) == {"open": True, "votes": [0, 0, 0], "voters": {}}


@pytest.mark.parametrize(
    ("widget_type", "action", "payload", "message"),
    [
        ("name_queue", "next", None, "widget type 'name_queue' has no live actions yet"),
        ("countdown", "", None, "action must be a non-empty string"),
        ("countdown", "start", ["not", "an", "object"], "payload must be an object"),
    ],
)
def test_dispatch_errors(widget_type, action, payload, message):
    with pytest.raises(WidgetStateError, match=message):
        apply(widget_type, {}, {}, action, payload, 0.0)


def test_state_machines_import_without_django():
    code = "import sys, widgets.state; assert not any(m.startswith('django') for m in sys.modules), sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])
