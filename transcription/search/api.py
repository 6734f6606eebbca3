"""``GET /api/search/``: the caller's own hybrid search, its errors as 400 with a message."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from transcription.search.embedders import EmbeddingError
from transcription.search.forms import SearchForm
from transcription.search.fusion import MAX_QUERY_CHARS, QueryError
from transcription.search.presenting import hit_payload
from transcription.search.queries import MAX_LIMIT, MODES, search

_SCORE = inline_serializer(
    "SearchScore",
    {
        "fused": serializers.FloatField(help_text="reciprocal rank fusion of the two lists"),
        "vector_rank": serializers.IntegerField(allow_null=True),
        "vector_distance": serializers.FloatField(allow_null=True, help_text="cosine distance"),
        "text_rank": serializers.IntegerField(allow_null=True),
        "text_score": serializers.FloatField(allow_null=True, help_text="ts_rank_cd"),
    },
)
_HIT = inline_serializer(
    "SearchHit",
    {
        "stream": inline_serializer(
            "SearchHitStream", {"id": serializers.IntegerField(), "title": serializers.CharField()}
        ),
        "clip": serializers.IntegerField(),
        "kind": serializers.ChoiceField(choices=["window", "summary"]),
        "start": serializers.FloatField(help_text="seconds on the stream timeline"),
        "end": serializers.FloatField(help_text="seconds on the stream timeline"),
        "start_hms": serializers.CharField(),
        "clip_offset": serializers.FloatField(help_text="seconds into the clip's file"),
        "snippet": serializers.CharField(help_text="HTML: escaped text, matched words in <mark>"),
        "text": serializers.CharField(),
        "score": _SCORE,
        "player_url": serializers.CharField(help_text="a page playing the clip from the moment"),
        "media_url": serializers.CharField(help_text="the clip's file (owner only) with #t="),
    },
)
_RESULTS = inline_serializer(
    "SearchResults",
    {
        "query": serializers.CharField(),
        "mode": serializers.CharField(),
        "count": serializers.IntegerField(),
        "results": serializers.ListField(child=_HIT),
    },
)
_ERROR = inline_serializer(
    "SearchError", {"detail": serializers.CharField(), "errors": serializers.DictField(child=serializers.ListField())}
)


class SearchView(APIView):
    """Hybrid (vector + full-text) search over the caller's transcripts and summaries."""

    @extend_schema(
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, required=True, description=f"at most {MAX_QUERY_CHARS} characters"),
            OpenApiParameter("series", OpenApiTypes.INT, description="one of your series"),
            OpenApiParameter("stream", OpenApiTypes.INT, description="one of your streams"),
            OpenApiParameter("from", OpenApiTypes.DATE, description="streams recorded on or after"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="streams recorded on or before"),
            OpenApiParameter("limit", OpenApiTypes.INT, description=f"1 to {MAX_LIMIT}, default 20"),
            OpenApiParameter("mode", OpenApiTypes.STR, enum=list(MODES), description="default hybrid"),
        ],
        responses={200: _RESULTS, 400: _ERROR, 503: _ERROR},
    )
    def get(self, request: Request) -> Response:
        form = SearchForm(request.query_params, owner=request.user)
        if not form.is_valid():
            return Response({"detail": form.error_text(), "errors": form.errors}, status=400)
        arguments = form.search_arguments()
        try:
            hits = search(request.user, **arguments)
        except QueryError as error:
            return Response({"detail": str(error), "errors": {}}, status=400)
        except EmbeddingError as error:  # the configured embeddings endpoint is down or refused the query
            return Response({"detail": f"search is unavailable: {error}", "errors": {}}, status=503)
        return Response(
            {
                "query": arguments["query"],
                "mode": arguments["mode"],
                "count": len(hits),
                "results": [hit_payload(hit) for hit in hits],
            }
        )
