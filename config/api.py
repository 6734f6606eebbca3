"""The REST API's router: every app's owner-scoped viewsets, registered in one place."""

from rest_framework.routers import DefaultRouter

from chat.api import ChatMessageViewSet, EventSubSubscriptionViewSet, TwitchLinkViewSet
from episodes.api import EpisodeViewSet, HighlightViewSet, ProjectViewSet
from pipeline.api import PipelineRunViewSet
from streams.api import SeriesViewSet, StreamViewSet, VideoClipViewSet
from transcription.api import ClipAnalysisViewSet, ProcessingViewSet, TranscriptViewSet
from transcription.summaries.api import ClipSummaryViewSet, StreamSummaryViewSet
from widgets.api import StreamWidgetViewSet

router = DefaultRouter()
router.register("series", SeriesViewSet, basename="series")
router.register("streams", StreamViewSet, basename="streams")
router.register("clips", VideoClipViewSet, basename="clips")
router.register("projects", ProjectViewSet, basename="projects")
router.register("episodes", EpisodeViewSet, basename="episodes")
router.register("highlights", HighlightViewSet, basename="highlights")
router.register("pipeline-runs", PipelineRunViewSet, basename="pipeline-runs")
router.register("transcripts", TranscriptViewSet, basename="transcripts")
router.register("clip-analyses", ClipAnalysisViewSet, basename="clip-analyses")
router.register("processing", ProcessingViewSet, basename="processing")
router.register("clip-summaries", ClipSummaryViewSet, basename="clip-summaries")
router.register("stream-summaries", StreamSummaryViewSet, basename="stream-summaries")
router.register("twitch-links", TwitchLinkViewSet, basename="twitch-links")
router.register("eventsub-subscriptions", EventSubSubscriptionViewSet, basename="eventsub-subscriptions")
router.register("chat-messages", ChatMessageViewSet, basename="chat-messages")
router.register("widgets", StreamWidgetViewSet, basename="widget")
