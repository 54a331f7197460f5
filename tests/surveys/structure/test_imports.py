"""Bulk import of agencies, services and service points: all rows checked, all or nothing."""

import io
import zipfile
from pathlib import Path

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from sukma.access.models import AuditEvent
from sukma.surveys.models import Agency, Service, ServicePoint
from sukma.surveys.structure import imports
from sukma.surveys.structure.imports import structure_import
from sukma.surveys.structure.services import agency_create

pytestmark = pytest.mark.django_db

OPD_TEMPLATE = Path(imports.__file__).parents[2] / "data" / "opd-template.csv"
# Arbitrary Unicode, with what spreadsheets and XML choke on made likely.
NASTY = st.text(
    alphabet=st.one_of(
        st.characters(codec=None),
        st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\n", "\x00", "\x0b", "\ud800", ";"]),
    ),
    max_size=30,
)
HEADER = "jenis_opd,opd,singkatan,layanan,pengguna_per_tahun,titik_layanan,alamat\n"


@pytest.fixture
def tulungagung(personas):
    connection.set_tenant(personas.tulungagung)
    return personas.tulungagung


@pytest.fixture
def run(tulungagung, personas):
    def run(data: bytes | str, filename: str = "opd.csv"):
        if isinstance(data, str):
            data = data.encode()
        return structure_import(
            acting_user=personas.tulungagung_admin, filename=filename, data=data
        )

    return run


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def counts() -> tuple[int, int, int]:
    return Agency.objects.count(), Service.objects.count(), ServicePoint.objects.count()


# ====================================================================== good files
def test_the_provinces_opd_template_imports_as_it_is(run):
    report = run(OPD_TEMPLATE.read_bytes())
    assert report.ok, report.errors
    assert report.agencies_created == Agency.objects.count() == 16
    assert Service.objects.count() == 30
    dukcapil = Agency.objects.get(name="Dinas Kependudukan dan Pencatatan Sipil")
    assert dukcapil.kind == "dinas"
    assert dukcapil.services.count() == 5


def test_a_full_row_makes_agency_service_and_point_and_one_audit_event(run, tulungagung):
    report = run(
        HEADER + "dinas,Dinas Sosial,Dinsos,Pendaftaran DTKS,1.500,Loket 1,Jl. Panglima Sudirman\n"
    )
    assert report.ok
    point = ServicePoint.objects.get()
    assert point.agency.short_name == "Dinsos"
    assert point.default_service.name == "Pendaftaran DTKS"
    assert point.default_service.annual_users == 1500
    assert point.address == "Jl. Panglima Sudirman"
    assert len(point.code) == 8
    event = AuditEvent.objects.get(action="structure.imported")
    assert event.regency_id == tulungagung.pk
    assert event.after["points_created"] == 1


def test_importing_the_same_file_twice_creates_nothing_twice(run):
    run(OPD_TEMPLATE.read_bytes())
    before = counts()
    report = run(OPD_TEMPLATE.read_bytes())
    assert report.ok
    assert counts() == before
    assert report.agencies_created == report.services_created == 0


def test_rows_reuse_existing_agencies_matched_without_case(run, personas):
    agency_create(acting_user=personas.tulungagung_admin, name="Dinas Sosial", kind="dinas")
    report = run(HEADER + ",dinas  SOSIAL,,Pendaftaran DTKS,,,\n")
    assert report.ok, report.errors
    assert Agency.objects.count() == 1
    assert Agency.objects.get().services.get().name == "Pendaftaran DTKS"


def test_a_new_number_of_users_updates_the_service(run):
    run(HEADER + "dinas,Dinas Sosial,,DTKS,1000,,\n")
    report = run(HEADER + "dinas,Dinas Sosial,,DTKS,2000,,\n")
    assert report.services_updated == 1
    assert Service.objects.get().annual_users == 2000


def test_semicolon_csv_with_a_bom_and_english_headers_is_read(run):
    data = "\ufeffagency_kind;agency;service;annual_users\nrsud;RSUD dr. Iskak;Rawat Inap;8000\n"
    report = run(data.encode("utf-8"))
    assert report.ok, report.errors
    assert Service.objects.get().annual_users == 8000


