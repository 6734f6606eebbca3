import tempfile
from contextlib import contextmanager
from pathlib import Path

from django import forms
from django.conf import settings
from django.utils.text import get_valid_filename

from streams.s3_ingest import s3_bucket_allowed, stream_ingest_s3
from streams.s3_source import is_s3_url
from streams.services import IngestReport, stream_ingest


def path_allowed(user, path: str) -> bool:
    """Server paths are open to superusers; others only under INGEST_ALLOWED_DIRS."""
    if user.is_superuser:
        return True
    resolved = Path(path).expanduser().resolve()
    return any(resolved.is_relative_to(Path(root).resolve()) for root in settings.INGEST_ALLOWED_DIRS)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("allow_empty_file", True)  # probing names the empty file, which Django's message doesn't
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class IngestForm(forms.Form):
    files = MultipleFileField(required=False, help_text="Recordings to upload.")
    paths = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Or files/folders on the server, one per line; or one S3 prefix: s3://bucket/prefix.",
    )
    title = forms.CharField(required=False, help_text="Stream title; an existing stream of yours gets the clips added.")
    series = forms.CharField(required=False, help_text="Series name (created if new).")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_paths(self):
        paths = [line.strip() for line in self.cleaned_data["paths"].splitlines() if line.strip()]
        remote = [p for p in paths if is_s3_url(p)]
        if remote:
            if len(paths) > 1:
                raise forms.ValidationError("An s3:// source is ingested alone: one s3://bucket/prefix, nothing else.")
            if not s3_bucket_allowed(self.user, remote[0]):
                raise forms.ValidationError(
                    f"Not allowed to read {remote[0]}: its bucket is not in S3_INGEST_ALLOWED_BUCKETS."
                )
            return paths
        refused = [p for p in paths if not path_allowed(self.user, p)]
        if refused:
            raise forms.ValidationError(f"Not allowed to read: {', '.join(refused)} (see INGEST_ALLOWED_DIRS)")
        return paths

    def clean(self):
        data = super().clean()
        if not data.get("files") and not data.get("paths"):
            raise forms.ValidationError("Upload recordings or give a path on the server.")
        if data.get("files") and self.s3_source:
            raise forms.ValidationError("An s3:// source is ingested alone: upload recordings in another ingest.")
        return data

    @property
    def s3_source(self) -> str | None:
        paths = self.cleaned_data.get("paths") or []
        return paths[0] if len(paths) == 1 and is_s3_url(paths[0]) else None

    def ingest(self, owner) -> IngestReport:
        """Run the ingest service on what the form holds (raises ``IngestError`` when nothing went in).

        Server paths were checked by name in ``clean_paths``; the service checks every file they lead
        to (a link inside an allowed folder may point anywhere). Superusers may read any path. An S3
        prefix (its bucket checked in ``clean_paths``) is probed now and fetched on the ``io`` queue.
        """
        if self.s3_source:
            return stream_ingest_s3(
                owner=owner,
                url=self.s3_source,
                title=self.cleaned_data["title"] or None,
                series_name=self.cleaned_data["series"] or None,
            )
        with self._uploaded_files() as (upload_dir, uploaded):
            allowed = None if owner.is_superuser else [*settings.INGEST_ALLOWED_DIRS, upload_dir]
            return stream_ingest(
                owner=owner,
                paths=[*uploaded, *self.cleaned_data["paths"]],
                title=self.cleaned_data["title"] or None,
                series_name=self.cleaned_data["series"] or None,
                allowed_dirs=allowed,
            )

    @contextmanager
    def _uploaded_files(self):
        """Uploaded files land in a temp folder for the length of the ingest (ingest copies them in)."""
        with tempfile.TemporaryDirectory(prefix="studio-upload-") as tmp:
            uploaded = []
            for index, upload in enumerate(self.cleaned_data["files"]):
                target = upload_target(Path(tmp), index, upload.name)
                with open(target, "wb") as sink:
                    for chunk in upload.chunks():
                        sink.write(chunk)
                uploaded.append(target)
            yield Path(tmp), uploaded


def upload_target(folder: Path, index: int, name: str) -> Path:
    """A folder of its own per upload: two uploads with one name (or names that clean to one) both survive."""
    target = folder / str(index) / get_valid_filename(name)
    target.parent.mkdir()
    return target
