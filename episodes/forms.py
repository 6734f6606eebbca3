"""The episode admin form: a cut list may name only its owner's media; deep JSON is a form error."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput

from episodes.cutlist import CutListError
from episodes.models import Episode
from episodes.services import cut_list_validate


class BoundedJSONField(forms.JSONField):
    """Django's JSON form field; ``json`` raises RecursionError on deep nesting, which it let through (500)."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except RecursionError:
            raise ValidationError("The JSON is nested too deeply.", code="invalid") from None

    def bound_data(self, data, initial):
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return InvalidJSONInput(data)


class EpisodeAdminForm(forms.ModelForm):
    """``request_user`` (set by the admin) owns a new episode when the form has no owner field."""

    request_user = None

    class Meta:
        model = Episode
        fields = ["owner", "cut_list"]  # the admin passes its own list
        field_classes = {"cut_list": BoundedJSONField, "tracks": BoundedJSONField}

    def clean(self):
        cleaned = super().clean()
        document = cleaned.get("cut_list")
        if document in (None, {}) or "cut_list" in self.errors:
            return cleaned
        owner = cleaned.get("owner") or (self.instance.owner if self.instance.owner_id else self.request_user)
        try:
            cut_list_validate(document=document, owner=owner)
        except CutListError as error:
            self.add_error("cut_list", error.problems)
        return cleaned
