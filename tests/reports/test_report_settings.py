"""The regency's report settings: coat of arms (checked), signatory, foreword; page and audit."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import translation
from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo

from sukma.access.models import AuditEvent
from sukma.surveys.reports import services
from sukma.surveys.reports.emblem import MAX_BYTES
from sukma.surveys.reports.models import ReportSettings
from tests.conftest import TULUNGAGUNG_HOST, host_client


def png_bytes(size=(120, 140), mode="RGBA", info=None) -> bytes:
    image = Image.new(mode, size, (255, 255, 255, 0) if mode == "RGBA" else "white")
    ImageDraw.Draw(image).ellipse([4, 4, size[0] - 4, size[1] - 4], fill="#0b5fa5")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def jpeg_bytes(size=(160, 160)) -> bytes:
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).rectangle([10, 10, size[0] - 10, size[1] - 10], fill="#b42318")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def png_with_text(text: str) -> bytes:
    info = PngInfo()
    info.add_text("Comment", text)
    return png_bytes(info=info)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width=40_000, height=40_000) -> bytes:
    """A valid PNG header claiming 1.6 billion pixels, with almost no data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\x00" * 1000)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", body)
        + _chunk(b"IEND", b"")
    )


def refusal(data: bytes) -> str:
    with translation.override("id"), pytest.raises(ValidationError) as caught:
        services.report_coat_of_arms_set(acting_user=ADMIN[0], data=data)
    return " ".join(caught.value.message_dict["coat_of_arms"])


ADMIN = []


@pytest.fixture
def admin(personas, in_tulungagung):
    ADMIN[:] = [personas.tulungagung_admin]
    yield personas.tulungagung_admin
    ADMIN.clear()


# ---------------------------------------------------------------- the coat of arms
def test_a_png_is_kept_as_a_clean_png_under_the_regencys_own_folder(admin, personas):
    services.report_coat_of_arms_set(acting_user=admin, data=png_bytes())
    settings = ReportSettings.current()
    name = settings.coat_of_arms.name
    assert name.startswith(f"report-settings/{personas.tulungagung.schema_name}/")
    with settings.coat_of_arms.open("rb") as handle, Image.open(handle) as image:
        assert image.format == "PNG" and image.size == (120, 140)
    event = AuditEvent.objects.get(action="report_settings.coat_of_arms")
    assert event.after["coat_of_arms"] == name
    default_storage.delete(name)


def test_a_jpeg_is_accepted_and_replacing_it_removes_the_old_file(
    admin, django_capture_on_commit_callbacks
):
    services.report_coat_of_arms_set(acting_user=admin, data=jpeg_bytes())
    first = ReportSettings.current().coat_of_arms.name
    with django_capture_on_commit_callbacks(execute=True):
        services.report_coat_of_arms_set(acting_user=admin, data=png_bytes())
    second = ReportSettings.current().coat_of_arms.name
    assert first != second
    assert not default_storage.exists(first) and default_storage.exists(second)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_coat_of_arms_remove(acting_user=admin)
    assert not ReportSettings.current().coat_of_arms
    assert not default_storage.exists(second)


def test_two_regencies_keep_their_own_files(personas, admin):
    services.report_coat_of_arms_set(acting_user=admin, data=png_bytes((100, 100)))
    ours = ReportSettings.current().coat_of_arms.name
    connection.set_tenant(personas.kediri)
    try:
        services.report_coat_of_arms_set(acting_user=personas.kediri_admin, data=jpeg_bytes())
        theirs = ReportSettings.current().coat_of_arms.name
    finally:
        connection.set_tenant(personas.tulungagung)
    assert ours != theirs and personas.kediri.schema_name in theirs
    with default_storage.open(ours) as handle, Image.open(handle) as image:
        assert image.size == (100, 100)  # Kediri's upload did not touch Tulungagung's file
    default_storage.delete(ours)
    default_storage.delete(theirs)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>',
            "SVG",
        ),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>', "SVG"),
        (png_bytes() + b"<html><script>alert(1)</script></html>", "data lain"),
        (png_bytes() + b"PK\x03\x04" + b"\x00" * 40, "data lain"),
        (jpeg_bytes() + b"<?php system($_GET[1]); ?>", "data lain"),
        (png_with_text("<script>alert(1)</script>"), "data lain"),
        (b"GIF89a" + b"\x00" * 100, "PNG atau JPEG"),
        (b"just some text, not a picture", "PNG atau JPEG"),
        (png_bytes()[:200], "tidak dapat dibaca"),
        (png_bomb(), "piksel"),
        (png_bytes((12, 12)), "terlalu kecil"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_BYTES, "terlalu besar"),
        (b"", "kosong"),
    ],
    ids=[
        "svg-xml",
        "svg",
        "png-html",
        "png-zip",
        "jpeg-php",
        "png-script-chunk",
        "gif",
        "text",
        "truncated",
        "pixel-bomb",
        "tiny",
        "too-large",
        "empty",
    ],
)
def test_what_is_not_a_plain_png_or_jpeg_is_refused_in_indonesian(admin, data, words):
    assert words in refusal(data)
    assert not ReportSettings.current().coat_of_arms
    assert not AuditEvent.objects.filter(action="report_settings.coat_of_arms").exists()


