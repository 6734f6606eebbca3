"""Fixtures for the episodes tests."""

from tests.episodes.review_data import rival_stream, stream  # noqa: F401  (the review page's rows)
from tests.widgets.conftest import channel_layer  # noqa: F401  (the browser tests' server needs it)
from tests.widgets.test_obs_page import page, server, server_kind  # noqa: F401  (real ASGI server, Chromium)
