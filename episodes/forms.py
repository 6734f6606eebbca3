"""The episode admin form: a cut list may name only its owner's media."""

from __future__ import annotations

from django import forms

from episodes.cutlist import CutListError
from episodes.models import Episode
from episodes.services import cut_list_validate


class EpisodeAdminForm(forms.ModelForm):
    """``request_user`` (set by the admin) owns a new episode when the form has no owner field."""

    request_user = None

    class Meta:
        model = Episode
        fields = ["owner", "cut_list"]  # the admin passes its own list

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
