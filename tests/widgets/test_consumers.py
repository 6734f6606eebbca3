"""The websocket protocol (CONTRACTS.md §5) through the real ASGI app and the real Redis channel layer."""

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from pipeline import services as pipeline_services
from widgets import services
from widgets.models import StreamWidget

pytestmark = pytest.mark.anyio
TIMEOUT = 10


async def receive(socket, expected_type: str) -> dict:
    message = await socket.receive_json_from(timeout=TIMEOUT)
    assert message["type"] == expected_type, message
    return message


async def subscribe(socket, widget_id: int) -> dict:
    await socket.send_json_to({"type": "WIDGET_SUBSCRIBE", "widgetId": widget_id})
    return await receive(socket, "WIDGET_INITIAL_STATE")


async def act(socket, widget_id: int, action: str, payload: dict | None = None) -> dict:
    await socket.send_json_to({"type": "WIDGET_ACTION", "widgetId": widget_id, "action": action, "payload": payload})
    return await receive(socket, "WIDGET_ACTION_RESPONSE")


async def test_owner_subscribes_acts_and_every_subscriber_gets_the_state(connect, streamer_token, countdown):
    streamer = await connect(f"?token={streamer_token}")
    viewer = await connect(f"?token={streamer_token}")
    initial = await subscribe(streamer, countdown.id)
    await subscribe(viewer, countdown.id)
    assert initial["widget"]["state"] == {"duration_left": 300.0, "enabled": False, "last_tick_timestamp": None}
    assert initial["widget"]["type"] == "countdown" and "access_token" not in initial["widget"]

    response = await act(streamer, countdown.id, "set_duration", {"duration": 90.5})

    assert response["success"] is True and response["error"] is None
    assert response["result"]["duration_left"] == 90.5
    for socket in (streamer, viewer):
        update = await receive(socket, "WIDGET_STATE_UPDATE")
        assert update["widgetId"] == countdown.id
        assert update["state"]["duration_left"] == 90.5
        assert isinstance(update["timestamp"], float)


async def test_widget_token_is_read_only_and_receives_updates_without_subscribing(connect, streamer_token, countdown):
    obs = await connect(f"?token={countdown.access_token}")
    initial = await receive(obs, "WIDGET_INITIAL_STATE")
    assert initial["widgetId"] == countdown.id

    refused = await act(obs, countdown.id, "start")
    assert refused["success"] is False and refused["error"] == "Read-only access"
    assert (await database_sync_to_async(StreamWidget.objects.get)(id=countdown.id)).state["enabled"] is False

    streamer = await connect(f"?token={streamer_token}")
    await act(streamer, countdown.id, "start")
    update = await receive(obs, "WIDGET_STATE_UPDATE")
    assert update["state"]["enabled"] is True


async def test_widget_token_cannot_open_another_widget(connect, streamer, countdown):
    other = await database_sync_to_async(services.widget_create)(owner=streamer, title="Other", type="text_overlay")
    obs = await connect(f"?token={countdown.access_token}")
    await receive(obs, "WIDGET_INITIAL_STATE")

    await obs.send_json_to({"type": "WIDGET_SUBSCRIBE", "widgetId": other.id})

    error = await receive(obs, "ERROR")
    assert error["error"].startswith("Read-only access")


async def test_user_cannot_subscribe_to_or_act_on_another_users_widget(
    connect, rival_token, streamer_token, rival, countdown
):
    own = await database_sync_to_async(services.widget_create)(owner=rival, title="Mine", type="countdown")
    rival_socket = await connect(f"?token={rival_token}")

    await rival_socket.send_json_to({"type": "WIDGET_SUBSCRIBE", "widgetId": countdown.id})
    assert (await receive(rival_socket, "ERROR"))["error"] == "Widget not found"
    refused = await act(rival_socket, countdown.id, "start")
    assert refused["success"] is False and refused["error"] == "Widget not found"

    # The streamer's change must not reach the rival: the next thing the rival sees is its own widget's update.
    await subscribe(rival_socket, own.id)
    streamer_socket = await connect(f"?token={streamer_token}")
    await act(streamer_socket, countdown.id, "start")
    await act(rival_socket, own.id, "set_duration", {"duration": 5})
    update = await receive(rival_socket, "WIDGET_STATE_UPDATE")
    assert update["widgetId"] == own.id


async def test_rotating_the_token_closes_its_connections(connect, streamer, countdown):
    old_token = countdown.access_token
    obs = await connect(f"?token={old_token}")
    await receive(obs, "WIDGET_INITIAL_STATE")

    new_token = await database_sync_to_async(services.widget_rotate_token)(widget_id=countdown.id, user=streamer)

    assert "rotated" in (await receive(obs, "ERROR"))["error"]
    assert await obs.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4403}
    stale = await connect(f"?token={old_token}")
    assert (await receive(stale, "ERROR"))["error"].startswith("Authentication required")
    assert await stale.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4401}
    fresh = await connect(f"?token={new_token}")
    assert (await receive(fresh, "WIDGET_INITIAL_STATE"))["widgetId"] == countdown.id


@pytest.mark.parametrize("query", ["", "?token=", "?token=not-a-token"])
async def test_connection_without_valid_credentials_is_closed(connect, transactional_db, query):
    socket = await connect(query)
    await receive(socket, "ERROR")
    assert await socket.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4401}


