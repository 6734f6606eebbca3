"""The review page's REST API (``/api/review/...``): thin views over the proposals services (triage and
marks, the same ones ``/api/episodes/`` and ``/api/highlights/`` call), ``episodes.review`` and its selectors.

Session-authenticated writes need the CSRF token (DRF's SessionAuthentication); API tokens work too. Every
row is the caller's own: another user's reads as 404. A bad request answers 400 with ``{"detail": ...}``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps

from django.http import HttpResponse
from django.urls import path
from rest_framework import status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.request import Request
from rest_framework.response import Response

from config.parsers import JSONParser
from episodes import review
from episodes.proposals import marks
from episodes.proposals import services as proposals
from episodes.proposals.services import ProposalError
from episodes.review_core import ReviewError
from episodes.review_selectors import (
    chat_json,
    review_items,
    review_overview,
    review_stream,
    transcript_json,
    waveform_json,
)
from pipeline.media_access import media_url
from pipeline.notify import run_payload


def _errors(view: Callable) -> Callable:
    """ReviewError or ProposalError → 400 with its message; ReviewNotFound → 404."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except review.ReviewNotFound:
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        except (ReviewError, ProposalError) as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)

    return wrapped


def review_view(methods: list[str]) -> Callable:
    """A DRF function view that takes JSON only (the project's parser: no NUL, no runaway nesting) and turns
    the services' errors into 400 and 404 answers."""

    def decorate(view: Callable) -> Callable:
        return api_view(methods)(parser_classes([JSONParser])(_errors(view)))

    return decorate


def _body(request: Request) -> dict:
    if not isinstance(request.data, dict):
        raise ReviewError("send a JSON object")
    return request.data


def _seconds(data: dict, name: str, *, required: bool = True) -> float | None:
    value = data.get(name)
    if value is None:
        if required:
            raise ReviewError(f"{name} is required (seconds on the stream timeline)")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ReviewError(f"{name} must be a number of seconds (got {value!r})")
    return float(value)


def _integer(data: dict, name: str) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ReviewError(f"{name} must be an integer id (got {value!r})")
    return value


