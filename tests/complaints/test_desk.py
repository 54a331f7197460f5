"""The complaint desk (/pengaduan/): search by code and by words, the filters, bad
parameters, and the CSV and XLSX exports of the filtered list."""

import csv
import datetime
import io

import pytest
from django.db import connection
from openpyxl import load_workbook

from sukma import sheets
from sukma.surveys.complaints.models import Case
from sukma.surveys.complaints.services import case_answer, case_transition
from sukma.surveys.models import Period, PeriodKind
from tests.complaints.conftest import complain, wib
from tests.conftest import TULUNGAGUNG_HOST, host_client

AUG = wib(2026, 8, 14, 10, 0)
SEP = wib(2026, 9, 15, 23, 30)  # 16:30 UTC: still the 15th in Jakarta
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def desk(personas, dukcapil, dinkes):
    """Three cases: two of Dukcapil (August, September), one of Dinkes with an answer."""
    admin = personas.tulungagung_admin
    ktp = Case.objects.get(response=complain(dukcapil[3], "Antrean KTP panjang sekali.", now=AUG))
    kk = Case.objects.get(
        response=complain(dukcapil[3], "Kartu keluarga 50% salah cetak.", now=SEP, token="k")
    )
    sehat = Case.objects.get(response=complain(dinkes[2], "Loket kesehatan tutup.", now=AUG))
    case_answer(case=sehat, acting_user=admin, text="Kipas angin sudah dipasang.")
    august = Period.objects.create(
        kind=PeriodKind.MONTH,
        year=2026,
        number=8,
        starts_on=datetime.date(2026, 8, 1),
        ends_on=datetime.date(2026, 8, 31),
    )
    connection.set_schema_to_public()
    return {"ktp": ktp, "kk": kk, "sehat": sehat, "august": august}


def codes(response) -> set[str]:
    return {c.tracking_code for c in response.context["cases"]}


def admin_client(personas):
    return host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)


# ---------------------------------------------------------------- search
def test_a_tracking_code_is_found_whatever_its_case_and_spaces(personas, desk):
    code = desk["ktp"].tracking_code
    typed = f"  {code[:4].lower()} {code[4:]} "
    response = admin_client(personas).get("/pengaduan/", {"q": typed})
    assert response.status_code == 200
    assert codes(response) == {code}


def test_words_are_found_in_the_citizens_text_and_the_agencys_answer(personas, desk):
    client = admin_client(personas)
    assert codes(client.get("/pengaduan/", {"q": "antrean ktp"})) == {desk["ktp"].tracking_code}
    assert codes(client.get("/pengaduan/", {"q": "KIPAS"})) == {desk["sehat"].tracking_code}
    # Every word must be found: two words of two different cases find neither.
    assert codes(client.get("/pengaduan/", {"q": "antrean kipas"})) == set()
    # The words of a query are text, never patterns.
    assert codes(client.get("/pengaduan/", {"q": "50%"})) == {desk["kk"].tracking_code}
    assert codes(client.get("/pengaduan/", {"q": "%"})) == {desk["kk"].tracking_code}
    assert codes(client.get("/pengaduan/", {"q": "_"})) == set()


def test_search_and_filters_combine_and_the_pager_keeps_them(personas, desk, dukcapil):
    client = admin_client(personas)
    response = client.get("/pengaduan/", {"q": "loket", "opd": dukcapil[0].pk})
    assert codes(response) == set()
    response = client.get("/pengaduan/", {"q": "kartu", "status": "diterima"})
    assert codes(response) == {desk["kk"].tracking_code}
    assert "q=kartu" in response.context["query"] and "status=diterima" in response.context["query"]


# ---------------------------------------------------------------- period
def test_the_period_filter_takes_a_period_or_dates_in_jakarta(personas, desk):
    client = admin_client(personas)
    august = {desk["ktp"].tracking_code, desk["sehat"].tracking_code}
    assert codes(client.get("/pengaduan/", {"periode": desk["august"].pk})) == august
    assert codes(client.get("/pengaduan/", {"dari": "2026-09-15"})) == {desk["kk"].tracking_code}
    # 23:30 WIB on the 15th is the 15th, though it is already the 16th nowhere else that matters.
    assert codes(client.get("/pengaduan/", {"sampai": "2026-09-15"})) == august | {
        desk["kk"].tracking_code
    }
    assert codes(client.get("/pengaduan/", {"sampai": "2026-09-14"})) == august


# ---------------------------------------------------------------- bad input
BAD = [
    {"opd": "abc"},
    {"opd": "999999"},
    {"opd": "9" * 30},
    {"periode": "9" * 30},
    {"dari": "99999-01-01"},
    {"status": "nope"},
    {"periode": "999999"},
    {"periode": "x"},
    {"dari": "2026-13-01"},
    {"dari": "2026-09-01", "sampai": "2026-08-01"},
    {"q": "x" * 500},
    {"terlambat": "maybe"},
    {"q": "\x00"},
]


