"""Text overlay: a line of text with a style, shown or hidden live.

Config ``{text, style}`` holds the default text and the look; state ``{text, visible}`` is what is on
screen now, so editing the text live is an action (pushed as a state update) and restyling is a config
edit (pushed as a config update).
"""

from __future__ import annotations

from widgets.state.errors import WidgetStateError

MAX_TEXT = 500
ACTIONS = ("show", "hide", "toggle", "set_text", "reset")
ALIGNMENTS = ("left", "center", "right")
POSITIONS = ("top", "middle", "bottom")
# Values end up in CSS properties set from JavaScript; these characters have no business there.
_CSS_FORBIDDEN = set(";{}<>\\\"")
_STRING_STYLES = ("color", "background", "font_family", "font_weight", "text_shadow")
DEFAULT_STYLE = {
    "color": "#ffffff",
    "background": "transparent",
    "font_family": "sans-serif",
    "font_size": 48,
    "font_weight": "bold",
    "text_shadow": "0 2px 6px rgba(0,0,0,0.8)",
    "align": "center",
    "position": "bottom",
}


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise WidgetStateError(f"{field} must be a string")
    if len(value) > MAX_TEXT:
        raise WidgetStateError(f"{field} is {len(value)} characters long; the limit is {MAX_TEXT}")
    return value


def _style(style: object) -> dict:
    if not isinstance(style, dict):
        raise WidgetStateError("config.style must be an object")
    unknown = sorted(set(style) - set(DEFAULT_STYLE))
    if unknown:
        raise WidgetStateError(f"unknown style keys: {', '.join(unknown)}; allowed: {', '.join(DEFAULT_STYLE)}")
    merged = {**DEFAULT_STYLE, **style}
    for key in _STRING_STYLES:
        value = merged[key]
        if not isinstance(value, str) or len(value) > 100 or _CSS_FORBIDDEN & set(value):
            raise WidgetStateError(f"config.style.{key} must be a short CSS value without ; {{ }} < > \\ \"")
    size = merged["font_size"]
    if isinstance(size, bool) or not isinstance(size, (int, float)) or not 1 <= size <= 400:
        raise WidgetStateError(f"config.style.font_size must be a number of pixels from 1 to 400, got {size!r}")
    if merged["align"] not in ALIGNMENTS:
        raise WidgetStateError(f"config.style.align must be one of {', '.join(ALIGNMENTS)}")
    if merged["position"] not in POSITIONS:
        raise WidgetStateError(f"config.style.position must be one of {', '.join(POSITIONS)}")
    return merged


def validate_config(config: dict) -> dict:
    if not isinstance(config, dict):
        raise WidgetStateError("config must be an object")
    unknown = sorted(set(config) - {"text", "style"})
    if unknown:
        raise WidgetStateError(f"unknown text overlay config keys: {', '.join(unknown)}")
    return {"text": _text(config.get("text", ""), "config.text"), "style": _style(config.get("style", {}))}


def initial_state(config: dict) -> dict:
    return {"text": validate_config(config)["text"], "visible": True}


def normalize_state(config: dict, state: dict) -> dict:
    return {**initial_state(config), **(state or {})}


def apply(config: dict, state: dict, action: str, payload: dict | None, now: float) -> dict:
    config = validate_config(config)
    state = normalize_state(config, state)
    payload = payload or {}
    if action == "show":
        return {**state, "visible": True}
    if action == "hide":
        return {**state, "visible": False}
    if action == "toggle":
        return {**state, "visible": not state["visible"]}
    if action == "set_text":
        if not isinstance(payload, dict) or "text" not in payload:
            raise WidgetStateError("set_text needs a payload {text: string}")
        return {**state, "text": _text(payload["text"], "payload.text")}
    if action == "reset":
        return initial_state(config)
    raise WidgetStateError(f"unknown text_overlay action {action!r}; expected one of {', '.join(ACTIONS)}")
