"""Server errors the schema fuzz (tests/config/test_schemathesis.py) found, each pinned as a 4xx or a success."""

import pytest
from django.urls import reverse

from streams.models import Series

pytestmark = pytest.mark.django_db


def test_series_tags_sent_form_encoded_as_null_are_a_list_not_a_500(api_client):
    response = api_client.post(
        reverse("series-list"),
        "name=Show&episode_title_template=t&youtube_category_id=20&tags=null",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 201
    assert Series.objects.get().tags == ["null"]


@pytest.mark.parametrize("tags", [None, "gaming", [1, [2]], {"a": 1}])
def test_series_tags_must_be_a_list_of_strings(api_client, tags):
    response = api_client.post(reverse("series-list"), {"name": "Show", "tags": tags}, format="json")

    assert response.status_code == 400 and "tags" in response.json()


@pytest.mark.parametrize("body", [[None, None], "paths", 3])
def test_ingest_with_a_body_that_is_not_an_object_is_a_400(api_client, body):
    response = api_client.post(reverse("streams-ingest"), body, format="json")

    assert response.status_code == 400
    assert "expected an object" in response.json()["errors"][0]


@pytest.mark.parametrize(
    ("url", "status"),
    [
        # Unicode digits passed isdigit() and then failed int() (500).
        ("/api/transcripts/?stream=%C2%B2", 400),
        ("/api/chat-messages/?stream=%C2%B2", 400),
        ("/api/clips/?stream=%C2%B2", 200),
        ("/api/transcripts/stream/%C2%B2/srt/", 404),
        # PostgreSQL refuses NUL in any text parameter (500).
        ("/api/chat-messages/?chatter=a%00", 400),
        ("/api/chat-messages/?search=a%00", 400),
        ("/api/streams/a%00/", 400),
    ],
)
def test_query_and_path_values_no_view_can_use_are_client_errors(api_client, url, status):
    assert api_client.get(url).status_code == status


def test_admin_search_with_a_nul_is_a_400(admin_client):
    assert admin_client.get("/admin/streams/stream/?q=a%00").status_code == 400


@pytest.mark.anyio
async def test_a_nul_is_refused_on_the_async_stack_too(async_client):
    response = await async_client.get("/api/health/?x=%00")

    assert response.status_code == 400 and b"NUL" in response.content
