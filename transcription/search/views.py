"""The search page (``/search/``) and the player page a hit opens (``/search/play/<clip>/?t=``), login required."""

from __future__ import annotations

import math

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from pipeline.media_access import media_url
from streams.models import Series, Stream, VideoClip
from streams.timefmt import format_hms
from transcription.search.embedders import EmbeddingError
from transcription.search.forms import SearchForm
from transcription.search.fusion import QueryError
from transcription.search.presenting import hit_payload
from transcription.search.queries import search


@login_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None, owner=request.user)
    streams = Stream.objects.filter(owner=request.user).only("id", "title", "recorded_at")
    context = {
        "form": form,
        "streams": streams,
        "series": Series.objects.filter(owner=request.user).only("id", "name"),
        "hits": None,
    }
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                context["hits"] = [hit_payload(hit) for hit in search(request.user, **form.search_arguments())]
            except QueryError as error:
                form.add_error(None, str(error))
            except EmbeddingError as error:
                form.add_error(None, f"search is unavailable: {error}")
                status = 503
        if form.errors and status == 200:
            status = 400
    return render(request, "search/search.html", context, status=status)


@login_required
@require_GET
def player(request: HttpRequest, clip_id: int) -> HttpResponse:
    """The clip's video from ``t`` seconds into its file: the moment a search hit names."""
    clip = VideoClip.objects.select_related("stream").filter(id=clip_id, stream__owner=request.user).first()
    if clip is None:
        raise Http404("No such clip")
    try:
        offset = float(request.GET.get("t") or 0)
    except ValueError:
        offset = math.nan
    if not math.isfinite(offset) or offset < 0:
        return render(request, "search/player.html", {"error": "t must be a number of seconds, 0 or more."}, status=400)
    context = {
        "clip": clip,
        "offset": offset,
        "moment": format_hms(clip.start_time + offset),
        "source": f"{media_url(clip.file.name)}#t={offset:.1f}",
    }
    return render(request, "search/player.html", context)
