"""REST API for chat: Twitch link, EventSub subscriptions, messages and a stream's chat activity."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.shortcuts import get_object_or_404
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from chat import services
from chat.models import ChatMessage, EventSubSubscription, TwitchLink
from chat.selectors import stream_chat_activity
from chat.webhook import PATH
from config.ownership import OwnedQuerysetMixin
from streams.models import Stream


def _error(error: services.ChatError) -> Response:
    code = status.HTTP_502_BAD_GATEWAY if isinstance(error, services.TwitchUnavailable) else status.HTTP_400_BAD_REQUEST
    return Response({"detail": str(error)}, status=code)


def callback_url(request) -> str:
    """Where Twitch should call: the configured public URL, else the one this request came in on."""
    return settings.TWITCH_EVENTSUB_CALLBACK_URL or request.build_absolute_uri(PATH)


class TwitchLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = TwitchLink
        fields = ["id", "login", "twitch_user_id", "display_name", "created_at"]
        read_only_fields = ["twitch_user_id", "display_name", "created_at"]


class TwitchLinkViewSet(
    OwnedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your Twitch account (one). POST {"login": "..."} links it, looked up on Twitch."""

    queryset = TwitchLink.objects.all()
    serializer_class = TwitchLinkSerializer

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            link = services.twitch_link_create(owner=request.user, login=serializer.validated_data["login"])
        except services.ChatError as error:
            return _error(error)
        return Response(self.get_serializer(link).data, status=status.HTTP_201_CREATED)


class EventSubSubscriptionSerializer(serializers.ModelSerializer):
    twitch_login = serializers.CharField(source="link.login", read_only=True)

    class Meta:
        model = EventSubSubscription
        fields = [
            "id",
            "twitch_id",
            "twitch_login",
            "type",
            "version",
            "condition",
            "callback_url",
            "status",
            "twitch_status",
            "revoked_reason",
            "revoked_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EventSubSubscriptionViewSet(
    OwnedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """``channel.chat.message`` subscriptions at Twitch: status enabled, pending or revoked (with the reason)."""

    queryset = EventSubSubscription.objects.select_related("link")
    serializer_class = EventSubSubscriptionSerializer

    def create(self, request):
        try:
            subscription = services.subscription_create(owner=request.user, callback_url=callback_url(request))
        except services.ChatError as error:
            return _error(error)
        return Response(self.get_serializer(subscription).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        try:
            services.subscription_delete(subscription=self.get_object())
        except services.ChatError as error:
            return _error(error)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=False, methods=["post"])
    def sync(self, request):
        """Refresh every status from Twitch."""
        try:
            subscriptions = services.subscriptions_sync(owner=request.user)
        except services.ChatError as error:
            return _error(error)
        return Response(self.get_serializer(subscriptions, many=True).data)


class ChatMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChatMessage
        fields = [
            "id",
            "stream",
            "twitch_message_id",
            "broadcaster_user_id",
            "broadcaster_login",
            "chatter_user_id",
            "chatter_login",
            "chatter_display_name",
            "text",
            "sent_at",
            "received_at",
            "source",
        ]
        read_only_fields = fields


class ActivityQuery(serializers.Serializer):
    stream = serializers.IntegerField()
    window = serializers.FloatField(default=10.0, min_value=1.0, max_value=3600.0)


class ChatMessageViewSet(OwnedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Chat messages, oldest first. ``?stream=ID``, ``?search=`` (chatter or text), ``?chatter=LOGIN``."""

    queryset = ChatMessage.objects.all()
    serializer_class = ChatMessageSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        params = self.request.query_params
        if params.get("stream"):
            if not (params["stream"].isascii() and params["stream"].isdigit()):
                raise ValidationError({"stream": "must be a stream id"})
            queryset = queryset.filter(stream_id=int(params["stream"]))
        if params.get("chatter"):
            queryset = queryset.filter(chatter_login__iexact=params["chatter"])
        if params.get("search"):
            term = params["search"]
            queryset = queryset.filter(
                Q(text__icontains=term) | Q(chatter_login__icontains=term) | Q(chatter_display_name__icontains=term)
            )
        return queryset

    @action(detail=False)
    def activity(self, request):
        """Messages and distinct chatters per window (default 10 s) over a stream's timeline."""
        query = ActivityQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        stream = get_object_or_404(Stream, pk=query.validated_data["stream"], owner=request.user)
        window = query.validated_data["window"]
        series = stream_chat_activity(stream, window=window)
        return Response(
            {
                "stream": stream.pk,
                "window": window,
                "series": [
                    {"start": item.start, "messages": item.messages, "chatters": item.chatters} for item in series
                ],
            }
        )
