"""Owner scoping for the REST API: a user only ever sees and links their own records."""

from rest_framework import serializers


class OwnedQuerysetMixin:
    """``owner_field`` is the lookup from the model to its owner (``owner`` or e.g. ``stream__owner``)."""

    owner_field = "owner"

    def get_queryset(self):
        return super().get_queryset().filter(**{self.owner_field: self.request.user})

    def perform_create(self, serializer):
        if self.owner_field == "owner":
            serializer.save(owner=self.request.user)
        else:
            serializer.save()


class OwnedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key that accepts only the requesting user's records (others read as "does not exist")."""

    def __init__(self, *args, owner_field: str = "owner", **kwargs):
        self.owner_field = owner_field
        super().__init__(*args, **kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None or not request.user.is_authenticated:
            return queryset.none()
        return queryset.filter(**{self.owner_field: request.user})
