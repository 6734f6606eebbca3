"""The one place that knows where media lives: local paths for ffmpeg, outputs saved back to storage."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage


def _local_root(storage) -> Path | None:
    return Path(storage.location) if isinstance(storage, FileSystemStorage) else None


@contextmanager
def local_path(field_file) -> Iterator[Path]:
    """A local path for a stored file; remote files are copied to a temp dir for the duration."""
    storage = field_file.storage
    if _local_root(storage) is not None:
        yield Path(storage.path(field_file.name))
        return
    with tempfile.TemporaryDirectory(prefix="studio-") as tmp:
        target = Path(tmp) / Path(field_file.name).name
        with storage.open(field_file.name, "rb") as source, open(target, "wb") as sink:
            shutil.copyfileobj(source, sink, length=8 * 1024 * 1024)
        yield target


def save_output(path: Path | str, key: str, *, storage=default_storage) -> str:
    """Store ``path`` under ``key``, replacing what was there (re-runs replace, never duplicate).

    On local storage a hard link is tried first, so ingesting hours of video costs no copy when the
    recordings sit on the same filesystem as the media root.
    """
    path = Path(path)
    if storage.exists(key):
        storage.delete(key)
    root = _local_root(storage)
    if root is not None:
        target = Path(storage.path(key))
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target)
        except OSError:
            shutil.copy2(path, target)
        return key
    with open(path, "rb") as handle:
        return storage.save(key, File(handle, name=path.name))
