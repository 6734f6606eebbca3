import os
from pathlib import Path

import django
import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model

# Until the shared tests/conftest.py and pytest settings land on main, these tests configure themselves;
# this is a no-op once the project's settings are in place.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("STUDIO_VAR_DIR", str(Path(__file__).resolve().parents[2] / "var" / "test"))
django.setup()


@pytest.fixture
def streamer(transactional_db):
    return get_user_model().objects.create_user("streamer", password="pw-streamer-1")


@pytest.fixture
def rival(transactional_db):
    return get_user_model().objects.create_user("rival", password="pw-rival-1")


@pytest.fixture
def streamer_token(streamer) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.create(user=streamer).key


@pytest.fixture
def rival_token(rival) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.create(user=rival).key


@pytest.fixture
def countdown(streamer):
    from widgets.services import widget_create

    return widget_create(owner=streamer, title="Starting soon", type="countdown", config={"duration": 300})


@pytest.fixture
def channel_layer():
    """The real channels_redis layer on the test Redis, emptied so no earlier test's messages linger."""
    layer = get_channel_layer()
    async_to_sync(layer.flush)()
    return layer


@pytest.fixture
async def connect(channel_layer, transactional_db):
    """Open websockets to the real ASGI application; closed at the end of the test."""
    from config.asgi import application

    opened = []

    async def open_socket(query: str = "", headers: tuple = ()) -> WebsocketCommunicator:
        socket = WebsocketCommunicator(
            application, f"/ws/widgets/{query}", headers=[(b"origin", b"http://localhost"), *headers]
        )
        connected, _ = await socket.connect(timeout=10)
        assert connected
        opened.append(socket)
        return socket

    yield open_socket
    for socket in opened:
        await socket.disconnect()
