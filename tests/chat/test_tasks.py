"""The drain task: a database that is down leaves the batch for the retry, which stores it."""

import json

import pytest
from django.db import OperationalError

from chat import inbox
from chat.models import ChatDeadLetter, ChatMessage
from chat.tasks import store_eventsub_notifications

pytestmark = pytest.mark.django_db


def test_a_batch_the_database_could_not_take_is_stored_by_the_retry(
    make_chat_body, subscription, clean_inbox, monkeypatch
):
    items = [
        inbox.payload("2026-05-01T12:00:00Z", json.dumps(make_chat_body(message_id=f"m{n}")).encode()) for n in range(3)
    ]
    clean_inbox.rpush(inbox.INBOX, *items)
    insert = ChatMessage.objects.bulk_create
    calls = []

    def database_down_once(*args, **kwargs):
        calls.append(clean_inbox.lrange(inbox.processing_key("drain-1"), 0, -1))
        if len(calls) == 1:
            raise OperationalError("connection to server was lost")
        return insert(*args, **kwargs)

    monkeypatch.setattr(ChatMessage.objects, "bulk_create", database_down_once)

    # Run eagerly, the task runs its retry (same task id) at once instead of after the backoff.
    result = store_eventsub_notifications.apply(task_id="drain-1")

    assert result.state == "SUCCESS"
    assert calls == [items, items]  # the retry found the batch where the failed run left it
    assert ChatMessage.objects.count() == 3
    assert ChatDeadLetter.objects.count() == 0  # the database being down is not the messages' fault
    assert not clean_inbox.exists(inbox.processing_key("drain-1"))