def test_an_xlsx_workbook_is_read_with_numbers_as_numbers(run):
    data = xlsx(
        [
            ["jenis_opd", "opd", "layanan", "pengguna_per_tahun", "titik_layanan"],
            ["puskesmas", "Puskesmas Ngunut", "Poli Umum", 4200, "Pendaftaran"],
            [None, None, None, None, None],
            ["Puskesmas", "Puskesmas Ngunut", "Imunisasi", 900.0, None],
        ]
    )
    report = run(data, "opd.xlsx")
    assert report.ok, report.errors
    assert sorted(Service.objects.values_list("annual_users", flat=True)) == [900, 4200]


# ====================================================================== bad rows
def test_import_with_one_bad_row_imports_nothing_and_names_row_and_column(run):
    data = (
        HEADER
        + "dinas,Dinas Sosial,,DTKS,1000,,\n"
        + "kementerian,Dinas Perhubungan,,KIR,500,,\n"
        + "dinas,Dinas Pertanian,,Pupuk,,,\n"
    )
    report = run(data)
    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(3, "jenis_opd")]
    assert counts() == (0, 0, 0)
    assert not AuditEvent.objects.filter(action="structure.imported").exists()


def test_every_bad_row_is_reported_with_its_row_and_column(run):
    data = (
        HEADER
        + "dinas,Dinas Sosial,,DTKS,,,\n"  # 2: good
        + "dinas,,,DTKS,,,\n"  # 3: no agency
        + "dinas,Dinas Perhubungan,,KIR,banyak,,\n"  # 4: users not a number
        + "dinas,Dinas Pertanian,,,100,,\n"  # 5: users without a service
        + ",Dinas Baru,,,,,\n"  # 6: a new agency without its kind
        + "badan,Dinas Sosial,,,,,\n"  # 7: another kind for Dinas Sosial
        + "dinas,Dinas Lingkungan Hidup,,,,,Jl. Raya\n"  # 8: address without a point
        + f"dinas,{'D' * 201},,,,,\n"  # 9: name too long
    )
    report = run(data)
    found = {(e.row, e.column) for e in report.errors}
    assert found == {
        (3, "opd"),
        (4, "pengguna_per_tahun"),
        (5, "pengguna_per_tahun"),
        (6, "jenis_opd"),
        (7, "jenis_opd"),
        (8, "alamat"),
        (9, "opd"),
    }
    assert all(e.message for e in report.errors)
    assert counts() == (0, 0, 0)


def test_errors_name_the_column_as_the_file_wrote_it(run):
    report = run("agency_kind,agency\nkementerian,Dinas X\n")
    assert [(e.row, e.column) for e in report.errors] == [(2, "agency_kind")]


def test_a_kind_that_contradicts_an_existing_agency_is_refused(run, personas):
    agency_create(acting_user=personas.tulungagung_admin, name="Dinas Sosial", kind="dinas")
    report = run(HEADER + "badan,Dinas Sosial,,DTKS,,,\n")
    assert [(e.row, e.column) for e in report.errors] == [(2, "jenis_opd")]


def test_unknown_and_missing_columns_are_reported_on_row_one(run):
    report = run("jenis_opd,nama_kantor\ndinas,Dinas Sosial\n")
    assert {(e.row, e.column) for e in report.errors} == {(1, "nama_kantor"), (1, "opd")}
    assert counts() == (0, 0, 0)


