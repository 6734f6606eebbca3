"""/api/docs/ works without internet: Swagger UI's files come from our static files, not a CDN."""

import re
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.django_db


def test_swagger_ui_loads_only_local_static_files_and_they_are_served(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()

    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    urls += re.findall(r"""["'](https?://[^"']+|//[^"']+)["']""", html)  # any absolute URL, in scripts too
    assert urls, html[:500]
    assert all(not urlsplit(url).netloc for url in urls), urls

    assets = [url for url in urls if url.startswith("/static/")]
    assert any(url.endswith("swagger-ui-bundle.js") for url in assets), assets
    for url in assets:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200 and body, url
