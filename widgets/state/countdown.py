"""Countdown timer: pure transitions ``(config, state, action, payload, now) -> new state``.

Times are POSIX seconds (floats) on the server's clock. ``duration_left`` keeps its fractions across
pauses (the reference truncated it and a paused timer could show 0); clients display
``duration_left - (server_now - last_tick_timestamp)`` while enabled, so nothing drifts however long
a page stays open.
"""

from __future__ import annotations

import math

from widgets.state.errors import WidgetStateError

DEFAULT_DURATION = 300.0
# A generous cap (one year) keeps absurd numbers from overflowing clients' date arithmetic.
MAX_DURATION = 366 * 24 * 3600.0
ACTIONS = ("start", "pause", "resume", "reset", "set_duration")


def _duration(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise WidgetStateError(f"{field} must be a number of seconds, got {value!r}")
    if value < 0:
        raise WidgetStateError(f"{field} must be >= 0, got {value!r}")
    if value > MAX_DURATION:
        raise WidgetStateError(f"{field} must be at most {MAX_DURATION:.0f} seconds, got {value!r}")
    return float(value)


def validate_config(config: dict) -> dict:
    """Config with defaults filled in: ``{duration, text, title}``."""
    if not isinstance(config, dict):
        raise WidgetStateError("config must be an object")
    unknown = sorted(set(config) - {"duration", "text", "title"})
    if unknown:
        raise WidgetStateError(f"unknown countdown config keys: {', '.join(unknown)}")
    for key in ("text", "title"):
        if not isinstance(config.get(key, ""), str):
            raise WidgetStateError(f"config.{key} must be a string")
    return {
        "duration": _duration(config.get("duration", DEFAULT_DURATION), "config.duration"),
        "text": config.get("text", ""),
        "title": config.get("title", ""),
    }


def initial_state(config: dict) -> dict:
    return {"duration_left": validate_config(config)["duration"], "enabled": False, "last_tick_timestamp": None}


def normalize_state(config: dict, state: dict) -> dict:
    """A stored state with any missing key filled from the initial state (records made by hand or the admin)."""
    return {**initial_state(config), **(state or {})}


def remaining(state: dict, now: float) -> float:
    """Seconds left at ``now``, never negative."""
    left = float(state["duration_left"])
    if state["enabled"] and state["last_tick_timestamp"] is not None:
        left -= max(0.0, now - float(state["last_tick_timestamp"]))
    return max(0.0, left)


def apply(config: dict, state: dict, action: str, payload: dict | None, now: float) -> dict:
    config = validate_config(config)
    state = normalize_state(config, state)
    payload = payload or {}
    if action == "start":
        return {"duration_left": config["duration"], "enabled": True, "last_tick_timestamp": now}
    if action == "pause":
        # Pausing a paused timer changes nothing: elapsed time is only counted while enabled.
        return {"duration_left": remaining(state, now), "enabled": False, "last_tick_timestamp": None}
    if action == "resume":
        if state["enabled"]:
            return state  # resuming a running timer must not restart its tick and gain time
        return {**state, "enabled": True, "last_tick_timestamp": now}
    if action == "reset":
        return {"duration_left": config["duration"], "enabled": False, "last_tick_timestamp": None}
    if action == "set_duration":
        if not isinstance(payload, dict) or "duration" not in payload:
            raise WidgetStateError("set_duration needs a payload {duration: seconds >= 0}")
        left = _duration(payload["duration"], "payload.duration")
        return {**state, "duration_left": left, "last_tick_timestamp": now if state["enabled"] else None}
    raise WidgetStateError(f"unknown countdown action {action!r}; expected one of {', '.join(ACTIONS)}")