# ====================================================================== bad files
@pytest.mark.parametrize(
    "filename, data",
    [
        ("opd.csv", b""),
        ("opd.csv", b"\n\n  \n"),
        ("opd.csv", HEADER.encode()),
        ("opd.csv", "jenis_opd,opd\ndinas,Dinas Ç\n".encode("utf-16")),
        ("opd.csv", "jenis_opd,opd\ndinas,Dinas Pertanian Ç\n".encode("cp1252")),
        ("opd.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ("opd.xlsx", b"jenis_opd,opd\ndinas,Dinas Sosial\n"),
        ("opd.xlsx", b"PK\x03\x04 not really a zip"),
        ("opd.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100),
        ("opd.csv", b"x" * (imports.MAX_BYTES + 1)),
    ],
    ids=[
        "empty",
        "blank lines",
        "header only",
        "utf-16",
        "cp1252",
        "png",
        "csv named xlsx",
        "broken zip",
        "old xls",
        "huge",
    ],
)
def test_malformed_files_get_a_clear_error_and_import_nothing(run, filename, data):
    report = run(data, filename)
    assert report.file_error
    assert not report.ok
    assert counts() == (0, 0, 0)


def test_a_zip_that_is_not_a_workbook_is_refused(run):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hello")
    assert run(out.getvalue(), "opd.xlsx").file_error


def test_a_zip_bomb_is_refused_before_it_is_unpacked(run):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (imports.MAX_UNZIPPED_BYTES + 1))
    assert len(out.getvalue()) < imports.MAX_BYTES
    assert "setelah diekstrak" in run(out.getvalue(), "opd.xlsx").file_error


def test_too_many_rows_are_refused(run):
    data = HEADER + "dinas,Dinas Sosial,,,,,\n" * (imports.MAX_ROWS + 1)
    assert run(data).file_error


def test_the_template_csv_imports_cleanly(run):
    report = run(imports.template_csv())
    assert report.ok, report.errors
    assert report.points_created == 3


def test_a_row_the_database_refuses_rolls_back_the_rows_before_it(run, monkeypatch):
    real_save = imports.service_save

    def refuse_pupuk(service, **values):
        if values.get("name") == "Pupuk":
            raise imports.ValidationError({"annual_users": "refused"})
        return real_save(service, **values)

    monkeypatch.setattr(imports, "service_save", refuse_pupuk)
    report = run(HEADER + "dinas,Dinas Sosial,,DTKS,,,\ndinas,Dinas Pertanian,,Pupuk,10,,\n")
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (3, "pengguna_per_tahun", "refused")
    ]
    assert counts() == (0, 0, 0)


# ====================================================================== bounded
def test_a_number_in_other_digits_is_a_clear_error_not_a_crash(run):
    # "²".isdigit() is True, and int("²") raised: the import answered 500.
    for written in ("²", "①", "١٢"):
        report = run(HEADER + f"dinas,Dinas Sosial,,Bansos,{written},,\n")
        assert [e.column for e in report.errors] == ["pengguna_per_tahun"]
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("wide", [imports.MAX_COLUMNS + 1, 18_000])
def test_a_sheet_wider_than_any_table_is_refused_without_reading_it_all(run, wide):
    header = ["opd"] + [f"kolom{i}" for i in range(wide)]
    report = run(xlsx([header, ["Dinas Sosial"]]), "opd.xlsx")
    assert "lebih dari 50 kolom" in report.file_error
    assert report.errors == [] and counts() == (0, 0, 0)


def test_a_csv_wider_than_any_table_is_refused(run):
    report = run("opd" + ",x" * 1_000_000 + "\nDinas Sosial\n")
    assert "lebih dari 50 kolom" in report.file_error


def test_a_file_full_of_errors_lists_the_first_ones_and_counts_the_rest(run, personas):
    rows = HEADER + "planet,Dinas Sosial,,,,,\n" * imports.MAX_ROWS
    report = run(rows)
    assert len(report.errors) == imports.MAX_REPORTED_ERRORS
    assert report.more_errors == imports.MAX_ROWS - imports.MAX_REPORTED_ERRORS
    assert [e.row for e in report.errors] == list(range(2, imports.MAX_REPORTED_ERRORS + 2))


# ====================================================================== the files it writes
def test_the_template_is_written_by_the_sheets_writer_and_holds_no_formula():
    import csv

    from sukma import sheets

    data = imports.template_csv()
    assert data.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == imports.TEMPLATE_HEADER and rows[1:] == imports.TEMPLATE_ROWS
    assert not any(v.startswith(sheets.FORMULA_LEADS) for row in rows for v in row)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(NASTY, min_size=7, max_size=7), min_size=1, max_size=5))
def test_any_text_the_sheets_writer_puts_in_a_csv_the_import_reads_back(table):
    """The import reads the product's own CSV files cell for cell, whatever the text:
    sheets.csv_stream (with its BOM) and imports' reader agree."""
    from sukma import sheets

    data = b"".join(sheets.csv_stream([imports.TEMPLATE_HEADER, *table]))
    rows = imports._read_csv(data)
    assert rows[0] == imports.TEMPLATE_HEADER
    assert rows[1:] == [[sheets.cell_text(text) for text in row] for row in table]
    assert not any(v.startswith(sheets.FORMULA_LEADS) for row in rows for v in row)
