"""Highlights and proposal actions through the REST API: owner-scoped, 400 with a message on bad input."""

import pytest

from episodes.models import Episode, Highlight
from episodes.proposals.services import stream_propose

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposed(recorded):
    stream_propose(stream_id=recorded.id)
    return recorded


def marks_url(stream) -> str:
    return f"/api/streams/{stream.id}/highlights/"


def test_a_moment_marked_by_hand_gets_the_series_rolls_and_is_accepted(api_client, recorded, user):
    response = api_client.post(marks_url(recorded), {"at": 300.5, "title": "The jump"}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["start"], body["end"], body["peak"]) == (290.5, 305.5, 300.5)  # default pre-roll 10, post-roll 5
    assert (body["source"], body["status"], body["marked_by"], body["title"]) == (
        "manual",
        "accepted",
        user.username,
        "The jump",
    )


def test_a_range_marked_by_hand(api_client, recorded):
    response = api_client.post(marks_url(recorded), {"start": 100, "end": 130.25}, format="json")

    assert response.status_code == 201
    assert (response.json()["start"], response.json()["end"], response.json()["peak"]) == (100.0, 130.25, 115.125)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "give at"),
        ({"at": -5}, "outside the stream"),
        ({"at": 10_000}, "outside the stream"),
        ({"at": "soon"}, "valid number"),
        ({"at": 10, "start": 0, "end": 20}, "not both"),
        ({"start": 50, "end": 40}, "must be a range inside the stream"),
        ({"start": 50}, "give at"),
        ({"at": 10, "title": "x" * 201}, "no more than 200"),
    ],
)
def test_bad_marks_are_refused_with_a_reason(api_client, recorded, body, message):
    response = api_client.post(marks_url(recorded), body, format="json")

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Highlight.objects.exists()


def test_another_users_stream_is_not_found(other_client, api_client, proposed):
    assert other_client.get(marks_url(proposed)).status_code == 404
    assert other_client.post(marks_url(proposed), {"at": 10}, format="json").status_code == 404
    assert other_client.get("/api/highlights/").json()["count"] == 0
    some = Highlight.objects.filter(stream=proposed).first()
    assert other_client.patch(f"/api/highlights/{some.id}/", {"status": "rejected"}, format="json").status_code == 404
    assert Highlight.objects.get(id=some.id).status == Highlight.Status.PROPOSED
    assert api_client.get(marks_url(proposed)).json()[0]["id"] == Highlight.objects.order_by("-score").first().id


def test_list_filters_and_patch(api_client, proposed):
    top = Highlight.objects.filter(stream=proposed).order_by("-score").first()

    listed = api_client.get("/api/highlights/", {"stream": proposed.id, "source": "scored"}).json()
    assert top.id in [item["id"] for item in listed["results"]]
    assert api_client.get("/api/highlights/", {"stream": "x"}).status_code == 400
    assert api_client.get("/api/highlights/", {"status": "maybe"}).status_code == 400

    response = api_client.patch(f"/api/highlights/{top.id}/", {"status": "accepted", "end": top.end + 5}, format="json")

    assert response.status_code == 200, response.content
    stored = Highlight.objects.get(id=top.id)
    assert (stored.status, stored.end) == ("accepted", round(top.end + 5, 3))
    assert stored.edited_at is not None


@pytest.mark.parametrize(
    ("body", "message"),
    [({"status": "maybe"}, "not a valid choice"), ({"start": -3}, "inside the stream"), ({"end": 5000}, "inside")],
)
def test_bad_patches_are_refused(api_client, proposed, body, message):
    top = Highlight.objects.filter(stream=proposed).order_by("-score").first()

    response = api_client.patch(f"/api/highlights/{top.id}/", body, format="json")

    assert response.status_code == 400 and message in response.content.decode()
    assert Highlight.objects.get(id=top.id).edited_at is None


def episode_url(episode, action: str) -> str:
    return f"/api/episodes/{episode.id}/{action}/"


def test_proposals_are_listed_by_stream_and_status_with_their_chapters(api_client, other_client, proposed):
    body = api_client.get("/api/episodes/", {"stream": proposed.id, "status": "proposed"}).json()

    assert body["count"] == 3
    assert body["results"][0]["chapters"][0]["start"] == 0
    assert other_client.get("/api/episodes/", {"stream": proposed.id}).json()["count"] == 0
    assert api_client.get("/api/episodes/", {"status": "nope"}).status_code == 400


