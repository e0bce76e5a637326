"""Uploaded report files kept in the database, so the worker that imports one (on any host) reads
what the web host received: no shared disk, no extra service. The embedded default of
STORAGES["imports"]; an object store (django-storages' S3Storage) takes its place in production
when configured (docs/cluster.md). The files are never served: there is no URL."""

from __future__ import annotations

from typing import IO, Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible


def _model() -> Any:
    # Imported when used: this storage is built while loader.models is being defined.
    from loader.models import StoredFile

    return StoredFile


@deconstructible(path="loader.storage.DatabaseStorage")
class DatabaseStorage(Storage):
    """Files as rows of loader.StoredFile (name → bytes). Writes go to the primary database, as
    every write does (catalogue.db_routing); a task reads outside any request, so also there."""

    def _open(self, name: str, mode: str = "rb") -> File:
        if "w" in mode or "a" in mode:
            raise ValueError("stored import files are written with save(), not opened for writing")
        row = _model().objects.filter(name=name).only("content").first()
        if row is None:
            raise FileNotFoundError(f"no stored file named {name!r}")
        return ContentFile(bytes(row.content), name=name)

    def _save(self, name: str, content: IO[bytes]) -> str:
        if hasattr(content, "seek"):
            content.seek(0)
        data = content.read()
        if isinstance(data, str):
            data = data.encode()
        _model().objects.create(name=name, content=data, size=len(data))
        return name

    def exists(self, name: str) -> bool:
        return _model().objects.filter(name=name).exists()

    def delete(self, name: str) -> None:
        _model().objects.filter(name=name).delete()

    def size(self, name: str) -> int:
        row = _model().objects.filter(name=name).only("size").first()
        if row is None:
            raise FileNotFoundError(f"no stored file named {name!r}")
        return row.size

    def url(self, name: str | None) -> str:
        raise NotImplementedError("uploaded report files are not served")

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        prefix = path.rstrip("/") + "/" if path else ""
        names = _model().objects.filter(name__startswith=prefix).values_list("name", flat=True)
        dirs, files = set(), []
        for name in names:
            rest = name[len(prefix) :]
            if "/" in rest:
                dirs.add(rest.split("/", 1)[0])
            else:
                files.append(rest)
        return sorted(dirs), sorted(files)
