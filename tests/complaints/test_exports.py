"""The complaint exports over arbitrary text: whatever a citizen, an agency or a regency
typed, each file opens, reads back, and no cell of it is a formula (issue 19, item 2)."""

import csv
import datetime
import io

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from sukma import sheets
from sukma.surveys.complaints import exports, selectors
from sukma.surveys.complaints.models import Case
from sukma.surveys.models import Agency, Response, Service
from tests.complaints.conftest import complain, wib
from tests.conftest import TULUNGAGUNG_HOST, host_client

# Arbitrary Unicode, with what spreadsheets and XML choke on made likely.
NASTY = st.text(
    alphabet=st.one_of(
        st.characters(codec=None),
        st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\n", "\x00", "\x0b", "\ud800", "\uffff"]),
    ),
    max_size=40,
)
# What PostgreSQL can store: no NUL, no lone surrogates (the database refuses both).
STORABLE = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_characters="\x00"),
        st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\n", "\x0b", "\x1f", "\uffff"]),
    ),
    min_size=1,
    max_size=40,
)


def no_formula(values) -> None:
    for value in values:
        assert not (isinstance(value, str) and value.startswith(sheets.FORMULA_LEADS)), value


def csv_rows(chunks) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"), newline="")))


def xlsx_rows(file) -> list[tuple]:
    with file:
        return list(load_workbook(file).active.iter_rows(values_only=True))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(NASTY, min_size=3, max_size=3), min_size=1, max_size=4))
def test_the_writers_take_any_text_and_write_no_formula(table):
    when = datetime.datetime(2026, 8, 14, 10, 0)
    rows = [[*texts, when, 7] for texts in table]
    back = csv_rows(sheets.csv_stream([["a", "b", "c", "d", "e"], *rows]))
    assert len(back) == len(rows) + 1
    for values, written in zip(back[1:], rows, strict=True):
        no_formula(values)
        assert values[:3] == [sheets.cell_text(text) for text in written[:3]]
        assert values[3:] == ["2026-08-14 10:00", "7"]
    book = xlsx_rows(sheets.xlsx_spool(["a", "b", "c", "d", "e"], rows, title="=x"))
    assert len(book) == len(rows) + 1
    for values in book[1:]:
        no_formula(values)
        assert values[3:] == (when, 7)


@pytest.fixture
def stored_case(personas, dukcapil):
    case = Case.objects.get(response=complain(dukcapil[3], "Awal.", now=wib(2026, 8, 14, 10)))
    connection.set_schema_to_public()
    return case


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(suggestion=STORABLE, answer=STORABLE, agency=STORABLE, service=STORABLE)
def test_the_desks_exports_write_no_formula_whatever_was_stored(
    personas, stored_case, suggestion, answer, agency, service
):
    connection.set_tenant(personas.tulungagung)
    Response.objects.filter(pk=stored_case.response_id).update(suggestion=suggestion)
    Case.objects.filter(pk=stored_case.pk).update(public_answer=answer, rejection_reason=answer)
    Agency.objects.filter(pk=stored_case.agency_id).update(name=agency)
    Service.objects.filter(pk=stored_case.response.service_id).update(name=service)
    connection.set_schema_to_public()
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)

    csv_response = client.get("/pengaduan/unduh.csv")
    assert csv_response.status_code == 200
    header, *rows = csv_rows(csv_response.streaming_content)
    (row,) = [r for r in rows if r[0] == stored_case.tracking_code]
    no_formula(header + row)
    named = dict(zip(header, row, strict=True))
    assert named["Saran atau pengaduan"] == sheets.cell_text(suggestion)

    xlsx_response = client.get("/pengaduan/unduh.xlsx")
    assert xlsx_response.status_code == 200
    header, *rows = xlsx_rows(io.BytesIO(b"".join(xlsx_response.streaming_content)))
    (row,) = [r for r in rows if r[0] == stored_case.tracking_code]
    no_formula(header + row)
    # The desk's page shows the same text, escaped, and does not break either.
    assert client.get("/pengaduan/", {"q": stored_case.tracking_code}).status_code == 200


def test_the_export_module_writes_indonesian_headings_whatever_the_language(personas):
    from django.utils import translation

    with translation.override("en"):
        assert exports.headings()[0] == "Tracking code"
    rows = csv_rows(exports.cases_csv(selectors.inbox(agency_ids=frozenset()).none()))
    assert rows == [[*rows[0]]] and rows[0][0] == "Kode pelacakan"