def test_triage_through_the_api(api_client, proposed):
    first, second, third = Episode.objects.filter(stream=proposed).order_by("order")

    accepted = api_client.post(episode_url(first, "accept"), {"title": "Opening"}, format="json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "draft"
    assert accepted.json()["cut_list"]["inputMedia"]
    assert api_client.post(episode_url(third, "reject")).json()["status"] == "rejected"
    assert api_client.post(episode_url(third, "reopen")).json()["status"] == "proposed"
    renamed = api_client.post(episode_url(second, "rename"), {"title": "Digging"}, format="json")
    assert renamed.json()["title"] == "Digging"
    trimmed = api_client.post(episode_url(second, "trim"), {"start": 200, "end": 360}, format="json")
    assert trimmed.json()["tracks"] == [{"start": 200.0, "end": 360.0}]
    parts = api_client.post(episode_url(second, "split"), {"at": 300}, format="json").json()
    assert [p["tracks"] for p in parts] == [[{"start": 200.0, "end": 300.0}], [{"start": 300.0, "end": 360.0}]]
    merged = api_client.post(episode_url(second, "merge"), {"other": parts[1]["id"]}, format="json")
    assert merged.status_code == 200 and merged.json()["tracks"] == [{"start": 200.0, "end": 360.0}]


@pytest.mark.parametrize(
    ("action", "body", "message"),
    [
        ("trim", {"start": 0, "end": 9999}, "outside the stream"),
        ("trim", {"start": 0}, "This field is required"),
        ("split", {"at": 5000}, "not inside the episode"),
        ("rename", {"title": ""}, "may not be blank"),
        ("merge", {"other": 999999}, "no episode 999999"),
        ("merge", {"other": "x"}, "valid integer"),
    ],
)
def test_bad_actions_answer_400_with_the_reason(api_client, proposed, action, body, message):
    episode = Episode.objects.filter(stream=proposed).first()

    response = api_client.post(episode_url(episode, action), body, format="json")

    assert response.status_code == 400 and message in response.content.decode()
    assert Episode.objects.get(id=episode.id).edited_at is None


def test_accepting_twice_is_a_400(api_client, proposed):
    episode = Episode.objects.filter(stream=proposed).first()
    api_client.post(episode_url(episode, "accept"))

    response = api_client.post(episode_url(episode, "accept"))

    assert response.status_code == 400 and "only a proposal can be accepted" in response.json()["detail"]


def test_merging_another_users_episode_or_across_streams_is_refused(
    api_client, other_client, make_stream, user, other_user
):
    mine = make_stream(user, title="Mine")
    second = make_stream(user, title="Second")
    theirs = make_stream(other_user, title="Theirs")
    for stream in (mine, second, theirs):
        stream_propose(stream_id=stream.id)
    episode = Episode.objects.filter(stream=mine).first()
    foreign = Episode.objects.filter(stream=theirs).first()
    elsewhere = Episode.objects.filter(stream=second).first()

    assert api_client.post(episode_url(episode, "merge"), {"other": foreign.id}, format="json").status_code == 400
    across = api_client.post(episode_url(episode, "merge"), {"other": elsewhere.id}, format="json")
    assert across.status_code == 400 and "different streams" in across.json()["detail"]
    assert other_client.post(episode_url(episode, "accept")).status_code == 404
    assert Episode.objects.filter(id__in=[foreign.id, elsewhere.id]).count() == 2


def test_series_proposal_settings_are_validated(api_client):
    bad = api_client.post(
        "/api/series/", {"name": "Show", "proposal_settings": {"weights": {"vibes": 1}}}, format="json"
    )
    assert bad.status_code == 400 and "weights.vibes: unknown signal" in bad.content.decode()

    good = api_client.post("/api/series/", {"name": "Show", "proposal_settings": {"min_silence": 20}}, format="json")
    assert good.status_code == 201 and good.json()["proposal_settings"] == {"min_silence": 20}


def test_series_proposal_settings_sent_as_a_form_null_are_refused(api_client):
    response = api_client.post(
        "/api/series/", "name=Show&proposal_settings=null", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400 and "must be a JSON object" in response.content.decode()
