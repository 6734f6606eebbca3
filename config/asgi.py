"""HTTP and websocket routing. Served by uvicorn in production (see Dockerfile), daphne under ``runserver``."""

import gc
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

# Everything imported so far (about 140,000 objects: Django, DRF, the apps) lives as long as the process.
# Left in the collector's view, each full collection walks all of it: a 150-250 ms pause, every few seconds
# while hundreds of OBS pages get pushes. Frozen, the pause shrinks to the connections' own objects
# (benchmarks/widget_fanout.py: p99 160 ms -> 50 ms with 500 pages).
gc.collect()
gc.freeze()
