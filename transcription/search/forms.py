"""One check of a search request's parameters, shared by the API, the search page and ``manage.py search``.

The parameter names are the URL's: ``q``, ``series``, ``stream``, ``from``, ``to``, ``limit``, ``mode``. A
series or stream must be the searcher's own: another user's id is an error, not an empty result, so the
page never hints at what exists elsewhere yet a mistyped id is not silently ignored.
"""

from __future__ import annotations

from django import forms

from streams.models import Series, Stream
from transcription.search.fusion import MAX_QUERY_CHARS, QueryError, validate_query
from transcription.search.queries import FIRST_DATE, LAST_DATE, MAX_LIMIT, MODES


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=None, strip=False)
    series = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    stream = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    limit = forms.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT)
    mode = forms.ChoiceField(required=False, choices=[(mode, mode) for mode in MODES])

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner
        # ``from`` is a Python keyword, hence not a class attribute.
        self.fields["from"] = forms.DateField(required=False, input_formats=["%Y-%m-%d"], label="From")
        self.fields["to"] = forms.DateField(required=False, input_formats=["%Y-%m-%d"], label="To")
        self.fields["q"].widget.attrs.update({"maxlength": MAX_QUERY_CHARS, "autofocus": True})

    def clean_q(self) -> str:
        try:
            return validate_query(self.cleaned_data.get("q"))
        except QueryError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_series(self) -> int | None:
        series = self.cleaned_data.get("series")
        if series is not None and not Series.objects.filter(id=series, owner=self.owner).exists():
            raise forms.ValidationError(f"You have no series {series}.")
        return series

    def clean_stream(self) -> int | None:
        stream = self.cleaned_data.get("stream")
        if stream is not None and not Stream.objects.filter(id=stream, owner=self.owner).exists():
            raise forms.ValidationError(f"You have no stream {stream}.")
        return stream

    def clean(self) -> dict:
        cleaned = super().clean()
        for name in ("from", "to"):
            day = cleaned.get(name)
            if day and not FIRST_DATE <= day <= LAST_DATE:
                self.add_error(name, f"Dates must be between {FIRST_DATE} and {LAST_DATE}.")
        if cleaned.get("from") and cleaned.get("to") and cleaned["from"] > cleaned["to"]:
            self.add_error("to", "The end date is before the start date.")
        return cleaned

    def search_arguments(self) -> dict:
        """The keyword arguments of :func:`transcription.search.queries.search` (after ``is_valid()``)."""
        data = self.cleaned_data
        return {
            "query": data["q"],
            "series": data.get("series"),
            "stream": data.get("stream"),
            "date_from": data.get("from"),
            "date_to": data.get("to"),
            "limit": data.get("limit") or 20,
            "mode": data.get("mode") or "hybrid",
        }

    def error_text(self) -> str:
        """Every error on one line, each named by its parameter."""
        return "; ".join(f"{field}: {' '.join(errors)}" for field, errors in self.errors.items())
