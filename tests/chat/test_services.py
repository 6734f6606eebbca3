"""Links, subscriptions, storing, retention."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from chat import inbox, services
from chat.models import ChatDeadLetter, ChatMessage, EventSubSubscription, TwitchLink
from chat.services import ChatError

pytestmark = pytest.mark.django_db
CALLBACK = "https://studio.example.com/twitch/eventsub/"


def test_link_by_login_stores_twitchs_user_id(fake_twitch, user):
    link = services.twitch_link_create(owner=user, login=" Streamer ")
    assert (link.twitch_user_id, link.login, link.display_name) == ("1971641", "streamer", "Streamer")


def test_linking_an_unknown_login_says_so(fake_twitch, user):
    with pytest.raises(ChatError, match="no Twitch user with login 'ghost'"):
        services.twitch_link_create(owner=user, login="ghost")


def test_an_account_linked_to_someone_else_is_refused(fake_twitch, link, other_user):
    with pytest.raises(ChatError, match="already linked"):
        services.twitch_link_create(owner=other_user, login="streamer")


def test_subscribe_creates_a_pending_chat_subscription_at_twitch(fake_twitch, link, eventsub_secret):
    subscription = services.subscription_create(owner=link.owner, callback_url=CALLBACK)

    assert subscription.status == "pending"
    assert subscription.condition == {"broadcaster_user_id": "1971641", "user_id": "1971641"}
    remote = fake_twitch.subscriptions[subscription.twitch_id]
    assert remote["type"] == "channel.chat.message"
    assert remote["transport"]["callback"] == CALLBACK


@pytest.mark.parametrize(
    ("secret", "callback", "reason"),
    [
        ("short", CALLBACK, "10 to 100 characters"),
        ("long-enough-secret", "http://studio.example.com/", "only calls HTTPS"),
    ],
)
def test_subscribe_refuses_what_twitch_would_refuse(fake_twitch, link, settings, secret, callback, reason):
    settings.TWITCH_EVENTSUB_SECRET = secret
    with pytest.raises(ChatError, match=reason):
        services.subscription_create(owner=link.owner, callback_url=callback)
    assert fake_twitch.subscriptions == {}


def test_subscribe_without_a_link_says_what_to_do(fake_twitch, user, eventsub_secret):
    with pytest.raises(ChatError, match="link a Twitch account first"):
        services.subscription_create(owner=user, callback_url=CALLBACK)


def test_twitch_refusal_becomes_a_chat_error(fake_twitch, link, eventsub_secret):
    services.subscription_create(owner=link.owner, callback_url=CALLBACK)
    EventSubSubscription.objects.all().delete()
    with pytest.raises(ChatError, match="409.*already exists"):
        services.subscription_create(owner=link.owner, callback_url=CALLBACK)


def test_unreachable_twitch_becomes_a_chat_error(link, eventsub_secret, settings):
    from chat.services import _client

    settings.TWITCH_CLIENT_ID, settings.TWITCH_CLIENT_SECRET = "id", "secret"
    settings.TWITCH_AUTH_URL = "http://127.0.0.1:9/oauth2/token"
    _client.cache_clear()
    with pytest.raises(ChatError, match="unreachable"):
        services.subscription_create(owner=link.owner, callback_url=CALLBACK)
    _client.cache_clear()


def test_sync_takes_statuses_from_twitch(fake_twitch, link, eventsub_secret):
    enabled = services.subscription_create(owner=link.owner, callback_url=CALLBACK)
    fake_twitch.subscriptions[enabled.twitch_id]["status"] = "enabled"
    gone = EventSubSubscription.objects.create(
        owner=link.owner,
        link=link,
        twitch_id="deleted-elsewhere",
        callback_url=CALLBACK,
        status="enabled",
        twitch_status="enabled",
    )

    services.subscriptions_sync(owner=link.owner)

    enabled.refresh_from_db()
    gone.refresh_from_db()
    assert enabled.status == "enabled"
    assert (gone.status, gone.revoked_reason) == ("revoked", "deleted_at_twitch")
    assert gone.revoked_at is not None


def test_delete_removes_it_at_twitch_and_here(fake_twitch, link, eventsub_secret):
    subscription = services.subscription_create(owner=link.owner, callback_url=CALLBACK)
    services.subscription_delete(subscription=subscription)
    assert fake_twitch.subscriptions == {}
    assert not EventSubSubscription.objects.exists()


def _item(make_chat_body, **fields):
    import json

    return inbox.payload("2026-05-01T12:00:00.5Z", json.dumps(make_chat_body(**fields)).encode())


def test_store_assigns_owner_by_subscription_then_by_channel(make_chat_body, subscription, other_user):
    TwitchLink.objects.create(owner=other_user, twitch_user_id="5550001", login="otherstreamer")
    items = [
        _item(make_chat_body, message_id="a", subscription_id="sub-1"),
        _item(make_chat_body, message_id="b", subscription_id="unknown-sub", broadcaster_id="5550001"),
        _item(make_chat_body, message_id="c", subscription_id="unknown-sub", broadcaster_id="404"),
        b"2026-05-01T12:00:00Z\n{broken",
    ]

    result = services.chat_messages_store(items=items)

    assert (result.stored, result.unowned, result.dead_lettered) == (2, 1, 1)
    assert ChatDeadLetter.objects.get().payload == "2026-05-01T12:00:00Z\n{broken"
    owners = dict(ChatMessage.objects.values_list("twitch_message_id", "owner__username"))
    assert owners == {"a": "streamer", "b": "rival"}
    assert ChatMessage.objects.get(twitch_message_id="a").sent_at == datetime(2026, 5, 1, 12, 0, 0, 500000, tzinfo=UTC)


def test_drain_stores_a_batch_left_by_a_killed_worker(make_chat_body, subscription, clean_inbox, drain):
    # A worker died after claiming this batch; the task is delivered again with the same id.
    clean_inbox.rpush(inbox.processing_key("task-7"), _item(make_chat_body, message_id="orphan"))
    clean_inbox.rpush(inbox.INBOX, _item(make_chat_body, message_id="queued"))

    result = drain("task-7")

    assert result.stored == 2
    assert set(ChatMessage.objects.values_list("twitch_message_id", flat=True)) == {"orphan", "queued"}
    assert not clean_inbox.exists(inbox.processing_key("task-7"))


def test_drain_in_batches_stores_everything_once(make_chat_body, subscription, clean_inbox):
    clean_inbox.rpush(inbox.INBOX, *[_item(make_chat_body, message_id=f"m{n}") for n in range(25)])
    clean_inbox.rpush(inbox.INBOX, _item(make_chat_body, message_id="m3"))
    services.eventsub_inbox_drain(task_id="t", batch_size=10)
    assert ChatMessage.objects.count() == 25
    assert clean_inbox.llen(inbox.INBOX) == 0


def test_purge_deletes_only_messages_past_retention(user, settings):
    settings.CHAT_RETENTION_DAYS = 30
    now = timezone.now()
    for name, age in (("old", 31), ("edge", 29), ("new", 0)):
        message = ChatMessage.objects.create(
            owner=user, twitch_message_id=name, broadcaster_user_id="1", text=name, sent_at=now - timedelta(days=age)
        )
        ChatMessage.objects.filter(pk=message.pk).update(received_at=now - timedelta(days=age))

    assert services.chat_messages_purge_expired(now=now) == 1
    assert set(ChatMessage.objects.values_list("text", flat=True)) == {"edge", "new"}
    assert services.chat_messages_purge_expired(now=now, days=1) == 1


def test_vote_commands_in_chat_count_in_the_streamers_open_poll(make_chat_body, subscription):
    from widgets import services as widget_services

    poll = widget_services.widget_create(
        owner=subscription.owner, title="Next game", type="poll", config={"question": "Next?", "options": ["A", "B"]}
    )
    widget_services.widget_apply_action(widget_id=poll.id, user=subscription.owner, action="open")
    items = [
        _item(make_chat_body, message_id="v1", chatter="alice", text="!vote 2"),
        _item(make_chat_body, message_id="v2", chatter="bob", text="!vote 2"),
        _item(make_chat_body, message_id="v3", chatter="alice", text="!vote 1"),
        _item(make_chat_body, message_id="v4", chatter="carol", text="gg"),
    ]

    services.chat_messages_store(items=items)
    services.chat_messages_store(items=items)  # a redelivered batch counts nothing twice

    poll.refresh_from_db()
    assert poll.state["votes"] == [1, 1]


# --- nothing received is lost ------------------------------------------------------------------------
def test_a_poison_notification_is_dead_lettered_and_the_rest_of_its_batch_stored(
    post_eventsub, make_chat_body, subscription, clean_inbox, drain
):
    valid = [make_chat_body(message_id=f"ok-{n}", text=f"hello {n}") for n in range(5)]
    repairable = [
        make_chat_body(message_id="nul-text", text="be\x00fore"),
        make_chat_body(message_id="surrogate-name", chatter="vi\ud800ewer"),
    ]
    poison = [make_chat_body(message_id="x" * 101), make_chat_body(message_id="bad-\ud800-id")]
    for body in valid[:2] + poison[:1] + repairable + valid[2:] + poison[1:]:
        assert post_eventsub(body).status_code == 204  # Twitch is told "taken" before anything is stored

    result = drain()

    stored = dict(ChatMessage.objects.values_list("twitch_message_id", "text"))
    assert {f"ok-{n}": f"hello {n}" for n in range(5)}.items() <= stored.items()
    assert stored["nul-text"] == "be\ufffdfore"
    assert ChatMessage.objects.get(twitch_message_id="surrogate-name").chatter_login == "vi\ufffdewer"
    assert len(stored) == 7
    letters = {letter.twitch_message_id: letter for letter in ChatDeadLetter.objects.all()}
    assert set(letters) == {"x" * 100, "bad-\ufffd-id"}
    assert letters["x" * 100].error == "twitch_message_id is 101 characters long; at most 100 can be stored"
    assert "lone surrogate" in letters["bad-\ufffd-id"].error
    assert '"message_id": "' + "x" * 101 + '"' in letters["x" * 100].payload  # the whole body, as received
    assert {letter.owner for letter in letters.values()} == {subscription.owner}
    assert (result.stored, result.dead_lettered) == (7, 2)
    assert not clean_inbox.exists(inbox.processing_key("test-drain"))


def test_a_row_the_database_refuses_sinks_only_itself(make_chat_body, subscription, clean_inbox, drain, monkeypatch):
    # Should the repairs miss a value PostgreSQL refuses, the batch is inserted row by row.
    monkeypatch.setattr(services, "storable_chat_fields", lambda fields, max_lengths: dict(fields))
    items = [_item(make_chat_body, message_id=f"ok-{n}") for n in range(5)]
    clean_inbox.rpush(inbox.INBOX, *items[:3], _item(make_chat_body, message_id="nul", text="\x00"), *items[3:])

    drain()

    assert set(ChatMessage.objects.values_list("twitch_message_id", flat=True)) == {f"ok-{n}" for n in range(5)}
    letter = ChatDeadLetter.objects.get()
    assert letter.twitch_message_id == "nul"
    assert letter.error == "refused by the database: PostgreSQL text fields cannot contain NUL (0x00) bytes"
    drain()  # a redelivered batch adds no second dead letter
    assert ChatDeadLetter.objects.count() == 1


def test_a_batch_whose_worker_died_goes_back_to_the_inbox_and_is_stored_once(
    make_chat_body, subscription, clean_inbox, drain, settings
):
    settings.CHAT_INBOX_LEASE_SECONDS = 600
    stored_before_dying, not_yet = _item(make_chat_body, message_id="a"), _item(make_chat_body, message_id="b")
    services.chat_messages_store(items=[stored_before_dying])
    dead, live = inbox.processing_key("dead-worker-task"), inbox.processing_key("live-worker-task")
    clean_inbox.rpush(dead, stored_before_dying, not_yet)
    clean_inbox.rpush(live, _item(make_chat_body, message_id="c"))
    clean_inbox.zadd(inbox.LEASES, {dead: time.time() - 601, live: time.time() - 5})
    clean_inbox.rpush(inbox.INBOX, _item(make_chat_body, message_id="d"))

    drain("another-task")

    assert sorted(ChatMessage.objects.values_list("twitch_message_id", flat=True)) == ["a", "b", "d"]
    assert not clean_inbox.exists(dead)
    assert clean_inbox.llen(live) == 1  # a batch still within its lease is left to its worker
    assert clean_inbox.zrange(inbox.LEASES, 0, -1) == [live.encode()]


def test_a_batch_claimed_by_the_previous_version_is_recovered(make_chat_body, subscription, clean_inbox, settings):
    # Before leases, a claimed batch expired after 7 days: one stuck there is adopted, then put back.
    legacy = inbox.processing_key("old-task")
    clean_inbox.rpush(legacy, _item(make_chat_body, message_id="stuck"))
    clean_inbox.expire(legacy, 7 * 24 * 3600)

    assert services.eventsub_batches_adopt() == 1
    assert clean_inbox.ttl(legacy) == -1
    settings.CHAT_INBOX_LEASE_SECONDS = 0
    services.eventsub_inbox_drain(task_id="new-task")

    assert ChatMessage.objects.get().twitch_message_id == "stuck"
    assert not clean_inbox.exists(legacy)
