"""Episode titles from a series template and chat's mark commands (pure: no Django)."""

from __future__ import annotations

import string
from collections.abc import Iterable

DEFAULT_TEMPLATE = "{title} - Episode {order}"
PLACEHOLDERS = ("title", "series", "order", "date")
MARK_COMMANDS = ("!clip", "!highlight")
MARKERS = frozenset({"broadcaster", "moderator"})  # badge set ids allowed to mark


def episode_title(template: str, *, title: str, series: str, order: int, date: str) -> str:
    """The template filled in; a template that names other placeholders or is malformed falls back to the
    default one, so one typo in a series never fails a stream's proposals."""
    values = {"title": title, "series": series, "order": order, "date": date}
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
        if any(name not in PLACEHOLDERS for name in fields):
            raise ValueError(template)
        result = template.format(**values)
    except (ValueError, IndexError, KeyError, AttributeError):
        result = DEFAULT_TEMPLATE.format(**values)
    return " ".join(result.split())[:200] or DEFAULT_TEMPLATE.format(**values)


def is_mark_command(text: str) -> bool:
    """``!clip`` or ``!highlight`` as the message's first word (any case, anything after it)."""
    first = text.strip().split(maxsplit=1)[0].lower() if text.strip() else ""
    return first in MARK_COMMANDS


def mark_note(text: str) -> str:
    """What follows the command: ``!clip that jump`` -> ``that jump`` (the highlight's title)."""
    parts = text.strip().split(maxsplit=1)
    return parts[1].strip()[:200] if len(parts) > 1 else ""


def may_mark(*, chatter_user_id: str, broadcaster_user_id: str, badges: Iterable[str]) -> bool:
    """The streamer (their own chat) or one of their moderators; never a viewer."""
    if chatter_user_id and chatter_user_id == broadcaster_user_id:
        return True
    return bool(MARKERS & set(badges or ()))