@pytest.mark.parametrize("params", BAD)
def test_a_bad_parameter_gets_a_clear_message_never_a_500(personas, desk, params):
    client = admin_client(personas)
    for url in ("/pengaduan/", "/pengaduan/unduh.csv", "/pengaduan/unduh.xlsx"):
        response = client.get(url, params)
        assert response.status_code == 400, (url, params)
        body = response.content.decode()
        assert 'class="errorlist' in body or 'role="alert"' in body, (url, params)
        assert desk["ktp"].tracking_code not in body, (url, params)


def test_a_bad_page_number_shows_a_page(personas, desk):
    client = admin_client(personas)
    for page in ("-1", "abc", "99999"):
        assert client.get("/pengaduan/", {"halaman": page}).status_code == 200


# ---------------------------------------------------------------- operators
def test_an_operator_cannot_reach_another_agency_by_the_filter_or_the_export(
    personas, desk, operator, dinkes
):
    client = host_client(TULUNGAGUNG_HOST, operator)
    assert codes(client.get("/pengaduan/")) == {desk["ktp"].tracking_code, desk["kk"].tracking_code}
    refused = client.get("/pengaduan/", {"opd": dinkes[0].pk})
    assert (
        refused.status_code == 400 and desk["sehat"].tracking_code not in refused.content.decode()
    )
    exported = b"".join(client.get("/pengaduan/unduh.csv").streaming_content).decode("utf-8-sig")
    assert desk["ktp"].tracking_code in exported and desk["kk"].tracking_code in exported
    assert desk["sehat"].tracking_code not in exported and "Loket kesehatan" not in exported
    assert codes(client.get("/pengaduan/", {"q": desk["sehat"].tracking_code})) == set()


def test_the_export_is_for_this_regencys_staff_only(personas, desk):
    anonymous = host_client(TULUNGAGUNG_HOST).get("/pengaduan/unduh.csv")
    assert anonymous.status_code == 302 and "/masuk/" in anonymous["Location"]
    kediri = host_client(TULUNGAGUNG_HOST, personas.kediri_admin).get("/pengaduan/unduh.xlsx")
    assert kediri.status_code == 403
    assert desk["ktp"].tracking_code.encode() not in kediri.content


# ---------------------------------------------------------------- exports
def read_csv(response) -> list[list[str]]:
    data = b"".join(response.streaming_content)
    assert data.startswith("\ufeff".encode())  # Excel reads UTF-8 with the BOM
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(response) -> list[tuple]:
    data = b"".join(response.streaming_content)
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def test_the_csv_export_is_the_filtered_list_in_indonesian(personas, desk):
    connection.set_tenant(personas.tulungagung)
    case_transition(case=desk["kk"], acting_user=personas.tulungagung_admin, to="diproses")
    connection.set_schema_to_public()
    response = admin_client(personas).get("/pengaduan/unduh.csv", {"q": "kartu"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        "attachment" in response["Content-Disposition"]
        and ".csv" in response["Content-Disposition"]
    )
    header, *rows = read_csv(response)
    assert header[:4] == ["Kode pelacakan", "Diterima", "Perangkat daerah", "Layanan"]
    assert "Status" in header and "Saran atau pengaduan" in header
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["Kode pelacakan"] == desk["kk"].tracking_code
    assert row["Diterima"] == "2026-09-15 23:30"  # Jakarta's clock, not UTC's
    assert row["Status"] == "Diproses"
    assert row["Saran atau pengaduan"] == "Kartu keluarga 50% salah cetak."


def test_the_xlsx_export_has_dates_as_dates_and_every_filter_applied(personas, desk):
    response = admin_client(personas).get(
        "/pengaduan/unduh.xlsx", {"periode": desk["august"].pk, "status": "diterima"}
    )
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == XLSX
    header, *rows = read_xlsx(response)
    assert header[0] == "Kode pelacakan"
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_code) == {desk["ktp"].tracking_code, desk["sehat"].tracking_code}
    sehat = by_code[desk["sehat"].tracking_code]
    assert sehat["Diterima"] == datetime.datetime(2026, 8, 14, 10, 0)
    assert sehat["Status"] == "Diterima"
    assert sehat["Jawaban perangkat daerah"] == "Kipas angin sudah dipasang."
    assert sehat["Terlambat"] == "Ya"  # not taken up within 3 working days


def test_the_desk_links_its_exports_with_the_current_filters(personas, desk):
    body = admin_client(personas).get("/pengaduan/", {"q": "kartu"}).content.decode()
    assert 'href="/pengaduan/unduh.csv?q=kartu"' in body
    assert 'href="/pengaduan/unduh.xlsx?q=kartu"' in body


def test_no_cell_of_an_export_is_a_formula(personas, desk):
    connection.set_tenant(personas.tulungagung)
    Case.objects.filter(pk=desk["ktp"].pk).update(public_answer='=HYPERLINK("http://x","y")')
    desk["ktp"].response.__class__.objects.filter(pk=desk["ktp"].response_id).update(
        suggestion="@SUM(1+1)\x0b"
    )
    connection.set_schema_to_public()
    client = admin_client(personas)
    for row in read_csv(client.get("/pengaduan/unduh.csv")) + [
        ["" if v is None else v for v in r] for r in read_xlsx(client.get("/pengaduan/unduh.xlsx"))
    ]:
        for value in row:
            assert not (isinstance(value, str) and value.startswith(sheets.FORMULA_LEADS))
