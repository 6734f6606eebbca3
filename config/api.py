"""The REST API's router: each app registers its owner-scoped viewsets here."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

# --- widgets ---
from widgets.api import StreamWidgetViewSet  # noqa: E402  (appended by app)

router.register("widgets", StreamWidgetViewSet, basename="widget")
