"""The ingest endpoint's URL branch: each VOD URL becomes a queued download run on the ``io`` queue."""

from __future__ import annotations

from django.db import transaction
from rest_framework import status
from rest_framework.response import Response

from streams.sources import is_url
from streams.sources.vod import vod_run_create


def ingest_urls_response(request) -> Response:
    """202 with one pipeline run per URL (follow them at /api/pipeline-runs/ID/); 400 naming bad URLs."""
    data = request.data
    urls = data.getlist("urls") if hasattr(data, "getlist") else data.get("urls")
    if not isinstance(urls, list) or not urls or not all(isinstance(url, str) for url in urls):
        return Response({"errors": {"urls": ["expected a list of VOD URLs"]}}, status=status.HTTP_400_BAD_REQUEST)
    if data.get("paths") or request.FILES:
        return Response(
            {"errors": ["give urls, or paths and files: not both in one request"]}, status=status.HTTP_400_BAD_REQUEST
        )
    refused = [f"{url}: not an http(s) URL of a video" for url in urls if not is_url(url)]
    if refused:
        return Response({"errors": {"urls": refused}}, status=status.HTTP_400_BAD_REQUEST)
    title = str(data.get("title") or "") or None
    series = str(data.get("series") or "") or None
    from streams.tasks import download_vod

    runs = []
    with transaction.atomic():
        for url in (raw.strip() for raw in urls):
            run = vod_run_create(owner=request.user, url=url)
            transaction.on_commit(
                lambda run_id=run.id, url=url: download_vod.delay(run_id, url, title=title, series=series)
            )
            runs.append(run.id)
    return Response({"pipeline_runs": runs, "status": "queued"}, status=status.HTTP_202_ACCEPTED)
