"""Chat over the REST API: link, subscribe, list with status, delete; messages and activity, owner-scoped."""

from datetime import UTC, datetime, timedelta

import pytest

from chat.models import ChatMessage, EventSubSubscription
from streams.models import Stream

pytestmark = pytest.mark.django_db


def test_link_subscribe_list_and_delete(api_client, fake_twitch, eventsub_secret, settings):
    settings.TWITCH_EVENTSUB_CALLBACK_URL = "https://studio.example.com/twitch/eventsub/"

    linked = api_client.post("/api/twitch-links/", {"login": "streamer"}, format="json")
    created = api_client.post("/api/eventsub-subscriptions/", {}, format="json")
    listed = api_client.get("/api/eventsub-subscriptions/").json()["results"]

    assert linked.status_code == 201 and linked.json()["twitch_user_id"] == "1971641"
    assert created.status_code == 201
    assert [(item["status"], item["twitch_login"], item["callback_url"]) for item in listed] == [
        ("pending", "streamer", "https://studio.example.com/twitch/eventsub/")]

    remote_id = created.json()["twitch_id"]
    fake_twitch.subscriptions[remote_id]["status"] = "enabled"
    synced = api_client.post("/api/eventsub-subscriptions/sync/").json()
    assert [item["status"] for item in synced] == ["enabled"]

    assert api_client.delete(f"/api/eventsub-subscriptions/{created.json()['id']}/").status_code == 204
    assert fake_twitch.subscriptions == {}


def test_revoked_subscription_shows_its_reason(api_client, user, fake_twitch):
    from chat.models import TwitchLink

    link = TwitchLink.objects.create(owner=user, twitch_user_id="1971641", login="streamer")
    EventSubSubscription.objects.create(owner=user, link=link, twitch_id="s1", callback_url="https://x.example/",
                                        status="revoked", revoked_reason="authorization_revoked")
    item = api_client.get("/api/eventsub-subscriptions/").json()["results"][0]
    assert (item["status"], item["revoked_reason"]) == ("revoked", "authorization_revoked")


def test_errors_are_4xx_or_502_with_a_reason(api_client, fake_twitch, eventsub_secret):
    unknown = api_client.post("/api/twitch-links/", {"login": "ghost"}, format="json")
    no_login = api_client.post("/api/twitch-links/", {}, format="json")
    no_link = api_client.post("/api/eventsub-subscriptions/", {}, format="json")

    assert (unknown.status_code, unknown.json()["detail"]) == (400, "no Twitch user with login 'ghost'")
    assert no_login.status_code == 400 and "login" in no_login.json()
    assert no_link.status_code == 400 and "link a Twitch account first" in no_link.json()["detail"]

    api_client.post("/api/twitch-links/", {"login": "streamer"}, format="json")
    # Plain http callback (the test server): Twitch would refuse it, and so do we, before calling.
    refused = api_client.post("/api/eventsub-subscriptions/", {}, format="json")
    assert refused.status_code == 400 and "HTTPS" in refused.json()["detail"]


def test_twitch_down_is_502(api_client, user, eventsub_secret, settings):
    from chat.models import TwitchLink
    from chat.services import _client

    TwitchLink.objects.create(owner=user, twitch_user_id="1971641", login="streamer")
    settings.TWITCH_EVENTSUB_CALLBACK_URL = "https://studio.example.com/twitch/eventsub/"
    settings.TWITCH_CLIENT_ID, settings.TWITCH_CLIENT_SECRET = "id", "secret"
    settings.TWITCH_AUTH_URL = "http://127.0.0.1:9/oauth2/token"
    _client.cache_clear()
    response = api_client.post("/api/eventsub-subscriptions/", {}, format="json")
    _client.cache_clear()
    assert response.status_code == 502 and "unreachable" in response.json()["detail"]


def test_users_see_only_their_own_links_subscriptions_and_messages(api_client, other_client, subscription):
    ChatMessage.objects.create(owner=subscription.owner, twitch_message_id="m1", broadcaster_user_id="1971641",
                               chatter_login="alice", text="mine", sent_at=datetime.now(UTC))
    for path in ("/api/twitch-links/", "/api/eventsub-subscriptions/", "/api/chat-messages/"):
        assert len(api_client.get(path).json()["results"]) == 1, path
        assert other_client.get(path).json()["results"] == [], path
    assert other_client.delete(f"/api/eventsub-subscriptions/{subscription.pk}/").status_code == 404


def test_messages_search_and_stream_activity(api_client, user, other_client):
    start = datetime(2026, 4, 2, 19, 0, tzinfo=UTC)
    stream = Stream.objects.create(owner=user, title="s", recorded_at=start, duration=20)
    for n, (chatter, text, seconds) in enumerate([("alice", "hello", 1), ("bob", "gg wp", 2), ("alice", "GG", 15)]):
        ChatMessage.objects.create(owner=user, stream=stream, twitch_message_id=f"m{n}", broadcaster_user_id="1",
                                   chatter_login=chatter, chatter_display_name=chatter.title(), text=text,
                                   sent_at=start + timedelta(seconds=seconds))

    searched = api_client.get("/api/chat-messages/", {"search": "gg"}).json()["results"]
    by_chatter = api_client.get("/api/chat-messages/", {"chatter": "ALICE"}).json()["results"]
    activity = api_client.get("/api/chat-messages/activity/", {"stream": stream.pk}).json()

    assert [item["text"] for item in searched] == ["gg wp", "GG"]
    assert [item["text"] for item in by_chatter] == ["hello", "GG"]
    assert activity["series"] == [{"start": 0.0, "messages": 2, "chatters": 2},
                                  {"start": 10.0, "messages": 1, "chatters": 1}]
    assert other_client.get("/api/chat-messages/activity/", {"stream": stream.pk}).status_code == 404
    assert api_client.get("/api/chat-messages/activity/", {"stream": "x"}).status_code == 400
    assert api_client.get("/api/chat-messages/activity/", {"stream": stream.pk, "window": 0}).status_code == 400
    assert api_client.get("/api/chat-messages/", {"stream": "x"}).status_code == 400
