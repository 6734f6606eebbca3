"""GET /api/search/: the caller's own hits, with everything a client needs to play the moment; 400s that say why."""

import socket

import pytest
from rest_framework.test import APIClient

from streams.models import Series, Stream
from tests.transcription import search_rows
from transcription.search.fusion import MAX_QUERY_CHARS

searchable = search_rows.searchable
URL = "/api/search/"


def test_hits_carry_stream_clip_times_snippet_scores_and_a_player_link(searchable, api_client):
    response = api_client.get(URL, {"q": "borrow checker", "limit": 3})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["query"] == "borrow checker" and body["mode"] == "hybrid" and body["count"] == 3
    best = body["results"][0]
    clip = searchable.rust.clips.get()
    assert best["stream"] == {"id": searchable.rust.id, "title": "Porting the parser"}
    assert (best["clip"], best["start"], best["end"], best["start_hms"]) == (clip.id, 30.0, 60.0, "0:00:30")
    assert "<mark>borrow</mark> <mark>checker</mark>" in best["snippet"]
    assert best["score"]["vector_rank"] == 1 and best["score"]["text_rank"] == 1 and best["score"]["fused"] > 0
    assert best["player_url"] == f"/search/play/{clip.id}/?t=30.0"
    assert best["media_url"] == f"/media/{clip.file.name}#t=30.0"


def test_the_player_link_opens_the_clip_at_the_moment(searchable, api_client, client, user):
    best = api_client.get(URL, {"q": "collect stone and wood", "mode": "text"}).json()["results"][0]
    client.force_login(user)

    page = client.get(best["player_url"])

    assert page.status_code == 200
    assert 'src="/media/clips/Forest-cabin.mp4#t=30.0"' in page.content.decode()
    assert "at 0:01:30" in page.content.decode()  # the clip starts 60 s into the stream


def test_filters_and_modes(searchable, api_client):
    def streams(**params):
        response = api_client.get(URL, {"q": "borrow checker wooden house", **params})
        assert response.status_code == 200, response.content
        return {hit["stream"]["id"] for hit in response.json()["results"]}

    assert streams(stream=searchable.house.id) == {searchable.house.id}
    assert streams(series=searchable.rust_series.id) == {searchable.rust.id}
    assert streams(**{"from": "2026-03-01"}) == {searchable.house.id}
    assert streams(to="2026-01-31") == {searchable.rust.id}
    text_hits = api_client.get(URL, {"q": "chimney", "mode": "text"}).json()["results"]
    assert [hit["score"]["vector_rank"] for hit in text_hits] == [None]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({}, "q", "Enter something"),
        ({"q": "   "}, "q", "Enter something"),
        ({"q": "x" * (MAX_QUERY_CHARS + 1)}, "q", "too long"),
        ({"q": "a\x07b"}, "q", "control characters"),
        ({"q": "hi", "stream": "abc"}, "stream", "whole number"),
        ({"q": "hi", "stream": "99999999"}, "stream", "no stream 99999999"),
        ({"q": "hi", "series": "-3"}, "series", "greater than or equal to 1"),
        ({"q": "hi", "from": "2026-13-01"}, "from", "valid date"),
        ({"q": "hi", "to": "yesterday"}, "to", "valid date"),
        ({"q": "hi", "from": "2026-02-01", "to": "2026-01-01"}, "to", "before the start date"),
        ({"q": "hi", "to": "9999-12-31"}, "to", "Dates must be between"),
        ({"q": "hi", "from": "0001-01-01"}, "from", "Dates must be between"),
        ({"q": "hi", "mode": "fuzzy"}, "mode", "valid choice"),
        ({"q": "hi", "limit": "0"}, "limit", "greater than or equal to 1"),
        ({"q": "hi", "limit": "1000"}, "limit", "less than or equal to 100"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(db, api_client, params, field, message):
    response = api_client.get(URL, params)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert message in response.json()["detail"]


def test_another_users_rows_and_filters_never_show(searchable, api_client, other_client, other_user):
    mine = api_client.get(URL, {"q": "borrow checker mutable reference", "limit": 100}).json()["results"]
    assert mine and searchable.rival.id not in {hit["stream"]["id"] for hit in mine}

    # Naming another user's stream or series is refused, not answered with their rows.
    assert api_client.get(URL, {"q": "borrow", "stream": searchable.rival.id}).status_code == 400
    rival_series = Series.objects.create(owner=other_user, name="Theirs")
    Stream.objects.filter(id=searchable.rival.id).update(series=rival_series)
    assert api_client.get(URL, {"q": "borrow", "series": rival_series.id}).status_code == 400

    theirs = other_client.get(URL, {"q": "borrow checker", "limit": 100}).json()["results"]
    assert {hit["stream"]["id"] for hit in theirs} == {searchable.rival.id}


def test_search_needs_a_login(db):
    assert APIClient().get(URL, {"q": "borrow"}).status_code in (401, 403)


def test_an_unreachable_embeddings_endpoint_is_a_503_that_says_so(db, api_client, settings):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        unused_tcp_port = probe.getsockname()[1]
    settings.EMBEDDING_ENGINE = "openai"
    settings.EMBEDDING_MODEL = "text-embedding-3-small"
    settings.OPENAI_BASE_URL = f"http://127.0.0.1:{unused_tcp_port}/v1"
    settings.EMBEDDING_MAX_RETRIES = 0

    response = api_client.get("/api/search/", {"q": "borrow checker"})

    assert response.status_code == 503
    assert response.json()["detail"].startswith("search is unavailable:")
    assert f"127.0.0.1:{unused_tcp_port}" in response.json()["detail"]
