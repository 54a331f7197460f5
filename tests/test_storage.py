"""Uploads live in Django's storage, never on a machine's own disk.

Several web and worker machines share nothing but the database, Redis and the
media storage (docs/scaling.md): a file written to one machine's folder is
missing on the next. So no code writes a file outside the storage API, and
with another storage configured (here an in-memory one standing in for S3)
an upload and its download both go through it.
"""

import re
import sys
import types
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import InMemoryStorage
from django.urls import reverse

from sukma.settings import env
from tests.conftest import PUBLIC_HOST, host_client
from tests.factories import agreement_values, pdf_file

SOURCE = Path(__file__).resolve().parent.parent / "sukma"
# Writes to a path an operator names on the command line (a regency's export archive):
# the operator's own file, never media another machine must read.
OPERATOR_FILES = {"platform/services/transfer.py"}
LOCAL_DISK = re.compile(
    r"settings\.MEDIA_ROOT|FileSystemStorage|\.write_bytes\(|\.write_text\("
    r"|\bopen\([^)]*,\s*[\"'][^\"']*[wax+]"
    r"|ZipFile\([^)]*[\"'][wax]"
)


class RecordingStorage(InMemoryStorage):
    """A second storage, as S3 would be: it remembers what went through it."""

    saved: list[str] = []
    opened: list[str] = []

    def _save(self, name, content):
        name = super()._save(name, content)
        RecordingStorage.saved.append(name)
        return name

    def _open(self, name, mode="rb"):
        RecordingStorage.opened.append(name)
        return super()._open(name, mode)


def python_sources():
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE).as_posix()
        if relative.startswith("settings/") or "/migrations/" in relative:
            continue
        yield relative, path.read_text(encoding="utf-8")


def test_no_code_writes_a_file_outside_the_storage_api():
    found = [
        f"{name}: {match.group(0)}"
        for name, text in python_sources()
        if name not in OPERATOR_FILES
        for match in LOCAL_DISK.finditer(text)
    ]
    assert found == []
    sources = dict(python_sources())
    assert all(LOCAL_DISK.search(sources[name]) for name in OPERATOR_FILES), "stale exception"


def test_the_check_above_finds_a_local_write():
    texts = [
        'open(settings.MEDIA_ROOT / "x.pdf", "wb")',
        "Path(name).write_bytes(data)",
        'with open(path, "w") as f:',
        "storage = FileSystemStorage()",
    ]
    assert all(LOCAL_DISK.search(text) for text in texts)
    assert not LOCAL_DISK.search('with open(TEMPLATE, newline="", encoding="utf-8") as h:')
    assert not LOCAL_DISK.search('agreement.document.open("rb")')


@pytest.fixture
def second_storage(settings):
    RecordingStorage.saved, RecordingStorage.opened = [], []
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.test_storage.RecordingStorage"},
    }
    return RecordingStorage


def test_an_agreement_pdf_goes_up_and_down_through_the_configured_storage(
    personas, db, second_storage
):
    client = host_client(PUBLIC_HOST, personas.province_admin, HTTP_ACCEPT_LANGUAGE="en")
    values = agreement_values(region_code="35.05", regency_name="Blitar", number="120/9/35/2026")
    upload = pdf_file("mou-blitar.pdf", size=64)
    body = upload.read()
    upload.seek(0)
    created = client.post(
        reverse("agreement_create", urlconf="sukma.urls.public"),
        {**{k: str(v) for k, v in values.items()}, "document": upload},
    )
    assert created.status_code == 302
    assert len(second_storage.saved) == 1
    stored = second_storage.saved[0]
    assert not (Path(settings.MEDIA_ROOT) / stored).exists()

    from sukma.platform.models import ReplicationAgreement

    agreement = ReplicationAgreement.objects.get(number="120/9/35/2026")
    assert agreement.document.name == stored
    download = client.get(
        reverse("agreement_document", urlconf="sukma.urls.public", args=[agreement.pk])
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == body
    assert second_storage.opened == [stored]


def test_shared_storage_is_chosen_by_the_environment(monkeypatch):
    for name in ("MEDIA_STORAGE", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    assert env.media_storage()["BACKEND"] == "django.core.files.storage.FileSystemStorage"

    monkeypatch.setenv("MEDIA_STORAGE", "s3")
    with pytest.raises(env.EnvError, match="S3_BUCKET"):
        env.media_storage()
    monkeypatch.setenv("S3_BUCKET", "sukma-media")
    monkeypatch.setenv("S3_ENDPOINT_URL", "https://s3.jatimprov.go.id")
    # Without the s3 extra (boto3, django-storages) start-up says what to install.
    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(env.EnvError, match=r"sukma\[s3\]"):
        env.media_storage()
    for name in ("boto3", "storages"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    s3 = env.media_storage()
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3["OPTIONS"]["bucket_name"] == "sukma-media"
    assert s3["OPTIONS"]["endpoint_url"] == "https://s3.jatimprov.go.id"
    assert s3["OPTIONS"]["default_acl"] is None
    assert s3["OPTIONS"]["querystring_auth"] is True
    assert s3["OPTIONS"]["file_overwrite"] is False

    monkeypatch.setenv("MEDIA_STORAGE", "ftp")
    with pytest.raises(env.EnvError, match="MEDIA_STORAGE"):
        env.media_storage()
