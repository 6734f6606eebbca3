"""Widget state machines: pure functions over plain data, no Django.

Each widget type has a module with ``validate_config``, ``initial_state``, ``normalize_state`` and
``apply(config, state, action, payload, now) -> new state``; this package dispatches on the type.
"""

from __future__ import annotations

from types import ModuleType

from widgets.state import countdown, poll, text_overlay
from widgets.state.errors import WidgetStateError

MACHINES: dict[str, ModuleType] = {"countdown": countdown, "text_overlay": text_overlay, "poll": poll}

__all__ = ["MACHINES", "WidgetStateError", "apply", "initial_state", "public_state", "validate_config"]


def _machine(widget_type: str) -> ModuleType:
    try:
        return MACHINES[widget_type]
    except KeyError:
        raise WidgetStateError(f"widget type {widget_type!r} has no live actions yet") from None


def validate_config(widget_type: str, config: dict) -> dict:
    """The config with defaults filled in; types without a state machine keep any JSON object."""
    if widget_type not in MACHINES:
        if not isinstance(config, dict):
            raise WidgetStateError("config must be an object")
        return config
    return MACHINES[widget_type].validate_config(config)


def initial_state(widget_type: str, config: dict) -> dict:
    machine = MACHINES.get(widget_type)
    return machine.initial_state(config) if machine else {}


def apply(widget_type: str, config: dict, state: dict, action: str, payload: dict | None, now: float) -> dict:
    if not isinstance(action, str) or not action:
        raise WidgetStateError("action must be a non-empty string")
    if payload is not None and not isinstance(payload, dict):
        raise WidgetStateError("payload must be an object")
    return _machine(widget_type).apply(config, state, action, payload, now)


def public_state(widget_type: str, config: dict, state: dict) -> dict:
    """What clients are shown: the state with defaults filled, less anything private (poll voters)."""
    machine = MACHINES.get(widget_type)
    if machine is None:
        return state or {}
    try:
        state = machine.normalize_state(config, state)
    except WidgetStateError:
        return state or {}
    return machine.public_state(state) if hasattr(machine, "public_state") else state
