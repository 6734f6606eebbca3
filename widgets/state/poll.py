"""Poll: viewers vote from chat (``!vote 2``), tallies update live.

Config ``{question, options[]}``; state ``{open, votes[], voters{}}`` where ``votes[i]`` counts option
``i + 1`` and ``voters`` maps a chatter to the option they chose, so a viewer has one vote and may
change it. ``voters`` stays on the server: ``public_state`` is what clients see.
"""

from __future__ import annotations

import re

from widgets.state.errors import WidgetStateError

MIN_OPTIONS, MAX_OPTIONS = 2, 10
MAX_OPTION_TEXT = 100
ACTIONS = ("open", "close", "reset", "vote")
_VOTE_COMMAND = re.compile(r"^\s*!vote\s+#?(\d{1,3})(?:\s|$)", re.IGNORECASE)


def parse_vote_command(text: str) -> int | None:
    """The option number in a chat message like ``!vote 2``, else None."""
    match = _VOTE_COMMAND.match(text or "")
    return int(match.group(1)) if match else None


def validate_config(config: dict) -> dict:
    if not isinstance(config, dict):
        raise WidgetStateError("config must be an object")
    unknown = sorted(set(config) - {"question", "options"})
    if unknown:
        raise WidgetStateError(f"unknown poll config keys: {', '.join(unknown)}")
    question = config.get("question", "")
    options = config.get("options", ["Yes", "No"])
    if not isinstance(question, str) or len(question) > 300:
        raise WidgetStateError("config.question must be a string of at most 300 characters")
    if not isinstance(options, list) or not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise WidgetStateError(f"config.options must be a list of {MIN_OPTIONS} to {MAX_OPTIONS} strings")
    for index, option in enumerate(options):
        if not isinstance(option, str) or not option.strip() or len(option) > MAX_OPTION_TEXT:
            raise WidgetStateError(f"config.options[{index}] must be a non-empty string of at most {MAX_OPTION_TEXT}")
    return {"question": question, "options": list(options)}


def initial_state(config: dict) -> dict:
    return {"open": False, "votes": [0] * len(validate_config(config)["options"]), "voters": {}}


def normalize_state(config: dict, state: dict) -> dict:
    state = {**initial_state(config), **(state or {})}
    if len(state["votes"]) != len(validate_config(config)["options"]):
        # The options changed under a running poll: old tallies would be credited to the wrong answers.
        return {**initial_state(config), "open": state["open"]}
    return state


def public_state(state: dict) -> dict:
    return {"open": state.get("open", False), "votes": state.get("votes", []), "total": sum(state.get("votes", []))}


def apply(config: dict, state: dict, action: str, payload: dict | None, now: float) -> dict:
    config = validate_config(config)
    state = normalize_state(config, state)
    payload = payload or {}
    if action == "open":
        return {**state, "open": True}
    if action == "close":
        return {**state, "open": False}
    if action == "reset":
        return initial_state(config)
    if action == "vote":
        return _vote(config, state, payload)
    raise WidgetStateError(f"unknown poll action {action!r}; expected one of {', '.join(ACTIONS)}")


def _vote(config: dict, state: dict, payload: dict) -> dict:
    if not state["open"]:
        raise WidgetStateError("the poll is closed")
    option, voter = payload.get("option"), payload.get("voter")
    if isinstance(option, bool) or not isinstance(option, int) or not 1 <= option <= len(config["options"]):
        raise WidgetStateError(f"payload.option must be an option number from 1 to {len(config['options'])}")
    if not isinstance(voter, str) or not voter.strip():
        raise WidgetStateError("payload.voter must name the voter")
    voter = voter.strip().lower()
    votes = list(state["votes"])
    previous = state["voters"].get(voter)
    if previous == option:
        return state
    if previous is not None:
        votes[previous - 1] -= 1
    votes[option - 1] += 1
    return {**state, "votes": votes, "voters": {**state["voters"], voter: option}}
