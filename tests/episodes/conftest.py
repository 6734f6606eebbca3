"""Fixtures for the episodes tests."""

from tests.episodes.review_data import rival_stream, stream  # noqa: F401  (the review page's rows)
