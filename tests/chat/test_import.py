"""Chat import from TwitchDownloaderCLI JSON, and the activity series built from it."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from chat.activity import ActivityWindow, activity_series
from chat.models import ChatMessage
from chat.selectors import stream_chat_activity, stream_chat_messages
from chat.twitchdownloader import ChatLogError, parse_chat_log
from streams.models import Stream

RECORDED_AT = datetime(2026, 4, 2, 19, 0, 0, tzinfo=UTC)


def comment(offset, name, body, _id=None):
    item = {"created_at": "2026-04-02T19:00:00Z", "channel_id": "1971641", "content_type": "video",
            "content_id": "2100000000", "content_offset_seconds": offset,
            "commenter": {"display_name": name.title(), "_id": f"id-{name}", "name": name, "logo": ""},
            "message": {"body": body, "bits_spent": 0, "fragments": [{"text": body, "emoticon": None}],
                        "user_badges": [], "user_color": "#FF0000", "emoticons": []}}
    if _id is not None:
        item["_id"] = _id
    return item


CHAT_LOG = {
    "FileInfo": {"Version": {"Major": 1, "Minor": 3, "Patch": 1}},
    "streamer": {"name": "streamer", "id": 1971641},
    "video": {"title": "Old VOD", "id": "2100000000", "start": 0, "end": 60, "length": 60},
    "comments": [
        comment(1.5, "alice", "hello", "c-1"),
        comment(4, "bob", "hi", "c-2"),
        comment(12.25, "alice", "lol", "c-3"),
        comment(12.5, "alice", "LOL", "c-4"),
        comment(55, "carol", "gg", None),
    ],
}


def test_parse_reads_offsets_chatters_and_text():
    log = parse_chat_log(CHAT_LOG)
    assert (log.broadcaster_user_id, log.broadcaster_login) == ("1971641", "streamer")
    first = log.comments[0]
    assert (first.message_id, first.offset, first.chatter_login, first.chatter_display_name, first.text) == (
        "c-1", 1.5, "alice", "Alice", "hello")
    assert log.comments[-1].message_id.startswith("import-")  # no _id: a stable one is made up
    assert parse_chat_log(CHAT_LOG).comments[-1].message_id == log.comments[-1].message_id


@pytest.mark.parametrize(("doc", "problem"), [
    ([], "/: must be a JSON object"),
    ({"video": {}}, "/comments: must be a list"),
    ({"comments": ["x"]}, "/comments/0: must be an object"),
    ({"comments": [{**comment(1, "a", "b"), "content_offset_seconds": -1}]}, "/comments/0/content_offset_seconds"),
    ({"comments": [{**comment(1, "a", "b"), "content_offset_seconds": "1"}]}, "/comments/0/content_offset_seconds"),
    ({"comments": [comment(1, "a", "b"), {**comment(1, "a", "b"), "message": {}}]}, "/comments/1/message/body"),
    ({"comments": [{**comment(1, "a", "b"), "commenter": None}]}, "/comments/0/commenter/display_name"),
])
def test_bad_logs_name_the_field(doc, problem):
    with pytest.raises(ChatLogError) as caught:
        parse_chat_log(doc)
    assert problem in str(caught.value)


def test_activity_counts_messages_and_distinct_chatters_per_window():
    events = [(1.5, "alice"), (4, "bob"), (12.25, "alice"), (12.5, "alice"), (29.9, "carol"), (30, "late"),
              (-1, "early")]
    assert activity_series(events, duration=30, window=10) == [
        ActivityWindow(start=0, messages=2, chatters=2),
        ActivityWindow(start=10, messages=2, chatters=1),
        ActivityWindow(start=20, messages=1, chatters=1),
    ]


def test_activity_of_a_partial_last_window_and_empty_stream():
    assert activity_series([(24, "a")], duration=25, window=10)[-1] == ActivityWindow(start=20, messages=1, chatters=1)
    assert activity_series([(1, "a")], duration=0) == []
    with pytest.raises(ValueError):
        activity_series([], duration=10, window=0)


@pytest.fixture
def stream(user):
    return Stream.objects.create(owner=user, title="Old VOD", recorded_at=RECORDED_AT, duration=60)


@pytest.fixture
def log_file(tmp_path):
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(CHAT_LOG))
    return path


@pytest.mark.django_db
def test_import_command_places_chat_on_the_stream_timeline_once(stream, log_file, capsys):
    call_command("import_chat", str(stream.pk), str(log_file))
    call_command("import_chat", str(stream.pk), str(log_file))

    out = capsys.readouterr().out
    assert "5 messages imported" in out and "0 were already stored" in out
    assert "0 messages imported" in out and "5 were already stored" in out
    assert ChatMessage.objects.filter(stream=stream, source="import").count() == 5
    hello = ChatMessage.objects.get(twitch_message_id="c-1")
    assert hello.sent_at == RECORDED_AT + timedelta(seconds=1.5)
    assert (hello.owner, hello.chatter_login, hello.broadcaster_user_id) == (stream.owner, "alice", "1971641")


@pytest.mark.django_db
def test_vod_start_shifts_the_alignment(stream, log_file):
    call_command("import_chat", str(stream.pk), str(log_file), "--vod-start", "4")
    assert ChatMessage.objects.get(twitch_message_id="c-2").sent_at == RECORDED_AT


@pytest.mark.django_db
@pytest.mark.parametrize(("content", "message"), [
    ("{broken", "not valid JSON"),
    ('{"comments": [{"content_offset_seconds": 1}]}', "/comments/0/commenter/display_name"),
])
def test_bad_files_are_named_and_store_nothing(stream, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(CommandError) as caught:
        call_command("import_chat", str(stream.pk), str(path))
    assert str(path) in str(caught.value) and message in str(caught.value)
    assert not ChatMessage.objects.exists()


@pytest.mark.django_db
def test_missing_file_stream_or_start_time_are_clear_errors(stream, log_file, tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_chat", str(stream.pk), str(tmp_path / "nope.json"))
    with pytest.raises(CommandError, match="no stream with id 999999"):
        call_command("import_chat", "999999", str(log_file))
    Stream.objects.filter(pk=stream.pk).update(recorded_at=None)
    with pytest.raises(CommandError, match="has no recorded_at"):
        call_command("import_chat", str(stream.pk), str(log_file))


@pytest.mark.django_db
def test_stream_activity_joins_imported_and_live_messages(stream, log_file, user, other_user):
    call_command("import_chat", str(stream.pk), str(log_file))

    def live(message_id, owner, seconds, chatter):
        ChatMessage.objects.create(owner=owner, twitch_message_id=message_id, broadcaster_user_id="1971641",
                                   chatter_login=chatter, text="live", sent_at=RECORDED_AT + timedelta(seconds=seconds))

    live("live-in", user, 21, "dave")
    live("live-after", user, 61, "dave")
    live("someone-elses", other_user, 22, "eve")

    assert stream_chat_messages(stream).count() == 6
    series = stream_chat_activity(stream)
    assert [(w.start, w.messages, w.chatters) for w in series] == [
        (0, 2, 2), (10, 2, 1), (20, 1, 1), (30, 0, 0), (40, 0, 0), (50, 1, 1)]
