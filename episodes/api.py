from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from config.ownership import OwnedPrimaryKeyRelatedField, OwnedQuerysetMixin
from episodes.cutlist import CutListError
from episodes.models import Episode, Highlight, Project
from episodes.proposals import services as proposals
from episodes.proposals.marks import highlight_mark, highlight_update
from episodes.proposals.services import ProposalError
from episodes.services import cut_list_validate
from streams.models import Series, Stream


class ProjectSerializer(serializers.ModelSerializer):
    series = OwnedPrimaryKeyRelatedField(queryset=Series.objects.all(), required=False, allow_null=True)
    streams = OwnedPrimaryKeyRelatedField(queryset=Stream.objects.all(), many=True, required=False)

    class Meta:
        model = Project
        fields = ["id", "title", "description", "series", "streams", "created_at", "updated_at"]


class EpisodeSerializer(serializers.ModelSerializer):
    stream = OwnedPrimaryKeyRelatedField(queryset=Stream.objects.all())
    project = OwnedPrimaryKeyRelatedField(queryset=Project.objects.all(), required=False, allow_null=True)
    duration = serializers.FloatField(read_only=True)

    class Meta:
        model = Episode
        fields = [
            "id",
            "stream",
            "project",
            "order",
            "title",
            "description",
            "tracks",
            "duration",
            "cut_list",
            "status",
            "rendered_file",
            "youtube_video_id",
            "chapters",
            "edited_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["rendered_file", "youtube_video_id", "chapters", "edited_at", "created_at", "updated_at"]

    def validate_cut_list(self, value):
        """Schema, caps, and only the owner's media (problems named by JSON pointer)."""
        if value in (None, {}):
            return value or {}
        owner = self.instance.owner if self.instance else self.context["request"].user
        try:
            cut_list_validate(document=value, owner=owner)
        except CutListError as error:
            raise serializers.ValidationError(error.problems) from None
        return value


class ProjectViewSet(OwnedQuerysetMixin, viewsets.ModelViewSet):
    queryset = Project.objects.select_related("series").prefetch_related("streams")
    serializer_class = ProjectSerializer


class AcceptSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, help_text="A new title, if any.")


class RenameSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)


class TrimSerializer(serializers.Serializer):
    start = serializers.FloatField(help_text="New in point, seconds on the stream timeline.")
    end = serializers.FloatField(help_text="New out point, seconds on the stream timeline.")


class SplitSerializer(serializers.Serializer):
    at = serializers.FloatField(help_text="Split point, seconds on the stream timeline.")


class MergeSerializer(serializers.Serializer):
    other = serializers.IntegerField(help_text="The episode to merge into this one (same stream); it is deleted.")


