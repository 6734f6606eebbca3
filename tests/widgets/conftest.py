import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token

from widgets.services import widget_create


# Websocket consumers and daphne read the database from other threads and processes, so these tests
# commit their data: the shared users, created under transactional_db.
@pytest.fixture
def streamer(transactional_db, user):
    return user


@pytest.fixture
def rival(transactional_db, other_user):
    return other_user


@pytest.fixture
def streamer_token(streamer) -> str:
    return Token.objects.create(user=streamer).key


@pytest.fixture
def rival_token(rival) -> str:
    return Token.objects.create(user=rival).key


@pytest.fixture
def countdown(streamer):
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
