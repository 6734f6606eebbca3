"""The API refuses JSON nested past Python's recursion limit with a 400 and a message (it was a 500)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize("endpoint", ["episodes-list", "streams-list", "widget-list", "projects-list"])
def test_deeply_nested_json_is_a_400_with_a_message(api_client, endpoint):
    body = b'{"title": "x", "config": ' + DEEP + b"}"

    response = api_client.post(reverse(endpoint), data=body, content_type="application/json")

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_ordinary_json_still_parses(api_client):
    response = api_client.post(reverse("projects-list"), {"title": "Plain"}, format="json")

    assert response.status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"title": "Timer", "type": "text_overlay", "config": {"text": "a\x00b"}},
        {"title": "Timer", "type": "text_overlay", "config": {"key\x00": 1}},
        {"title": "Timer", "type": "text_overlay", "config": {"list": [[["\x00"]]]}},
    ],
)
def test_nul_characters_in_json_strings_are_a_400_not_a_database_error(api_client, body):
    # jsonb cannot store \u0000: this was a DataError (500) when the widget was saved.
    response = api_client.post(reverse("widget-list"), body, format="json")

    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
