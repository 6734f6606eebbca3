"""Transcripts, subtitles, clip analyses, and starting (re)processing, for the owner only."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from config.downloads import attachment
from config.ownership import OwnedPrimaryKeyRelatedField, OwnedQuerysetMixin
from pipeline.api import PipelineRunSerializer
from pipeline.steps import PROCESS_STEPS
from pipeline.workflows import start_stream_processing
from streams.analysis.models import ClipAnalysis
from streams.models import Stream
from transcription.exports import CONTENT_TYPES, stream_subtitles, transcript_subtitles
from transcription.models import Segment, Transcript


class SegmentSerializer(serializers.ModelSerializer):
    stream_start = serializers.SerializerMethodField(help_text="start on the stream's timeline, seconds")

    class Meta:
        model = Segment
        fields = [
            "index",
            "start",
            "end",
            "stream_start",
            "text",
            "avg_logprob",
            "compression_ratio",
            "no_speech_prob",
            "temperature",
            "tokens",
            "words",
        ]

    def get_stream_start(self, segment) -> float:
        return round(segment.start + segment.transcript.clip.start_time, 3)


class TranscriptSerializer(serializers.ModelSerializer):
    stream = serializers.IntegerField(source="clip.stream_id", read_only=True)
    clip_start_time = serializers.FloatField(source="clip.start_time", read_only=True)
    segments = SegmentSerializer(many=True, read_only=True)

    class Meta:
        model = Transcript
        fields = [
            "id",
            "clip",
            "stream",
            "clip_start_time",
            "language",
            "text",
            "engine",
            "model_name",
            "speech_seconds",
            "updated_at",
            "segments",
        ]


def _subtitle_response(body: str, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = attachment(f"{name}.{fmt}")
    return response


class TranscriptViewSet(OwnedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """``?stream=<id>`` or ``?clip=<id>`` to filter; ``srt``/``vtt`` per transcript, or per stream."""

    queryset = Transcript.objects.select_related("clip").prefetch_related("segments__transcript__clip")
    serializer_class = TranscriptSerializer
    owner_field = "clip__stream__owner"

    def get_queryset(self):
        queryset = super().get_queryset()
        for param, lookup in (("stream", "clip__stream_id"), ("clip", "clip_id")):
            value = self.request.query_params.get(param)
            if value is not None:
                if not (value.isascii() and value.isdigit()):
                    raise serializers.ValidationError({param: "must be an id"})
                queryset = queryset.filter(**{lookup: int(value)})
        return queryset

    @action(detail=True, methods=["get"])
    def srt(self, request, pk=None):
        return self._clip_subtitles("srt")

    @action(detail=True, methods=["get"])
    def vtt(self, request, pk=None):
        return self._clip_subtitles("vtt")

    def _clip_subtitles(self, fmt: str) -> HttpResponse:
        transcript = self.get_object()
        name = transcript.clip.original_name.rsplit(".", 1)[0]
        return _subtitle_response(transcript_subtitles(transcript, fmt), fmt, name)

    @action(detail=False, methods=["get"], url_path=r"stream/(?P<stream_id>[0-9]+)/(?P<fmt>srt|vtt)")
    def stream(self, request, stream_id=None, fmt=None):
        """The whole stream's subtitles on its timeline (each clip shifted by its start time)."""
        stream = get_object_or_404(Stream, id=stream_id, owner=request.user)
        return _subtitle_response(stream_subtitles(stream, fmt), fmt, f"stream-{stream.id}")


class ClipAnalysisSerializer(serializers.ModelSerializer):
    stream = serializers.IntegerField(source="clip.stream_id", read_only=True)
    speech_seconds = serializers.FloatField(read_only=True)

    class Meta:
        model = ClipAnalysis
        fields = [
            "id",
            "clip",
            "stream",
            "audio_track",
            "threshold_db",
            "min_silence",
            "duration",
            "silences",
            "speech",
            "pauses",
            "speech_seconds",
            "loudness",
            "peaks_per_second",
            "waveform_image",
            "waveform_peaks",
            "thumbnails",
            "updated_at",
        ]


class ClipAnalysisViewSet(OwnedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = ClipAnalysis.objects.select_related("clip").order_by("clip__stream_id", "clip__order", "id")
    serializer_class = ClipAnalysisSerializer
    owner_field = "clip__stream__owner"


class ProcessRequestSerializer(serializers.Serializer):
    stream = OwnedPrimaryKeyRelatedField(queryset=Stream.objects.all())
    steps = serializers.ListField(
        child=serializers.ChoiceField(choices=PROCESS_STEPS), required=False, allow_empty=False
    )
    audio_track = serializers.IntegerField(required=False, min_value=0)


class ProcessingViewSet(viewsets.ViewSet):
    """POST ``{stream, steps?, audio_track?}``: analyse and transcribe a stream (again); 202 with the run."""

    serializer_class = ProcessRequestSerializer

    def create(self, request):
        serializer = ProcessRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            run = start_stream_processing(
                data["stream"].id,
                request.user,
                steps=tuple(data.get("steps") or PROCESS_STEPS),
                audio_track=data.get("audio_track"),
            )
        except ValueError as error:
            return Response({"stream": [str(error)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(PipelineRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)
