"""Summaries over the API, the owner's only: read them, and PATCH to edit (an edit is kept by later re-runs).

``/api/clip-summaries/?stream=<id>`` or ``?clip=<id>``; ``/api/stream-summaries/?stream=<id>``. A PATCH is
checked whole by the same validator the engines' output passes; a bad one is a 400 naming the problem.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from config.ownership import OwnedQuerysetMixin
from transcription.summaries.models import ClipSummary, StreamSummary
from transcription.summaries.schema import CLIP_FIELDS, STREAM_FIELDS, SummaryInvalid
from transcription.summaries.services import SummaryError, clip_summary_edit, stream_summary_edit

_ORIGIN = ["engine", "model_name", "edited_at", "kept_edit", "created_at", "updated_at"]


class ClipSummarySerializer(serializers.ModelSerializer):
    stream = serializers.IntegerField(source="clip.stream_id", read_only=True)
    clip_start_time = serializers.FloatField(source="clip.start_time", read_only=True)

    class Meta:
        model = ClipSummary
        fields = ["id", "clip", "stream", "clip_start_time", *CLIP_FIELDS, *_ORIGIN]
        read_only_fields = fields


class StreamSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = StreamSummary
        fields = ["id", "stream", *STREAM_FIELDS, *_ORIGIN]
        read_only_fields = fields


class _MomentSerializer(serializers.Serializer):
    timestamp_start = serializers.FloatField(help_text="seconds on the stream timeline")
    timestamp_end = serializers.FloatField(help_text="seconds on the stream timeline (not on errors)")
    description = serializers.CharField()
    reasoning = serializers.CharField()
    segments = serializers.ListField(child=serializers.IntegerField(), help_text="transcript segment indexes")


class ClipSummaryEditSerializer(serializers.Serializer):
    """What a PATCH may send (any of these); documents the request, the one validator checks it."""

    title = serializers.CharField(required=False)
    keywords = serializers.ListField(child=serializers.CharField(), required=False)
    summary_main_discussion = serializers.CharField(required=False)
    summary_context = serializers.CharField(required=False)
    highlights = _MomentSerializer(many=True, required=False)
    attentions = _MomentSerializer(many=True, required=False)
    transcription_errors = _MomentSerializer(many=True, required=False)


class StreamSummaryEditSerializer(serializers.Serializer):
    title = serializers.CharField(required=False)
    description = serializers.CharField(required=False)


class _SummaryViewSet(
    OwnedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    http_method_names = ["get", "patch", "head", "options"]
    filters: tuple[tuple[str, str], ...] = ()
    edit = None

    def get_queryset(self):
        queryset = super().get_queryset()
        for param, lookup in self.filters:
            value = self.request.query_params.get(param)
            if value is not None:
                if not (value.isascii() and value.isdigit()):
                    raise serializers.ValidationError({param: "must be an id"})
                queryset = queryset.filter(**{lookup: int(value)})
        return queryset

    def partial_update(self, request, *args, **kwargs):
        summary = self.get_object()
        if not isinstance(request.data, dict) or not request.data:
            return Response(
                {"detail": "send a JSON object with the fields to change"}, status=status.HTTP_400_BAD_REQUEST
            )
        changes = request.data.dict() if hasattr(request.data, "dict") else dict(request.data)  # a form's QueryDict
        try:
            type(self).edit(summary=summary, changes=changes)
        except (SummaryInvalid, SummaryError) as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(self.get_serializer(summary).data)


@extend_schema_view(partial_update=extend_schema(request=ClipSummaryEditSerializer))
class ClipSummaryViewSet(_SummaryViewSet):
    queryset = ClipSummary.objects.select_related("clip").order_by("clip__stream_id", "clip__order")
    serializer_class = ClipSummarySerializer
    owner_field = "clip__stream__owner"
    filters = (("stream", "clip__stream_id"), ("clip", "clip_id"))
    edit = clip_summary_edit


@extend_schema_view(partial_update=extend_schema(request=StreamSummaryEditSerializer))
class StreamSummaryViewSet(_SummaryViewSet):
    queryset = StreamSummary.objects.order_by("stream_id")
    serializer_class = StreamSummarySerializer
    owner_field = "stream__owner"
    filters = (("stream", "stream_id"),)
    edit = stream_summary_edit
