"""Chat in the admin: messages searchable by chatter and text, subscription status and actions."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from chat.models import ChatDeadLetter, ChatMessage, EventSubSubscription, TwitchLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_message_list_searches_chatter_and_text(admin_client, admin_user):
    for n, (chatter, text) in enumerate([("alice", "first message"), ("bob", "hello alice"), ("carol", "nope")]):
        ChatMessage.objects.create(
            owner=admin_user,
            twitch_message_id=f"m{n}",
            broadcaster_user_id="1",
            chatter_login=chatter,
            chatter_display_name=chatter.title(),
            text=text,
            sent_at=datetime.now(UTC),
        )
    url = reverse("admin:chat_chatmessage_changelist")

    by_name = admin_client.get(url, {"q": "alice"}).content.decode()
    by_text = admin_client.get(url, {"q": "nope"}).content.decode()

    assert "first message" in by_name and "hello alice" in by_name and "nope" not in by_name
    assert "Carol" in by_text and "first message" not in by_text


def test_link_action_subscribes_and_subscription_list_shows_status(
    admin_client, admin_user, fake_twitch, eventsub_secret, settings
):
    settings.TWITCH_EVENTSUB_CALLBACK_URL = "https://studio.example.com/twitch/eventsub/"
    link = TwitchLink.objects.create(owner=admin_user, twitch_user_id="1971641", login="streamer")
    EventSubSubscription.objects.create(
        owner=admin_user,
        link=link,
        twitch_id="old",
        status="revoked",
        revoked_reason="user_removed",
        callback_url="https://x.example/",
    )

    response = admin_client.post(
        reverse("admin:chat_twitchlink_changelist"),
        {"action": "subscribe_to_chat", "_selected_action": [link.pk]},
        follow=True,
    )
    listing = admin_client.get(reverse("admin:chat_eventsubsubscription_changelist")).content.decode()

    assert "1 subscription(s) created" in response.content.decode()
    assert len(fake_twitch.subscriptions) == 1
    assert "user_removed" in listing and "pending verification" in listing


def test_delete_action_removes_at_twitch(admin_client, admin_user, fake_twitch, eventsub_secret):
    link = TwitchLink.objects.create(owner=admin_user, twitch_user_id="1971641", login="streamer")
    remote = fake_twitch.add_subscription(condition={"broadcaster_user_id": "1971641", "user_id": "1971641"})
    subscription = EventSubSubscription.objects.create(
        owner=admin_user, link=link, twitch_id=remote["id"], status="enabled", callback_url="https://x.example/"
    )

    admin_client.post(
        reverse("admin:chat_eventsubsubscription_changelist"),
        {"action": "delete_at_twitch", "_selected_action": [subscription.pk]},
        follow=True,
    )

    assert fake_twitch.subscriptions == {}
    assert not EventSubSubscription.objects.exists()


def test_dead_letters_are_listed_with_payload_and_error_to_superusers_only(
    admin_client, client, django_user_model, user
):
    letter = ChatDeadLetter.objects.create(
        owner=user, key="k" * 64, twitch_message_id="x" * 100, error="twitch_message_id is 101", payload='{"a": 1}'
    )
    changelist = reverse("admin:chat_chatdeadletter_changelist")
    detail = reverse("admin:chat_chatdeadletter_change", args=[letter.pk])

    listing = admin_client.get(changelist).content.decode()
    page = admin_client.get(detail).content.decode()

    assert "twitch_message_id is 101" in listing
    assert "{&quot;a&quot;: 1}" in page and "Save" not in page  # shown, not editable
    staff = django_user_model.objects.create_user("staff", password="pw-staff-1", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="chat"))
    client.force_login(staff)
    assert client.get(changelist).status_code == 403
