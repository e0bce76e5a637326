"""Uploaded report files live in the database (loader.storage.DatabaseStorage), not on the disk of
the web host that took the upload: a worker on another host, with its own empty MEDIA_ROOT, reads
and imports them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from loader.models import ReportImport, StoredFile
from loader.services import report_import_create, report_import_run
from loader.storage import DatabaseStorage

from .conftest import REPORT_003

pytestmark = pytest.mark.django_db


def test_the_storage_keeps_bytes_by_name():
    storage = DatabaseStorage()
    name = storage.save("imports/2024/05/issue.txt", ContentFile(b"\xe6\x9c\x88\xe6\x8a\xa5 one"))
    assert storage.exists(name)
    assert storage.size(name) == 10
    with storage.open(name) as fh:
        assert fh.read() == b"\xe6\x9c\x88\xe6\x8a\xa5 one"
    # The same name again gets another name, as Django's storages do; the first stays.
    second = storage.save("imports/2024/05/issue.txt", ContentFile(b"two"))
    assert second != name and storage.open(second).read() == b"two"
    assert storage.listdir("imports/2024") == (["05"], [])
    storage.delete(name)
    assert not storage.exists(name)
    with pytest.raises(FileNotFoundError):
        storage.open(name)
    with pytest.raises(NotImplementedError):
        storage.url(second)


def test_imports_use_the_database_storage_by_default():
    assert isinstance(storages["imports"], DatabaseStorage)
    assert isinstance(ReportImport._meta.get_field("file").storage, DatabaseStorage)


def test_an_upload_on_one_host_is_imported_by_a_worker_on_another(seeds_dir, settings, tmp_path):
    data = (seeds_dir / REPORT_003).read_bytes()
    settings.MEDIA_ROOT = str(tmp_path / "web-host")
    imp = report_import_create(file=ContentFile(data, name=REPORT_003))
    assert StoredFile.objects.get(name=imp.file.name).size == len(data)
    assert not any(Path(tmp_path).rglob("*.txt"))  # nothing written to the web host's disk

    settings.MEDIA_ROOT = str(tmp_path / "worker-host")  # another host: an empty media folder
    done = report_import_run(import_id=imp.pk)
    assert done.status in {ReportImport.Status.DONE, ReportImport.Status.ATTENTION}, done.log
    assert done.rows_total > 0
