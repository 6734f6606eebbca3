from django.db.models import Count
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from config.ownership import OwnedPrimaryKeyRelatedField, OwnedQuerysetMixin
from config.parsers import JSONParser
from pipeline.media_access import media_url
from streams.forms import IngestForm
from streams.models import Series, Stream, VideoClip
from streams.services import IngestError


class SeriesSerializer(serializers.ModelSerializer):
    # A list of strings, never null (a form-encoded "null" got past the JSONField to the NOT NULL column).
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=100)

    class Meta:
        model = Series
        fields = [
            "id",
            "name",
            "description",
            "episode_title_template",
            "episode_description_template",
            "youtube_playlist_id",
            "youtube_category_id",
            "tags",
            "created_at",
        ]

    def validate_name(self, name):
        owner = self.context["request"].user
        clash = Series.objects.filter(owner=owner, name=name).exclude(pk=getattr(self.instance, "pk", None))
        if clash.exists():
            raise serializers.ValidationError("You already have a series with this name.")
        return name


class VideoClipSerializer(serializers.ModelSerializer):
    file_url = serializers.SerializerMethodField()
    has_video = serializers.BooleanField(read_only=True, help_text="False for an audio-only recording.")

    class Meta:
        model = VideoClip
        fields = [
            "id",
            "stream",
            "order",
            "original_name",
            "file_url",
            "size_bytes",
            "recorded_at",
            "start_time",
            "duration",
            "format_name",
            "bit_rate",
            "video_codec",
            "has_video",
            "width",
            "height",
            "frame_rate",
            "audio_tracks",
            "created_at",
        ]
        read_only_fields = fields

    def get_file_url(self, clip) -> str:
        """The owner-only media path (supports HTTP ranges), absolute when there is a request."""
        if not clip.file:
            return ""
        request = self.context.get("request")
        url = media_url(clip.file.name)
        return request.build_absolute_uri(url) if request else url


class StreamSerializer(serializers.ModelSerializer):
    series = OwnedPrimaryKeyRelatedField(queryset=Series.objects.all(), required=False, allow_null=True)
    clip_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Stream
        fields = [
            "id",
            "title",
            "series",
            "description",
            "language",
            "recorded_at",
            "duration",
            "clip_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["recorded_at", "duration", "created_at", "updated_at"]


class StreamDetailSerializer(StreamSerializer):
    clips = VideoClipSerializer(many=True, read_only=True)

    class Meta(StreamSerializer.Meta):
        fields = [*StreamSerializer.Meta.fields, "clips"]


class IngestRequestSerializer(serializers.Serializer):
    paths = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Server paths, or one s3://bucket/prefix (its objects are probed now and fetched on the io queue)",
    )
    files = serializers.ListField(child=serializers.FileField(), required=False, help_text="Uploaded recordings")
    title = serializers.CharField(required=False, allow_blank=True)
    series = serializers.CharField(required=False, allow_blank=True)


class SeriesViewSet(OwnedQuerysetMixin, viewsets.ModelViewSet):
    queryset = Series.objects.all()
    serializer_class = SeriesSerializer


class StreamViewSet(OwnedQuerysetMixin, viewsets.ModelViewSet):
    queryset = (
        Stream.objects.select_related("series")
        .annotate(clip_count=Count("clips"))
        .order_by("-recorded_at", "-created_at")
    )
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_serializer_class(self):
        return StreamDetailSerializer if self.action == "retrieve" else StreamSerializer

    @action(detail=False, methods=["post"], serializer_class=IngestRequestSerializer)
    def ingest(self, request):
        """Ingest uploaded recordings and/or server paths (under INGEST_ALLOWED_DIRS) as one stream, or the media
        under one ``s3://bucket/prefix`` (buckets in S3_INGEST_ALLOWED_BUCKETS for non-superusers).

        201 when every recording went in; 207 when some did and others failed (each in ``failed`` with
        its reason); 400 when none did.
        """
        if not hasattr(request.data, "get"):
            return Response({"errors": ["expected an object: {paths, files, title, series}"]}, status=400)
        data = {
            "paths": "\n".join(
                request.data.getlist("paths") if hasattr(request.data, "getlist") else request.data.get("paths", [])
            ),
            "title": request.data.get("title", ""),
            "series": request.data.get("series", ""),
        }
        form = IngestForm(data, {"files": request.FILES.getlist("files")}, user=request.user)
        if not form.is_valid():
            return Response({"errors": form.errors}, status=status.HTTP_400_BAD_REQUEST)
        try:
            report = form.ingest(request.user)
        except IngestError as error:
            return Response({"errors": error.problems}, status=status.HTTP_400_BAD_REQUEST)
        stream = self.get_queryset().get(pk=report.stream.pk)
        return Response(
            {
                "stream": StreamDetailSerializer(stream, context=self.get_serializer_context()).data,
                "pipeline_run": report.run.id,
                # "ingesting" while an S3 source's objects are fetched on the io queue, then finished.
                "pipeline_run_status": report.run.status,
                "status": "partly ingested" if report.partial else "ingested",
                "added": [clip.id for clip in report.added],
                "skipped": report.skipped,
                "failed": report.failed,
                "problems": report.problems,
                "notes": report.notes,
            },
            # 207: some recordings went in, others failed (listed in "failed"); 400 when none went in.
            status=status.HTTP_207_MULTI_STATUS if report.partial else status.HTTP_201_CREATED,
        )


class VideoClipViewSet(OwnedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = VideoClip.objects.select_related("stream")
    serializer_class = VideoClipSerializer
    owner_field = "stream__owner"

    def get_queryset(self):
        queryset = super().get_queryset()
        stream = self.request.query_params.get("stream")
        return queryset.filter(stream_id=stream) if stream and stream.isascii() and stream.isdigit() else queryset
