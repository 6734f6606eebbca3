"""The real Helix client against a local server speaking Twitch's documented endpoints."""

import pytest

from chat.helix import HelixClient, HelixError


@pytest.fixture
def helix(fake_twitch):
    return HelixClient(client_id="fake-client-id", client_secret="fake-client-secret",
                       api_url=fake_twitch.base_url + "/helix", auth_url=fake_twitch.base_url + "/oauth2/token")


def test_app_token_is_fetched_once_and_reused(helix, fake_twitch):
    assert helix.get_user("streamer")["id"] == "1971641"
    assert helix.get_user("nobody") is None
    assert fake_twitch.token_requests == 1


def test_a_revoked_token_is_replaced_once(helix, fake_twitch):
    helix.get_user("streamer")
    fake_twitch.tokens.clear()
    assert helix.get_user("streamer")["login"] == "streamer"
    assert fake_twitch.token_requests == 2


def test_wrong_client_secret_names_twitchs_answer(fake_twitch):
    client = HelixClient(client_id="fake-client-id", client_secret="wrong", api_url=fake_twitch.base_url + "/helix",
                         auth_url=fake_twitch.base_url + "/oauth2/token")
    with pytest.raises(HelixError) as caught:
        client.get_user("streamer")
    assert caught.value.status == 403
    assert "invalid client secret" in str(caught.value)


def test_missing_credentials_are_reported_before_any_request(fake_twitch):
    client = HelixClient(client_id="", client_secret="", auth_url=fake_twitch.base_url + "/oauth2/token")
    with pytest.raises(HelixError, match="TWITCH_CLIENT_ID"):
        client.app_token()
    assert fake_twitch.requests == []


def test_create_list_delete_subscription(helix, fake_twitch):
    condition = {"broadcaster_user_id": "1971641", "user_id": "1971641"}
    created = helix.create_subscription(type="channel.chat.message", version="1", condition=condition,
                                        callback="https://studio.example.com/twitch/eventsub/", secret="0123456789ab")
    assert created["status"] == "webhook_callback_verification_pending"
    assert created["condition"] == condition
    assert "secret" not in created["transport"]

    assert [item["id"] for item in helix.list_subscriptions(user_id="1971641")] == [created["id"]]
    assert helix.list_subscriptions(user_id="999") == []
    assert helix.delete_subscription(created["id"]) is True
    assert helix.delete_subscription(created["id"]) is False  # already gone
    assert helix.list_subscriptions() == []


def test_list_follows_pagination(helix, fake_twitch):
    fake_twitch.page_size = 2
    ids = {fake_twitch.add_subscription(condition={"broadcaster_user_id": str(n), "user_id": str(n)})["id"]
           for n in range(5)}
    assert {item["id"] for item in helix.list_subscriptions()} == ids


def test_twitch_refusal_carries_its_message(helix):
    with pytest.raises(HelixError) as caught:
        helix.create_subscription(type="channel.chat.message", version="1",
                                  condition={"broadcaster_user_id": "1", "user_id": "1"},
                                  callback="https://studio.example.com/", secret="short")
    assert caught.value.status == 400
    assert "secret must be between 10 and 100" in str(caught.value)