def test_an_operator_cannot_change_the_settings(personas, in_tulungagung, operator_of, dukcapil):
    operator = operator_of(dukcapil[0])
    with pytest.raises(PermissionDenied):
        services.report_coat_of_arms_set(acting_user=operator, data=png_bytes())
    with pytest.raises(PermissionDenied):
        services.report_settings_update(
            acting_user=operator,
            signatory_name="X",
            signatory_position="",
            signatory_nip="",
            foreword="",
        )


# ---------------------------------------------------------------- signatory and foreword
def test_the_nip_is_stored_as_eighteen_digits_and_the_write_is_audited(admin):
    saved = services.report_settings_update(
        acting_user=admin,
        signatory_name="Dra. Sri Wahyuni",
        signatory_position="Kepala Bagian Organisasi",
        signatory_nip="19750312 199903 2 004",
        foreword="",
    )
    assert saved.signatory_nip == "197503121999032004"
    assert saved.nip_printed == "19750312 199903 2 004"
    event = AuditEvent.objects.get(action="report_settings.updated")
    assert (
        event.before["signatory_nip"] == "" and event.after["signatory_name"] == "Dra. Sri Wahyuni"
    )


@pytest.mark.parametrize(
    "nip",
    [
        "12345",
        "1975031219990320041",
        "19750312199903200A",
        "19750312-199903-2-00",
        "١٩٧٥٠٣١٢١٩٩٩٠٣٢٠٠٤",
    ],
)
def test_a_nip_that_is_not_eighteen_digits_is_refused_and_nothing_changes(admin, nip):
    with translation.override("id"), pytest.raises(ValidationError) as caught:
        services.report_settings_update(
            acting_user=admin,
            signatory_name="Dra. Sri Wahyuni",
            signatory_position="",
            signatory_nip=nip,
            foreword="",
        )
    assert "18 angka" in " ".join(caught.value.message_dict["signatory_nip"])
    assert ReportSettings.current().signatory_name == ""
    assert not AuditEvent.objects.filter(action="report_settings.updated").exists()


def test_a_foreword_too_long_is_refused(admin):
    with translation.override("id"), pytest.raises(ValidationError) as caught:
        services.report_settings_update(
            acting_user=admin,
            signatory_name="",
            signatory_position="",
            signatory_nip="",
            foreword="kata " * 2000,
        )
    assert "terlalu panjang" in " ".join(caught.value.message_dict["foreword"])


# ---------------------------------------------------------------- the page
def test_the_page_is_in_the_admins_navigation_and_saves(personas, admin):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    setup = client.get("/kelola/").content.decode()
    assert 'href="/laporan/pengaturan/"' in setup
    page = client.get("/laporan/pengaturan/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Puji syukur" in html  # the default foreword, ready to edit
    assert 'aria-current="page"' in html and 'data-nav="report_settings"' in html
    upload = io.BytesIO(png_bytes())
    upload.name = "lambang.png"
    answer = client.post(
        "/laporan/pengaturan/",
        {
            "signatory_name": "Drs. Bambang Sutrisno, M.Si.",
            "signatory_position": "Kepala Bagian Organisasi",
            "signatory_nip": "198001012005011001",
            "foreword": "",
            "coat_of_arms": upload,
        },
    )
    assert answer.status_code == 302 and answer["Location"] == "/laporan/pengaturan/"
    settings = ReportSettings.current()
    assert settings.signatory_name == "Drs. Bambang Sutrisno, M.Si." and settings.coat_of_arms
    shown = client.get("/laporan/pengaturan/").content.decode()
    assert 'src="data:image/png;base64,' in shown
    default_storage.delete(settings.coat_of_arms.name)


def test_an_svg_upload_on_the_page_is_refused_and_changes_nothing(personas, admin):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    upload = io.BytesIO(b'<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    upload.name = "lambang.png"
    answer = client.post(
        "/laporan/pengaturan/",
        {
            "signatory_name": "Nama Baru",
            "signatory_position": "",
            "signatory_nip": "",
            "foreword": "",
            "coat_of_arms": upload,
        },
    )
    assert answer.status_code == 200
    assert "SVG" in answer.content.decode()
    assert ReportSettings.current().signatory_name == ""
    assert not ReportSettings.current().coat_of_arms


@pytest.mark.parametrize(
    "body",
    [
        {"signatory_nip": "abc"},
        {"foreword": "x" * 20000},
        {"signatory_name": "x" * 1000},
        {},
        {"coat_of_arms": "not a file"},
    ],
)
def test_malformed_posts_get_an_error_page_never_a_500(personas, admin, body):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    answer = client.post("/laporan/pengaturan/", body)
    assert answer.status_code in (200, 302)
    assert ReportSettings.current().signatory_nip == ""


def test_operators_and_other_regencies_get_403(personas, admin, operator_of, dukcapil):
    operator = host_client(TULUNGAGUNG_HOST, operator_of(dukcapil[0]))
    assert operator.get("/laporan/pengaturan/").status_code == 403
    assert operator.post("/laporan/pengaturan/", {"signatory_name": "X"}).status_code == 403
    kediri = host_client(TULUNGAGUNG_HOST, personas.kediri_admin)
    assert kediri.get("/laporan/pengaturan/").status_code == 403
    anonymous = host_client(TULUNGAGUNG_HOST)
    assert anonymous.get("/laporan/pengaturan/").status_code == 302
    assert ReportSettings.current().signatory_name == ""
