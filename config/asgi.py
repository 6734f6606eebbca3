"""HTTP and websocket routing. Served by daphne (``manage.py runserver`` / ``studio``) or uvicorn."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from chat.webhook import EventSubApp  # noqa: E402
from widgets.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Twitch's webhook skips Django's middleware (1,000+ messages/s); everything else goes to Django.
        "http": EventSubApp(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
