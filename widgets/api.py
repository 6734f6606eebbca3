"""REST API for widgets: owner-scoped CRUD plus live actions and token rotation, all through the services."""

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from widgets import services
from widgets.serializers import StreamWidgetSerializer, WidgetActionSerializer
from widgets.state import WidgetStateError


class StreamWidgetViewSet(viewsets.ModelViewSet):
    serializer_class = StreamWidgetSerializer

    def get_queryset(self):
        return self.request.user.widgets.all()

    def perform_create(self, serializer: StreamWidgetSerializer) -> None:
        serializer.instance = services.widget_create(owner=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: StreamWidgetSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = services.widget_update(
            widget_id=serializer.instance.id, user=self.request.user,
            title=data.get("title"), active=data.get("active"), config=data.get("config"),
        )

    def perform_destroy(self, instance) -> None:
        services.widget_delete(widget_id=instance.id, user=self.request.user)

    @extend_schema(request=WidgetActionSerializer, responses=StreamWidgetSerializer)
    @action(detail=True, methods=["post"], url_path="action")
    def apply_action(self, request: Request, pk: str) -> Response:
        """Run a live action (countdown: start, pause, resume, reset, set_duration; text: show, hide, ...)."""
        widget = self.get_object()
        serializer = WidgetActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            widget = services.widget_apply_action(widget_id=widget.id, user=request.user, **serializer.validated_data)
        except WidgetStateError as error:
            return Response({"error": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(StreamWidgetSerializer(widget).data)

    @extend_schema(request=None, responses=StreamWidgetSerializer)
    @action(detail=True, methods=["post"])
    def rotate_token(self, request: Request, pk: str) -> Response:
        """A new access token; OBS pages open with the old one are disconnected."""
        widget = self.get_object()
        services.widget_rotate_token(widget_id=widget.id, user=request.user)
        widget.refresh_from_db()
        return Response(StreamWidgetSerializer(widget).data)
