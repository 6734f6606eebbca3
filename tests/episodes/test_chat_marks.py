"""``!clip`` and ``!highlight`` in chat from the streamer or a moderator mark a highlight, through the real
chat storage (EventSub inbox items and TwitchDownloader imports)."""

import json
from datetime import timedelta

import pytest

from chat import inbox
from chat.eventsub import format_timestamp
from chat.models import ChatMessage
from chat.services import chat_import, chat_messages_store
from chat.twitchdownloader import parse_chat_log
from episodes.models import Highlight
from episodes.proposals.services import stream_propose
from streams.models import Series
from tests.chat.conftest import chat_body, link, subscription  # noqa: F401  (fixtures)
from tests.episodes.conftest import BROADCASTER_ID, RECORDED_AT

# The streamer's EventSub subscription (tests/chat/conftest.py), so live chat finds its owner.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("subscription")]


def item(text: str, seconds: float, *, chatter_id: str, badges=(), message_id: str | None = None) -> bytes:
    body = chat_body(subscription_id="sub-1", text=text, chatter=f"user{chatter_id}", message_id=message_id)
    body["event"]["chatter_user_id"] = chatter_id
    body["event"]["badges"] = [{"set_id": badge, "id": "1", "info": ""} for badge in badges]
    return inbox.payload(format_timestamp(RECORDED_AT + timedelta(seconds=seconds)), json.dumps(body).encode())


def chat_marks(stream):
    return list(Highlight.objects.filter(stream=stream, source=Highlight.Source.CHAT_MARK).order_by("peak"))


def test_the_streamers_clip_command_marks_the_moment_before_it(recorded):
    chat_messages_store(items=[item("!clip that jump", 320.0, chatter_id=BROADCASTER_ID)])

    (mark,) = chat_marks(recorded)
    assert mark.peak == 315.0  # sent at 320 s, minus the default 5 s lag
    assert (mark.start, mark.end) == (305.0, 320.0)
    assert (mark.title, mark.marked_by, mark.status) == ("that jump", f"user{BROADCASTER_ID}", "proposed")
    assert "!clip in chat by" in mark.reason


def test_a_moderator_may_mark_a_viewer_may_not(recorded):
    chat_messages_store(
        items=[
            item("!highlight", 100.0, chatter_id="42", badges=["moderator"]),
            item("!clip", 200.0, chatter_id="43", badges=["subscriber", "vip"]),
            item("clip it !clip", 210.0, chatter_id=BROADCASTER_ID),
        ]
    )

    assert [m.peak for m in chat_marks(recorded)] == [95.0]
    assert ChatMessage.objects.get(chatter_user_id="42").badges == ["moderator"]


def test_the_lag_is_set_per_series(recorded, user):
    recorded.series = Series.objects.create(owner=user, name="Show", proposal_settings={"mark_lag": 12.5})
    recorded.save()

    chat_messages_store(items=[item("!clip", 320.0, chatter_id=BROADCASTER_ID)])

    assert chat_marks(recorded)[0].peak == 307.5


def test_a_redelivered_message_marks_once_and_a_rerun_keeps_the_mark(recorded):
    message = item("!clip", 320.0, chatter_id=BROADCASTER_ID, message_id="m-1")
    chat_messages_store(items=[message])
    chat_messages_store(items=[message])

    stream_propose(stream_id=recorded.id)

    assert len(chat_marks(recorded)) == 1


def test_a_mark_sent_before_the_recording_was_ingested_appears_when_proposals_run(make_stream, user):
    chat_messages_store(items=[item("!clip", 500.0, chatter_id=BROADCASTER_ID)])  # live: no stream yet
    assert not Highlight.objects.exists()
    stream = make_stream(user)

    stream_propose(stream_id=stream.id)

    assert [m.peak for m in chat_marks(stream)] == [495.0]


def test_a_mark_outside_every_recording_marks_nothing(recorded):
    chat_messages_store(items=[item("!clip", 5000.0, chatter_id=BROADCASTER_ID)])

    assert chat_marks(recorded) == []
    assert ChatMessage.objects.filter(text="!clip").exists()  # the message itself is stored all the same


def test_imported_chat_marks_too(make_stream, user, other_user):
    stream = make_stream(user)
    log = parse_chat_log(
        {
            "streamer": {"name": "streamer", "id": int(BROADCASTER_ID)},
            "comments": [
                {
                    "_id": f"imp-{index}",
                    "content_offset_seconds": offset,
                    "commenter": {"display_name": name, "_id": chatter_id, "name": name.lower()},
                    "message": {"body": body, "user_badges": [{"_id": badge} for badge in badges]},
                }
                for index, (offset, name, chatter_id, body, badges) in enumerate(
                    [
                        (150.0, "Streamer", BROADCASTER_ID, "!clip", []),
                        (400.0, "Mod", "77", "!highlight the loot", ["moderator"]),
                        (450.0, "Viewer", "78", "!clip", []),
                    ]
                )
            ],
        }
    )

    chat_import(stream=stream, log=log)
    chat_import(stream=stream, log=log)  # a second import marks nothing twice

    assert [(m.peak, m.title) for m in chat_marks(stream)] == [(145.0, ""), (395.0, "the loot")]
    assert not Highlight.objects.filter(stream__owner=other_user).exists()
