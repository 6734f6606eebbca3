"""The OBS page (token, no login) and the streamer's control page (login, owner only)."""

import pytest
from django.test import Client

from widgets.models import StreamWidget


def test_obs_page_needs_no_login_and_is_transparent(client, countdown):
    response = client.get(f"/widgets/{countdown.id}/?token={countdown.access_token}")

    assert response.status_code == 200
    html = response.content.decode()
    assert "background: transparent" in html
    assert countdown.access_token in html


@pytest.mark.parametrize("query", ["", "?token=", "?token=wrong"])
def test_obs_page_with_a_bad_token_is_refused_but_still_transparent(client, countdown, query):
    response = client.get(f"/widgets/{countdown.id}/{query}")

    assert response.status_code == 403
    assert "background: transparent" in response.content.decode()
    assert "countdown-time" not in response.content.decode()


def test_obs_page_of_a_missing_widget_is_refused(client, transactional_db):
    assert client.get("/widgets/999999/?token=x").status_code == 403


def test_control_page_needs_login(client, countdown):
    response = client.get(f"/widgets/{countdown.id}/control/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.fixture
def streamer_client(streamer) -> Client:
    client = Client()
    client.force_login(streamer)
    return client


def test_control_page_is_for_the_owner_only(client, rival, countdown):
    client.force_login(rival)
    assert client.get(f"/widgets/{countdown.id}/control/").status_code == 404


def test_control_page_shows_actions_and_obs_url(streamer_client, countdown):
    html = streamer_client.get(f"/widgets/{countdown.id}/control/").content.decode()

    assert 'data-action="pause"' in html
    assert f"/widgets/{countdown.id}/?token={countdown.access_token}" in html


def test_control_page_saves_settings(streamer_client, countdown):
    response = streamer_client.post(
        f"/widgets/{countdown.id}/control/", {"title": "Intro", "active": "on", "config": '{"duration": 120}'}
    )

    assert response.status_code == 302
    countdown.refresh_from_db()
    assert countdown.title == "Intro" and countdown.config["duration"] == 120.0


def test_control_page_rejects_bad_settings_without_saving(streamer_client, countdown):
    response = streamer_client.post(
        f"/widgets/{countdown.id}/control/", {"title": "Intro", "config": '{"duration": "soon"}'}
    )

    assert response.status_code == 200
    assert "config.duration must be a number" in response.content.decode()
    assert StreamWidget.objects.get(id=countdown.id).title == "Starting soon"


def test_control_page_rotates_the_token(streamer_client, countdown):
    old = countdown.access_token
    response = streamer_client.post(f"/widgets/{countdown.id}/control/", {"rotate_token": "1"})

    assert response.status_code == 302
    countdown.refresh_from_db()
    assert countdown.access_token != old
