from django.urls import path

from widgets.consumers import WidgetConsumer

websocket_urlpatterns = [
    path("ws/widgets/", WidgetConsumer.as_asgi()),
]
