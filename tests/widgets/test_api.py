"""REST API and admin: owner-scoped, validated, and every change pushed like a websocket action."""

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from widgets.models import StreamWidget


@pytest.fixture
def api(streamer) -> APIClient:
    client = APIClient()
    client.force_authenticate(streamer)
    return client


def test_create_fills_config_defaults_and_initial_state(api):
    response = api.post("/api/widgets/", {"title": "BRB", "type": "countdown", "config": {"duration": 90}},
                        format="json")

    assert response.status_code == 201, response.data
    assert response.data["config"] == {"duration": 90.0, "text": "", "title": ""}
    assert response.data["state"] == {"duration_left": 90.0, "enabled": False, "last_tick_timestamp": None}
    assert len(response.data["access_token"]) >= 40


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"title": "x", "type": "countdown", "config": {"duration": -1}}, "config", "config.duration must be >= 0"),
        ({"title": "x", "type": "text_overlay", "config": {"style": {"align": "up"}}}, "config", "align must be"),
        ({"title": "x", "type": "clock"}, "type", "not a valid choice"),
    ],
)
def test_create_rejects_bad_config_with_a_message_naming_the_field(api, body, field, message):
    response = api.post("/api/widgets/", body, format="json")
    assert response.status_code == 400
    assert message in str(response.data[field])


def test_list_and_detail_show_only_the_users_widgets(api, rival, countdown):
    theirs = StreamWidget.objects.create(owner=rival, title="Theirs", type="countdown")

    listed = api.get("/api/widgets/").data["results"]

    assert [widget["id"] for widget in listed] == [countdown.id]
    assert api.get(f"/api/widgets/{theirs.id}/").status_code == 404
    assert api.post(f"/api/widgets/{theirs.id}/action/", {"action": "start"}, format="json").status_code == 404


def test_action_route_applies_and_reports_errors(api, countdown):
    started = api.post(f"/api/widgets/{countdown.id}/action/", {"action": "start"}, format="json")
    bad = api.post(f"/api/widgets/{countdown.id}/action/", {"action": "set_duration", "payload": {"duration": "x"}},
                   format="json")

    assert started.status_code == 200 and started.data["state"]["enabled"] is True
    assert bad.status_code == 400 and "payload.duration must be a number" in bad.data["error"]
    countdown.refresh_from_db()
    assert countdown.state["enabled"] is True


def test_type_cannot_change(api, countdown):
    response = api.patch(f"/api/widgets/{countdown.id}/", {"type": "poll"}, format="json")
    assert response.status_code == 400 and "cannot change" in str(response.data["type"])


@pytest.mark.anyio
async def test_api_changes_are_pushed_and_rotation_disconnects(api, connect, countdown):
    obs = await connect(f"?token={countdown.access_token}")
    await obs.receive_json_from(timeout=10)

    await database_sync_to_async(api.post)(f"/api/widgets/{countdown.id}/action/", {"action": "start"}, format="json")
    assert (await obs.receive_json_from(timeout=10))["type"] == "WIDGET_STATE_UPDATE"
    await database_sync_to_async(api.patch)(f"/api/widgets/{countdown.id}/", {"active": False}, format="json")
    config = await obs.receive_json_from(timeout=10)
    assert config["type"] == "WIDGET_CONFIG_UPDATE" and config["active"] is False
    rotated = await database_sync_to_async(api.post)(f"/api/widgets/{countdown.id}/rotate_token/")

    assert rotated.data["access_token"] != countdown.access_token
    assert (await obs.receive_json_from(timeout=10))["type"] == "ERROR"
    assert await obs.receive_output(timeout=10) == {"type": "websocket.close", "code": 4403}


@pytest.fixture
def admin_client(transactional_db) -> Client:
    admin = get_user_model().objects.create_superuser("boss", password="pw-boss-1")
    client = Client()
    client.force_login(admin)
    return client


def test_admin_action_runs_the_state_machine(admin_client, countdown):
    response = admin_client.post(
        "/admin/widgets/streamwidget/", {"action": "action_start", "_selected_action": [countdown.id]}, follow=True
    )

    assert response.status_code == 200
    countdown.refresh_from_db()
    assert countdown.state["enabled"] is True


def test_admin_rejects_bad_config(admin_client, countdown):
    response = admin_client.post(
        f"/admin/widgets/streamwidget/{countdown.id}/change/",
        {"title": "T", "active": "on", "config": '{"duration": -4}'},
    )

    assert response.status_code == 200
    assert "config.duration must be &gt;= 0" in response.content.decode()
    countdown.refresh_from_db()
    assert countdown.config["duration"] == 300.0
