from rest_framework import serializers

from widgets import state as machines
from widgets.models import StreamWidget


class StreamWidgetSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="owner_id", read_only=True)
    state = serializers.SerializerMethodField()

    class Meta:
        model = StreamWidget
        fields = ("id", "user", "title", "type", "active", "config", "state", "access_token", "created_at",
                  "updated_at")
        read_only_fields = ("access_token", "created_at", "updated_at")

    def get_state(self, widget: StreamWidget) -> dict:
        return machines.public_state(widget.type, widget.config, widget.state)

    def validate(self, attrs: dict) -> dict:
        widget_type = attrs.get("type", getattr(self.instance, "type", None))
        if self.instance is not None and widget_type != self.instance.type:
            raise serializers.ValidationError({"type": "A widget's type cannot change; create a new widget."})
        if "config" in attrs or self.instance is None:
            try:
                attrs["config"] = machines.validate_config(widget_type, attrs.get("config") or {})
            except machines.WidgetStateError as error:
                raise serializers.ValidationError({"config": str(error)}) from None
        return attrs


class WidgetActionSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=50)
    payload = serializers.DictField(required=False, default=dict)