def _int_param(request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    if not (value.isascii() and value.isdigit()):
        raise serializers.ValidationError({name: "must be an id"})
    return int(value)


class EpisodeViewSet(OwnedQuerysetMixin, viewsets.ModelViewSet):
    """Episodes, filtered by ``?stream=<id>`` and ``?status=proposed``; proposals are triaged with the actions
    (each answers the episode, or 400 with ``detail`` saying why not)."""

    queryset = Episode.objects.select_related("stream", "project")
    serializer_class = EpisodeSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        stream = _int_param(self.request, "stream")
        if stream is not None:
            queryset = queryset.filter(stream_id=stream)
        wanted = self.request.query_params.get("status")
        if wanted:
            if wanted not in Episode.Status.values:
                raise serializers.ValidationError({"status": f"choose from {', '.join(Episode.Status.values)}"})
            queryset = queryset.filter(status=wanted)
        return queryset

    def _act(self, request, serializer_class, work):
        episode = self.get_object()
        arguments = {}
        if serializer_class is not None:
            given = serializer_class(data=request.data)
            given.is_valid(raise_exception=True)
            arguments = given.validated_data
        try:
            result = work(episode, **arguments)
        except ProposalError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        if isinstance(result, tuple):
            return Response([self.get_serializer(item).data for item in result])
        return Response(self.get_serializer(result).data)

    @extend_schema(request=AcceptSerializer, responses=EpisodeSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """A proposal becomes a draft episode with its cut list."""
        return self._act(request, AcceptSerializer, lambda e, **a: proposals.episode_accept(episode=e, **a))

    @extend_schema(request=None, responses=EpisodeSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Rejected proposals stay, so a re-run of proposals does not bring them back."""
        return self._act(request, None, lambda e: proposals.episode_reject(episode=e))

    @extend_schema(request=None, responses=EpisodeSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Undo an accept (a draft) or a reject: a proposal again."""
        return self._act(request, None, lambda e: proposals.episode_reopen(episode=e))

    @extend_schema(request=RenameSerializer, responses=EpisodeSerializer)
    @action(detail=True, methods=["post"])
    def rename(self, request, pk=None):
        return self._act(request, RenameSerializer, lambda e, **a: proposals.episode_rename(episode=e, **a))

    @extend_schema(request=TrimSerializer, responses=EpisodeSerializer)
    @action(detail=True, methods=["post"])
    def trim(self, request, pk=None):
        """New in and out points on the stream timeline; the cut list follows for a draft."""
        return self._act(request, TrimSerializer, lambda e, **a: proposals.episode_trim(episode=e, **a))

    @extend_schema(request=SplitSerializer, responses=EpisodeSerializer(many=True))
    @action(detail=True, methods=["post"])
    def split(self, request, pk=None):
        """Two episodes: this one up to ``at``, a new one after it. Answers both."""
        return self._act(request, SplitSerializer, lambda e, **a: proposals.episode_split(episode=e, **a))

    @extend_schema(request=MergeSerializer, responses=EpisodeSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        """``other`` (an episode of the same stream) joins this one and is deleted."""

        def merge(episode, other):
            found = Episode.objects.filter(id=other, owner=request.user).first()
            if found is None:
                raise ProposalError(f"no episode {other}")
            return proposals.episode_merge(episode=episode, other=found)

        return self._act(request, MergeSerializer, merge)


class HighlightSerializer(serializers.ModelSerializer):
    class Meta:
        model = Highlight
        fields = [
            "id",
            "stream",
            "start",
            "end",
            "peak",
            "score",
            "parts",
            "reason",
            "title",
            "source",
            "status",
            "marked_by",
            "edited_at",
            "created_at",
        ]
        read_only_fields = [f for f in fields if f not in ("start", "end", "title", "status")]


class HighlightMarkSerializer(serializers.Serializer):
    at = serializers.FloatField(required=False, help_text="The moment, seconds on the stream timeline.")
    start = serializers.FloatField(required=False)
    end = serializers.FloatField(required=False)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class HighlightViewSet(
    OwnedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Highlights, filtered by ``?stream=<id>``, ``?status=`` and ``?source=``, best first. PATCH title,
    status (proposed, accepted, rejected), start or end; an edited highlight is kept by re-runs."""

    queryset = Highlight.objects.select_related("stream").order_by("-score", "start")
    serializer_class = HighlightSerializer
    owner_field = "stream__owner"
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_queryset(self):
        queryset = super().get_queryset()
        stream = _int_param(self.request, "stream")
        if stream is not None:
            queryset = queryset.filter(stream_id=stream)
        for name, choices in (("status", Highlight.Status.values), ("source", Highlight.Source.values)):
            wanted = self.request.query_params.get(name)
            if wanted:
                if wanted not in choices:
                    raise serializers.ValidationError({name: f"choose from {', '.join(choices)}"})
                queryset = queryset.filter(**{name: wanted})
        return queryset

    def perform_update(self, serializer):
        try:
            highlight_update(highlight=serializer.instance, **serializer.validated_data)
        except ProposalError as error:
            raise serializers.ValidationError({"detail": str(error)}) from None


class StreamHighlightsView(APIView):
    """``GET``: the stream's highlights, best first (all of them, unpaginated). ``POST {at}`` or
    ``{start, end}`` (seconds on the stream timeline, optional ``title``): mark a highlight by hand."""

    serializer_class = HighlightSerializer

    def _stream(self, request, stream_id: int) -> Stream:
        return get_object_or_404(Stream, id=stream_id, owner=request.user)

    @extend_schema(responses=HighlightSerializer(many=True))
    def get(self, request, stream_id: int):
        highlights = Highlight.objects.filter(stream=self._stream(request, stream_id)).order_by("-score", "start")
        return Response(HighlightSerializer(highlights, many=True).data)

    @extend_schema(request=HighlightMarkSerializer, responses={201: HighlightSerializer})
    def post(self, request, stream_id: int):
        stream = self._stream(request, stream_id)
        given = HighlightMarkSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            highlight = highlight_mark(stream=stream, marked_by=request.user.get_username(), **given.validated_data)
        except ProposalError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(HighlightSerializer(highlight).data, status=status.HTTP_201_CREATED)
