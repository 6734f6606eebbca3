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