def _text(data: dict, name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise ReviewError(f"{name} must be a string")
    return value


def _stream_or_404(request, stream_id: int):
    stream = review_stream(request.user, stream_id)
    if stream is None:
        raise review.ReviewNotFound(stream_id)
    return stream


def _episode_json(episode) -> dict:
    return {"id": episode.id, "title": episode.title, "status": episode.status, "tracks": episode.tracks}


# --- reads -----------------------------------------------------------------------------------------------------
@review_view(["GET"])
def stream_overview(request, stream_id: int) -> Response:
    return Response(review_overview(_stream_or_404(request, stream_id)))


@review_view(["GET"])
def stream_items(request, stream_id: int) -> Response:
    return Response(review_items(_stream_or_404(request, stream_id)))


@review_view(["GET"])
def stream_waveform(request, stream_id: int) -> Response:
    return HttpResponse(waveform_json(_stream_or_404(request, stream_id)), content_type="application/json")


@review_view(["GET"])
def stream_transcript(request, stream_id: int) -> Response:
    return HttpResponse(transcript_json(_stream_or_404(request, stream_id)), content_type="application/json")


@review_view(["GET"])
def stream_chat(request, stream_id: int) -> Response:
    return HttpResponse(chat_json(_stream_or_404(request, stream_id)), content_type="application/json")


# --- episodes: the proposals services, owner-scoped ----------------------------------------------------------
@review_view(["POST"])
def episode_accept(request, episode_id: int) -> Response:
    episode = review.review_episode_owned(request.user, episode_id)
    return Response(_episode_json(proposals.episode_accept(episode=episode)))


@review_view(["POST"])
def episode_reject(request, episode_id: int) -> Response:
    """Kept as rejected (a re-run of proposals leaves it so); undone with ``reopen``."""
    episode = review.review_episode_owned(request.user, episode_id)
    return Response(_episode_json(proposals.episode_reject(episode=episode)))


@review_view(["POST"])
def episode_reopen(request, episode_id: int) -> Response:
    """Undo of an accept or a reject: a proposal again."""
    episode = review.review_episode_owned(request.user, episode_id)
    return Response(_episode_json(proposals.episode_reopen(episode=episode)))


@review_view(["POST"])
def episode_rename(request, episode_id: int) -> Response:
    title = _text(_body(request), "title")
    episode = review.review_episode_owned(request.user, episode_id)
    return Response(_episode_json(proposals.episode_rename(episode=episode, title=title)))


@review_view(["POST"])
def episode_trim(request, episode_id: int) -> Response:
    """Move the in and/or out point (the other stays where it is); answers ``before`` for undo."""
    data = _body(request)
    start, end = _seconds(data, "start", required=False), _seconds(data, "end", required=False)
    if start is None and end is None:
        raise ReviewError("give start and/or end")
    episode = review.review_episode_owned(request.user, episode_id)
    if not episode.tracks:
        raise ReviewError(f"{episode.title}: it has no tracks to trim")
    before = review.episode_snapshot(episode)
    start = min(t["start"] for t in episode.tracks) if start is None else start
    end = max(t["end"] for t in episode.tracks) if end is None else end
    trimmed = proposals.episode_trim(episode=episode, start=start, end=end)
    return Response({**_episode_json(trimmed), "before": before})


@review_view(["POST"])
def episode_split(request, episode_id: int) -> Response:
    at = _seconds(_body(request), "at")
    episode = review.review_episode_owned(request.user, episode_id)
    before = review.episode_snapshot(episode)
    first, second = proposals.episode_split(episode=episode, at=at)
    return Response({"episodes": [_episode_json(first), _episode_json(second)], "before": before})


@review_view(["POST"])
def episode_merge(request, episode_id: int) -> Response:
    """The episode ``with`` joins this one and is deleted; ``before`` and ``removed`` are for undo."""
    other_id = _integer(_body(request), "with")
    episode = review.review_episode_owned(request.user, episode_id)
    other = review.review_episode_owned(request.user, other_id)
    before, removed = review.episode_snapshot(episode), review.episode_snapshot(other)
    merged = proposals.episode_merge(episode=episode, other=other)
    return Response({"episode": _episode_json(merged), "before": before, "removed": removed})


@review_view(["POST"])
def episode_render(request, episode_id: int) -> Response:
    preset = _body(request).get("preset")
    if preset is not None and not isinstance(preset, str):
        raise ReviewError("preset must be a string")
    run = review.review_episode_render_start(user=request.user, episode_id=episode_id, preset=preset or None)
    return Response({"run": run_payload(run)}, status=status.HTTP_202_ACCEPTED)


@review_view(["POST"])
def episode_restore(request, stream_id: int) -> Response:
    episode = review.review_episode_restore(user=request.user, stream_id=stream_id, snapshot=_body(request))
    return Response(_episode_json(episode))


# --- highlights: the marks services, owner-scoped ---------------------------------------------------------------
@review_view(["POST"])
def highlight_mark(request, stream_id: int) -> Response:
    """A moment marked at ``time`` (stream seconds) with the series' pre- and post-roll."""
    data = _body(request)
    title = data.get("title", "")
    if not isinstance(title, str):
        raise ReviewError("title must be a string")
    time = _seconds(data, "time")
    stream = review.review_stream_owned(request.user, stream_id)
    highlight = marks.highlight_mark(stream=stream, at=time, marked_by=request.user.get_username(), title=title)
    return Response({"id": highlight.id, "start": highlight.start, "end": highlight.end}, status=201)


@review_view(["POST"])
def highlight_status(request, highlight_id: int) -> Response:
    status_ = _text(_body(request), "status")
    highlight = review.review_highlight_owned(request.user, highlight_id)
    highlight = marks.highlight_update(highlight=highlight, status=status_)
    return Response({"id": highlight.id, "status": highlight.status})


@review_view(["DELETE"])
def highlight_unmark(request, highlight_id: int) -> Response:
    marks.highlight_unmark(highlight=review.review_highlight_owned(request.user, highlight_id))
    return Response(status=status.HTTP_204_NO_CONTENT)


@review_view(["POST"])
def highlight_vertical(request, highlight_id: int) -> Response:
    try:
        run, key = review.review_highlight_vertical_start(user=request.user, highlight_id=highlight_id)
    except ValueError as error:
        raise ReviewError(str(error)) from error
    return Response({"run": run_payload(run), "url": media_url(key)}, status=status.HTTP_202_ACCEPTED)


# --- transcript ------------------------------------------------------------------------------------------------
@review_view(["POST"])
def segment_correct(request, segment_id: int) -> Response:
    segment = review.review_segment_correct(
        user=request.user, segment_id=segment_id, text=_text(_body(request), "text")
    )
    offset = segment.transcript.clip.start_time
    words = [
        [round(offset + w["start"], 3), round(offset + w["end"], 3), str(w["word"]).strip()] for w in segment.words
    ]
    return Response({"id": segment.id, "text": segment.text, "words": words})


urlpatterns = [
    path("streams/<int:stream_id>/", stream_overview, name="review-stream"),
    path("streams/<int:stream_id>/items/", stream_items, name="review-items"),
    path("streams/<int:stream_id>/waveform/", stream_waveform, name="review-waveform"),
    path("streams/<int:stream_id>/transcript/", stream_transcript, name="review-transcript"),
    path("streams/<int:stream_id>/chat/", stream_chat, name="review-chat"),
    path("streams/<int:stream_id>/marks/", highlight_mark, name="review-mark"),
    path("streams/<int:stream_id>/restore/", episode_restore, name="review-restore"),
    path("episodes/<int:episode_id>/accept/", episode_accept, name="review-accept"),
    path("episodes/<int:episode_id>/reject/", episode_reject, name="review-reject"),
    path("episodes/<int:episode_id>/reopen/", episode_reopen, name="review-reopen"),
    path("episodes/<int:episode_id>/rename/", episode_rename, name="review-rename"),
    path("episodes/<int:episode_id>/trim/", episode_trim, name="review-trim"),
    path("episodes/<int:episode_id>/split/", episode_split, name="review-split"),
    path("episodes/<int:episode_id>/merge/", episode_merge, name="review-merge"),
    path("episodes/<int:episode_id>/render/", episode_render, name="review-render"),
    path("highlights/<int:highlight_id>/status/", highlight_status, name="review-highlight-status"),
    path("highlights/<int:highlight_id>/", highlight_unmark, name="review-unmark"),
    path("highlights/<int:highlight_id>/vertical/", highlight_vertical, name="review-vertical"),
    path("segments/<int:segment_id>/", segment_correct, name="review-segment"),
]
