"""Widget services against the real database: ownership, locking, config edits and chat votes."""

import pytest

from widgets import services
from widgets.models import StreamWidget
from widgets.state import WidgetStateError


def test_another_users_widget_is_not_found_and_unchanged(rival, countdown):
    with pytest.raises(services.WidgetNotFound):
        services.widget_apply_action(widget_id=countdown.id, user=rival, action="start")
    with pytest.raises(services.WidgetNotFound):
        services.widget_rotate_token(widget_id=countdown.id, user=rival)

    countdown.refresh_from_db()
    assert countdown.state["enabled"] is False


def test_a_rejected_action_leaves_the_stored_state_alone(streamer, countdown):
    services.widget_apply_action(widget_id=countdown.id, user=streamer, action="set_duration",
                                 payload={"duration": 12.5})

    with pytest.raises(WidgetStateError):
        services.widget_apply_action(widget_id=countdown.id, user=streamer, action="set_duration",
                                     payload={"duration": -1})

    assert StreamWidget.objects.get(id=countdown.id).state["duration_left"] == 12.5


def test_pause_keeps_fractions_in_the_database(streamer, countdown):
    services.widget_apply_action(widget_id=countdown.id, user=streamer, action="start", now=1000.0)
    services.widget_apply_action(widget_id=countdown.id, user=streamer, action="pause", now=1012.345)

    assert StreamWidget.objects.get(id=countdown.id).state["duration_left"] == pytest.approx(287.655)


def test_config_update_is_validated_and_keeps_the_type(streamer, countdown):
    with pytest.raises(WidgetStateError, match="config.duration must be >= 0"):
        services.widget_update(widget_id=countdown.id, user=streamer, config={"duration": -1})

    widget = services.widget_update(widget_id=countdown.id, user=streamer, title="Intro", config={"duration": 5})

    assert widget.type == "countdown" and widget.title == "Intro" and widget.config["duration"] == 5.0


def test_delete_removes_the_widget(streamer, countdown):
    services.widget_delete(widget_id=countdown.id, user=streamer)
    assert not StreamWidget.objects.filter(id=countdown.id).exists()


@pytest.fixture
def poll(streamer):
    widget = services.widget_create(
        owner=streamer, title="Next game", type="poll", config={"question": "Next?", "options": ["A", "B", "C"]}
    )
    return services.widget_apply_action(widget_id=widget.id, user=streamer, action="open")


def test_chat_votes_count_once_per_viewer_in_open_polls(streamer, rival, poll):
    closed = services.widget_create(owner=streamer, title="Old", type="poll")
    others = services.widget_create(owner=rival, title="Theirs", type="poll")
    services.widget_apply_action(widget_id=others.id, user=rival, action="open")

    counted = [
        services.poll_record_vote(owner_id=streamer.id, voter=voter, message=message)
        for voter, message in [("ann", "!vote 2"), ("bob", "!vote 3"), ("ann", "!vote 3"), ("cid", "gg"),
                               ("dan", "!vote 9")]
    ]

    assert counted == [[poll.id], [poll.id], [poll.id], [], []]
    assert StreamWidget.objects.get(id=poll.id).state["votes"] == [0, 0, 2]
    assert StreamWidget.objects.get(id=closed.id).state["votes"] == [0, 0]
    assert StreamWidget.objects.get(id=others.id).state["votes"] == [0, 0]