async def test_session_login_gives_full_access(connect, streamer, countdown):
    client = Client()
    await database_sync_to_async(client.force_login)(streamer)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    socket = await connect(headers=((b"cookie", cookie),))

    await subscribe(socket, countdown.id)
    assert (await act(socket, countdown.id, "start"))["success"] is True


async def test_bad_messages_get_clear_errors_and_the_connection_survives(connect, streamer_token, countdown):
    socket = await connect(f"?token={streamer_token}")

    await socket.send_to(text_data="{not json")
    assert "JSON objects" in (await receive(socket, "ERROR"))["error"]
    await socket.send_to(text_data="[" * 100_000 + "]" * 100_000)
    assert "JSON objects" in (await receive(socket, "ERROR"))["error"]
    await socket.send_to(bytes_data=b"\x00\x01")
    assert "not binary" in (await receive(socket, "ERROR"))["error"]
    await socket.send_json_to({"type": "WIDGET_EXPLODE"})
    assert (await receive(socket, "ERROR"))["error"] == "Unknown message type 'WIDGET_EXPLODE'"
    await socket.send_json_to({"type": "WIDGET_SUBSCRIBE", "widgetId": "one"})
    assert "integer widgetId" in (await receive(socket, "ERROR"))["error"]
    unknown = await act(socket, countdown.id, "explode")
    assert unknown["success"] is False and "unknown countdown action 'explode'" in unknown["error"]
    negative = await act(socket, countdown.id, "set_duration", {"duration": -3})
    assert negative["error"] == "payload.duration must be >= 0, got -3"

    assert (await act(socket, countdown.id, "start"))["success"] is True
    assert (await database_sync_to_async(StreamWidget.objects.get)(id=countdown.id)).state["duration_left"] == 300.0


async def test_unsubscribed_connection_stops_receiving_updates(connect, streamer, streamer_token, countdown):
    other = await database_sync_to_async(services.widget_create)(owner=streamer, title="Other", type="countdown")
    socket = await connect(f"?token={streamer_token}")
    await subscribe(socket, countdown.id)
    await subscribe(socket, other.id)

    await socket.send_json_to({"type": "WIDGET_UNSUBSCRIBE", "widgetId": countdown.id})
    await act(socket, countdown.id, "start")
    await act(socket, other.id, "start")

    assert (await receive(socket, "WIDGET_STATE_UPDATE"))["widgetId"] == other.id


async def test_changes_from_services_reach_widget_token_connections(connect, streamer, countdown):
    """The admin, the API and tasks call the same services as the websocket, so their changes are pushed too."""
    obs = await connect(f"?token={countdown.access_token}")
    await receive(obs, "WIDGET_INITIAL_STATE")

    await database_sync_to_async(services.widget_update)(
        widget_id=countdown.id, user=None, config={"duration": 60, "title": "Back soon"}
    )
    config = await receive(obs, "WIDGET_CONFIG_UPDATE")
    assert config["config"] == {"duration": 60.0, "text": "", "title": "Back soon"} and config["active"] is True
    await database_sync_to_async(services.widget_apply_action)(widget_id=countdown.id, user=None, action="reset")
    assert (await receive(obs, "WIDGET_STATE_UPDATE"))["state"]["duration_left"] == 60.0


async def test_pipeline_progress_reaches_its_owner_only(connect, streamer, streamer_token, rival_token):
    socket = await connect(f"?token={streamer_token}")
    rival_socket = await connect(f"?token={rival_token}")
    await socket.send_json_to({"type": "PING"})  # a round trip proves the groups are joined
    await receive(socket, "PONG")
    await rival_socket.send_json_to({"type": "PING"})
    await receive(rival_socket, "PONG")

    run = await database_sync_to_async(pipeline_services.run_create)(owner=streamer, kind="ingest")
    await database_sync_to_async(pipeline_services.run_set_status)(run.id, "running")

    update = await receive(socket, "TASK_UPDATE")
    assert update["task"]["id"] == run.id and update["task"]["status"] == "running"
    assert update["old_status"] == "queued"
    await rival_socket.send_json_to({"type": "PING"})
    await receive(rival_socket, "PONG")  # no TASK_UPDATE came before the answer


async def test_ping_answers_with_server_time(connect, streamer_token, transactional_db):
    socket = await connect(f"?token={streamer_token}")
    await socket.send_json_to({"type": "PING"})
    assert isinstance((await receive(socket, "PONG"))["timestamp"], float)


async def test_chat_votes_push_live_tallies_without_voter_names(connect, streamer):
    poll = await database_sync_to_async(services.widget_create)(
        owner=streamer, title="Next game", type="poll", config={"question": "Next?", "options": ["A", "B"]}
    )
    await database_sync_to_async(services.widget_apply_action)(widget_id=poll.id, user=streamer, action="open")
    obs = await connect(f"?token={poll.access_token}")
    assert (await receive(obs, "WIDGET_INITIAL_STATE"))["widget"]["state"] == {
        "open": True,
        "votes": [0, 0],
        "total": 0,
    }

    await database_sync_to_async(services.poll_record_vote)(owner_id=streamer.id, voter="ann", message="!vote 2")

    assert (await receive(obs, "WIDGET_STATE_UPDATE"))["state"] == {"open": True, "votes": [0, 1], "total": 1}
