"""What PostgreSQL cannot store in a chat message: repaired in names and text, poison in identifiers."""

import pytest

from chat.storable import Unstorable, storable_chat_fields

LIMITS = {"twitch_message_id": 100, "broadcaster_user_id": 50, "chatter_user_id": 50, "chatter_login": 100}
FIELDS = {"twitch_message_id": "m-1", "broadcaster_user_id": "1", "chatter_user_id": "2", "text": "hi", "sent_at": 0}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"text": "a\x00b"}, {"text": "a\ufffdb"}),
        ({"text": "a\ud800b\udfff"}, {"text": "a\ufffdb\ufffd"}),
        ({"text": "emoji \U0001f600 stays"}, {"text": "emoji \U0001f600 stays"}),
        ({"chatter_login": "x" * 101}, {"chatter_login": "x" * 100}),
        ({"chatter_login": "\x00" + "x" * 100}, {"chatter_login": "\ufffd" + "x" * 99}),
        ({"twitch_message_id": "x" * 100}, {"twitch_message_id": "x" * 100}),
    ],
)
def test_names_and_text_are_repaired(change, expected):
    assert storable_chat_fields({**FIELDS, **change}, LIMITS) == {**FIELDS, **expected}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"twitch_message_id": "x" * 101}, "twitch_message_id is 101 characters long; at most 100 can be stored"),
        ({"twitch_message_id": "m\x00"}, "twitch_message_id holds a NUL character or a lone surrogate"),
        ({"broadcaster_user_id": "\ud800"}, "broadcaster_user_id holds a NUL character or a lone surrogate"),
        ({"chatter_user_id": "9" * 51}, "chatter_user_id is 51 characters long; at most 50"),
    ],
)
def test_identifiers_that_cannot_be_stored_exactly_are_poison(change, reason):
    with pytest.raises(Unstorable, match=reason):
        storable_chat_fields({**FIELDS, **change}, LIMITS)

