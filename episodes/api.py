from rest_framework import serializers, viewsets

from config.ownership import OwnedPrimaryKeyRelatedField, OwnedQuerysetMixin
from episodes.cutlist import CutListError
from episodes.models import Episode, Project
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
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["rendered_file", "youtube_video_id", "created_at", "updated_at"]

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


class EpisodeViewSet(OwnedQuerysetMixin, viewsets.ModelViewSet):
    queryset = Episode.objects.select_related("stream", "project")
    serializer_class = EpisodeSerializer
