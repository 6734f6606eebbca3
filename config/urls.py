from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.api import router
from episodes import review_api
from episodes.api import StreamHighlightsView
from episodes.views import home
from pipeline.media_views import media
from pipeline.views import health
from transcription.search.api import SearchView

urlpatterns = [
    path("", home, name="home"),
    path("review/", include("episodes.urls")),
    path("api/review/", include(review_api.urlpatterns)),
    path("admin/", admin.site.urls),
    path("api/health/", health, name="health"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/streams/<int:stream_id>/highlights/", StreamHighlightsView.as_view(), name="stream-highlights"),
    path("api/search/", SearchView.as_view(), name="api-search"),
    path("api/", include(router.urls)),
    path("search/", include("transcription.search.urls")),
    path("twitch/", include("chat.urls")),
    path("widgets/", include("widgets.urls")),
    # Stored media, to its owner only (in development too: no public static() serving of MEDIA_ROOT).
    path(f"{settings.MEDIA_URL.strip('/')}/<path:key>", media, name="media"),
]
