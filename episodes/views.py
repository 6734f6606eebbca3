"""The streamer's pages: the home page (their streams) and the review page of one stream."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from episodes.review_selectors import home_streams, review_overview, review_stream
from rendering.argv import PRESETS


@login_required
@ensure_csrf_cookie
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"streams": home_streams(request.user)})


@login_required
@ensure_csrf_cookie
def review_page(request: HttpRequest, stream_id: int) -> HttpResponse:
    stream = review_stream(request.user, stream_id)
    if stream is None:
        raise Http404("No such stream")
    context = {
        "stream": stream,
        "overview": review_overview(stream),
        "presets": list(PRESETS),
        "default_preset": settings.RENDER_PRESET,
    }
    return render(request, "review/stream.html", context)
