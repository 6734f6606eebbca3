"""The REST API's router: each app registers its owner-scoped viewsets here."""

from rest_framework.routers import DefaultRouter

from episodes.api import EpisodeViewSet, ProjectViewSet
from pipeline.api import PipelineRunViewSet
from streams.api import SeriesViewSet, StreamViewSet, VideoClipViewSet

router = DefaultRouter()
router.register("series", SeriesViewSet)
router.register("streams", StreamViewSet)
router.register("clips", VideoClipViewSet)
router.register("projects", ProjectViewSet)
router.register("episodes", EpisodeViewSet)
router.register("pipeline-runs", PipelineRunViewSet)
