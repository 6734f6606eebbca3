from rest_framework import serializers, viewsets

from config.ownership import OwnedQuerysetMixin
from pipeline.models import PipelineRun, StepRun


class StepRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = StepRun
        fields = [
            "id",
            "name",
            "clip",
            "label",
            "position",
            "status",
            "progress",
            "error",
            "attempts",
            "started_at",
            "finished_at",
        ]


class PipelineRunSerializer(serializers.ModelSerializer):
    steps = StepRunSerializer(many=True, read_only=True)

    class Meta:
        model = PipelineRun
        fields = [
            "id",
            "kind",
            "stream",
            "episode",
            "status",
            "progress",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "updated_at",
            "steps",
        ]


class PipelineRunViewSet(OwnedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = PipelineRun.objects.prefetch_related("steps")
    serializer_class = PipelineRunSerializer
