"""The review page's REST API and pages over Django's test client: owner only, CSRF, clear 400s."""

import json

import pytest
from django.test import Client

from episodes.models import Episode, Highlight
from pipeline.models import PipelineRun
from tests.episodes.review_data import episode
from transcription.models import Segment


@pytest.fixture
def browser(user) -> Client:
    """A logged-in browser session that must send the CSRF token, as the page does."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def post(client: Client, path: str, body=None, *, csrf: bool = True):
    headers = {}
    if csrf:
        client.get("/")  # the home page sets the csrftoken cookie, like the review page
        headers["HTTP_X_CSRFTOKEN"] = client.cookies["csrftoken"].value
    return client.post(
        f"/api/review/{path}", json.dumps(body if body is not None else {}), content_type="application/json", **headers
    )


def test_the_review_page_is_its_owners_only(stream, browser, other_user):
    assert browser.get(f"/review/streams/{stream.id}/").status_code == 200
    rival = Client()
    rival.force_login(other_user)
    assert rival.get(f"/review/streams/{stream.id}/").status_code == 404
    assert Client().get(f"/review/streams/{stream.id}/").status_code == 302  # to the login page


def test_the_page_carries_the_stream_lanes_and_its_assets(stream, browser):
    page = browser.get(f"/review/streams/{stream.id}/").content.decode()
    assert 'id="review-data"' in page and "Foundations" in page
    assert "/static/episodes/review.js" in page and "/static/episodes/studio.css" in page
    assert "cdn" not in page.lower()


@pytest.mark.parametrize("path", ["", "items/", "waveform/", "transcript/", "chat/"])
def test_every_read_is_404_for_another_user(stream, other_user, path):
    rival = Client()
    rival.force_login(other_user)
    assert rival.get(f"/api/review/streams/{stream.id}/{path}").status_code == 404


def test_writes_to_another_users_rows_are_404_and_change_nothing(stream, other_user):
    rival = Client()
    rival.force_login(other_user)
    intro = episode(stream, "Intro")
    highlight = Highlight.objects.get(stream=stream)
    segment = Segment.objects.get()
    answers = [
        post(rival, f"episodes/{intro.id}/accept/").status_code,
        post(rival, f"episodes/{intro.id}/reject/").status_code,
        post(rival, f"episodes/{intro.id}/reopen/").status_code,
        post(rival, f"episodes/{intro.id}/merge/", {"with": episode(stream, "Foundations").id}).status_code,
        post(rival, f"episodes/{intro.id}/trim/", {"start": 20}).status_code,
        post(rival, f"highlights/{highlight.id}/status/", {"status": "rejected"}).status_code,
        post(rival, f"streams/{stream.id}/marks/", {"time": 5}).status_code,
        post(rival, f"segments/{segment.id}/", {"text": "pwned"}).status_code,
    ]
    assert answers == [404] * 8
    assert episode(stream, "Intro").status == Episode.Status.PROPOSED
    assert Highlight.objects.get(id=highlight.id).status == "proposed"
    assert Segment.objects.get().text == "we beat the bos"


def test_a_write_without_the_csrf_token_is_refused(stream, browser):
    intro = episode(stream, "Intro")
    response = post(browser, f"episodes/{intro.id}/accept/", csrf=False)
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert episode(stream, "Intro").status == Episode.Status.PROPOSED


def test_accept_with_the_token_makes_the_episode(stream, browser):
    intro = episode(stream, "Intro")
    response = post(browser, f"episodes/{intro.id}/accept/")
    assert response.status_code == 200
    assert response.json()["status"] == "draft"


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("episodes/{intro}/trim/", {}, "give start and/or end"),
        ("episodes/{intro}/trim/", {"start": "soon"}, "start must be a number of seconds"),
        ("episodes/{intro}/trim/", {"start": True}, "start must be a number of seconds"),
        ("episodes/{intro}/trim/", {"start": 59.5}, "at least 1 s (59.500-60.000)"),
        ("episodes/{intro}/split/", {}, "at is required"),
        ("episodes/{intro}/split/", {"at": 500}, "is not inside the episode"),
        ("episodes/{intro}/merge/", {"with": "next"}, "with must be an integer id"),
        ("episodes/{intro}/merge/", {"with": "{intro}"}, "cannot be merged with itself"),
        ("episodes/{intro}/rename/", {"title": "  "}, "a title is required"),
        ("episodes/{intro}/rename/", {"title": 42}, "title must be a string"),
        ("episodes/{intro}/reopen/", None, "only a rejected proposal or a draft can be reopened"),
        ("episodes/{intro}/render/", None, "accept it before rendering"),
        ("episodes/{intro}/render/", {"preset": "8k"}, "unknown render preset '8k'"),
        ("episodes/{intro}/render/", {"preset": 1}, "preset must be a string"),
        ("streams/{stream}/marks/", {"time": -3}, "outside the stream (0-300.000 s)"),
        ("streams/{stream}/marks/", {}, "time is required"),
        ("streams/{stream}/restore/", {"status": "uploaded", "tracks": []}, "a draft or a rejected proposal"),
        ("streams/{stream}/restore/", {"title": "x", "tracks": [{"start": 5}]}, "each track is exactly"),
        ("streams/{stream}/restore/", {"id": "abc", "tracks": []}, "id must be a positive integer"),
        ("streams/{stream}/restore/", {"order": 2**40, "tracks": []}, "order must be a positive integer"),
        ("highlights/{highlight}/status/", {"status": "maybe"}, "status must be one of"),
        ("segments/{segment}/", {"text": ""}, "text must not be empty"),
        ("segments/{segment}/", {"words": []}, "text must be a string"),
    ],
)
def test_bad_input_is_a_400_that_says_why_and_changes_nothing(stream, browser, path, body, message):
    ids = {
        "intro": episode(stream, "Intro").id,
        "stream": stream.id,
        "highlight": Highlight.objects.get(stream=stream).id,
        "segment": Segment.objects.get().id,
    }
    if body and body.get("with") == "{intro}":
        body = {"with": ids["intro"]}
    before = list(Episode.objects.order_by("id").values_list("title", "status", "tracks"))

    response = post(browser, path.format(**ids), body)

    assert response.status_code == 400, response.content
    assert message in response.json()["detail"]
    assert list(Episode.objects.order_by("id").values_list("title", "status", "tracks")) == before


def test_malformed_json_is_a_400(stream, browser):
    browser.get("/")
    response = browser.post(
        f"/api/review/episodes/{episode(stream, 'Intro').id}/trim/",
        "{not json",
        content_type="application/json",
        HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value,
    )
    assert response.status_code == 400


def test_only_json_is_taken(stream, browser):
    browser.get("/")
    response = browser.post(
        f"/api/review/episodes/{episode(stream, 'Intro').id}/rename/",
        {"title": "Form"},
        HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value,
    )
    assert response.status_code == 415
    assert episode(stream, "Intro").title == "Intro"


def test_the_overview_lays_everything_on_the_stream_timeline(stream, browser):
    data = browser.get(f"/api/review/streams/{stream.id}/").json()
    assert [c["start"] for c in data["clips"]] == [0.0, 200.0]
    assert all(c["url"].startswith("/media/clips/") for c in data["clips"])
    assert [e["title"] for e in data["episodes"]] == ["Intro", "Foundations", "Roof"]
    transcript = browser.get(f"/api/review/streams/{stream.id}/transcript/").json()["segments"]
    assert transcript[0]["start"] == 201.0  # clip 2 starts at 200 s
    assert transcript[0]["words"][0] == [201.0, 201.4, "we"]


def test_a_correction_answers_with_its_words_on_the_stream_timeline(stream, browser):
    segment = Segment.objects.get()
    response = post(browser, f"segments/{segment.id}/", {"text": "We beat the boss!"})
    assert response.status_code == 200
    assert response.json()["words"][-1] == [202.3, 202.9, "boss!"]


def test_a_mark_then_its_undo(stream, browser):
    created = post(browser, f"streams/{stream.id}/marks/", {"time": 100.5})
    assert created.status_code == 201
    mark = Highlight.objects.get(id=created.json()["id"])
    assert (mark.peak, mark.source) == (100.5, "manual")
    token = browser.cookies["csrftoken"].value
    assert browser.delete(f"/api/review/highlights/{mark.id}/", HTTP_X_CSRFTOKEN=token).status_code == 204
    assert not Highlight.objects.filter(id=mark.id).exists()


def test_home_lists_only_the_users_streams_with_their_counts(stream, rival_stream, browser):
    PipelineRun.objects.create(owner=stream.owner, kind=PipelineRun.Kind.PROCESS, stream=stream, status="completed")
    page = browser.get("/").content.decode()
    assert f'href="/review/streams/{stream.id}/"' in page
    assert "Rival&#x27;s stream" not in page and "Rival's stream" not in page
    assert 'action="/search/"' in page
    assert "completed" in page and "0:05:00" in page
    assert f'data-stream="{stream.id}" data-proposed="2" data-accepted="1" data-highlights="1"' in page


def test_home_sends_a_visitor_to_log_in():
    response = Client().get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_correction_is_in_the_next_transcript_read_not_a_cached_one(stream, browser):
    url = f"/api/review/streams/{stream.id}/transcript/"
    assert browser.get(url).json()["segments"][0]["text"] == "we beat the bos"
    post(browser, f"segments/{Segment.objects.get().id}/", {"text": "We beat the <b>boss</b>"})
    assert browser.get(url).json()["segments"][0]["text"] == "We beat the <b>boss</b>"


def test_merging_with_another_users_episode_is_404_and_changes_nothing(stream, rival_stream, browser):
    intro, theirs = episode(stream, "Intro"), episode(rival_stream, "Intro")

    assert post(browser, f"episodes/{intro.id}/merge/", {"with": theirs.id}).status_code == 404
    assert Episode.objects.get(id=theirs.id).tracks == theirs.tracks
    assert episode(stream, "Intro").tracks == intro.tracks
