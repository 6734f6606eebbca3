import pytest

from tests.rendering.fake_youtube import FakeYouTube


@pytest.fixture
def fake_youtube():
    server = FakeYouTube().start()
    yield server
    server.stop()
