"""Making a chat message storable in PostgreSQL, or saying why it cannot be (pure: no Django).

Twitch signs what it sends, not what PostgreSQL accepts: a text column takes no NUL character, UTF-8
has no lone surrogates (JSON's ``"\\ud800"`` decodes to one) and our columns have lengths. Identifiers
must be stored exactly (the message id is what makes a redelivery a duplicate), so one that cannot be
makes the message poison; names and text are for people, so their unstorable characters become
U+FFFD and an over-long name is cut.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

IDENTIFIERS = frozenset({"twitch_message_id", "broadcaster_user_id", "chatter_user_id"})
REPLACEMENT = "\ufffd"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class Unstorable(ValueError):
    """A message that cannot be stored as it is; the reason names the field."""


def is_storable(value: str) -> bool:
    """Whether PostgreSQL can take ``value`` as text: no NUL, no lone surrogate."""
    return _UNSTORABLE.search(value) is None


def storable_text(value: str) -> str:
    """``value`` with NUL characters and lone surrogates replaced by U+FFFD."""
    return _UNSTORABLE.sub(REPLACEMENT, value)


def storable_chat_fields(fields: Mapping, max_lengths: Mapping[str, int]) -> dict:
    """ChatMessage field values made storable; ``Unstorable`` if an identifier cannot be stored exactly.

    ``max_lengths``: the column length of each length-limited field.
    """
    result = dict(fields)
    for name, value in fields.items():
        if not isinstance(value, str):
            continue
        limit = max_lengths.get(name)
        if name in IDENTIFIERS:
            if not is_storable(value):
                raise Unstorable(f"{name} holds a NUL character or a lone surrogate, which PostgreSQL cannot store")
            if limit is not None and len(value) > limit:
                raise Unstorable(f"{name} is {len(value)} characters long; at most {limit} can be stored")
        else:
            value = storable_text(value)
            result[name] = value[:limit] if limit is not None else value
    return result
