"""The REST API's router: each app registers its owner-scoped viewsets here."""

from rest_framework.routers import DefaultRouter

from episodes.api import EpisodeViewSet, ProjectViewSet
from pipeline.api import PipelineRunViewSet
from streams.api import SeriesViewSet, StreamViewSet, VideoClipViewSet

router = DefaultRouter()
router.register("series", SeriesViewSet, basename="series")
router.register("streams", StreamViewSet, basename="streams")
router.register("clips", VideoClipViewSet, basename="clips")
router.register("projects", ProjectViewSet, basename="projects")
router.register("episodes", EpisodeViewSet, basename="episodes")
router.register("pipeline-runs", PipelineRunViewSet, basename="pipeline-runs")

# --- chat ---
from chat.api import ChatMessageViewSet, EventSubSubscriptionViewSet, TwitchLinkViewSet  # noqa: E402

router.register("twitch-links", TwitchLinkViewSet, basename="twitch-links")
router.register("eventsub-subscriptions", EventSubSubscriptionViewSet, basename="eventsub-subscriptions")
router.register("chat-messages", ChatMessageViewSet, basename="chat-messages")

# --- widgets ---
from widgets.api import StreamWidgetViewSet  # noqa: E402  (appended by app)

router.register("widgets", StreamWidgetViewSet, basename="widget")
