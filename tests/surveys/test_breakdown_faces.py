"""Small groups stay private on every face: dashboards, the laporan (PDF, XLSX), public pages.

Seventeen respondents at Dukcapil: eleven without a disability, ONE with a
mental disability (every answer 1), five who left the question blank. The
one is never shown on their own, anywhere; "tidak" is (the lump of six left
over is large enough); each face says how many are not shown and why.
"""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sukma.surveys.breakdowns import FIELDS, breakdown, breakdowns
from sukma.surveys.models import SurveySettings
from sukma.surveys.reports.pdf import report_pdf
from sukma.surveys.reports.xlsx import RAW_HEADER, report_xlsx
from tests.api.conftest import operator_of  # noqa: F401
from tests.conftest import TULUNGAGUNG_HOST, host_client
from tests.reports.helpers import data_for, pdf_text, workbook
from tests.surveys.conftest import submit

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(datetime.datetime(2026, 11, 20, 10, 0))
CODES = [f"U{i}" for i in range(1, 10)]


@pytest.fixture
def crowd(dukcapil, year_2026):
    point = dukcapil[3]
    people = (
        [({c: 3 for c in CODES}, {"disability": "tidak", "sex": "L", "education": "SMA"})] * 6
        + [({c: 4 for c in CODES}, {"disability": "tidak", "sex": "P", "education": "D4-S1"})] * 5
        + [({c: 1 for c in CODES}, {"disability": "mental", "sex": "P", "education": "S2"})]
        + [({c: 3 for c in CODES}, {"sex": "L"})] * 5
    )
    for answers, profile in people:
        submit(point, answers, now=NOW, profile=profile)
    return dukcapil[0], year_2026


def test_the_selector_shows_tidak_and_hides_the_one(crowd):
    agency, year = crowd
    shown = breakdown(year, "disability", agency_id=agency.pk)
    assert [(row.value, row.figure.responses) for row in shown.rows] == [("tidak", 11)]
    assert (shown.total, shown.withheld, shown.min_group) == (17, 6, 5)


def test_breakdowns_read_together_are_each_as_read_alone_in_a_few_queries(crowd):
    agency, year = crowd
    SurveySettings.current()  # made once, as every regency has it
    with CaptureQueriesContext(connection) as queries:
        together = breakdowns(year, agency_id=agency.pk)
    # Profile totals of every field, the set's total, the channels, the weight policy and
    # the smallest group: one query each, however many fields (a dashboard shows seven).
    assert len(queries) <= 5, [q["sql"][:80] for q in queries]
    for field in FIELDS:
        assert together[field] == breakdown(year, field, agency_id=agency.pk)


def _section(html: str, field: str) -> str:
    return html.split(f'data-field="{field}"', 1)[1].split("</section>", 1)[0]


@pytest.mark.parametrize("who", ["admin", "operator"])
def test_the_dashboards_never_show_the_one(personas, crowd, operator_of, who):  # noqa: F811
    agency, year = crowd
    user = personas.tulungagung_admin if who == "admin" else operator_of(agency)
    client = host_client(TULUNGAGUNG_HOST, user)
    urls = ["/dasbor/", f"/dasbor/opd/{agency.pk}/"] if who == "admin" else []
    urls += [f"/dasbor/opd/{agency.pk}/"]
    for url in urls:
        response = client.get(url, {"periode": year.pk})
        assert response.status_code == 200
        section = _section(response.content.decode(), "disability")
        assert 'data-value="tidak"' in section
        assert 'data-value="mental"' not in section
        assert 'data-withheld="6"' in section
        assert "kurang dari 5" in section  # the Indonesian note says why


def test_the_workbook_never_shows_the_one(personas, crowd):
    agency, year = crowd
    connection.set_tenant(personas.tulungagung)
    wb = workbook(report_xlsx(data_for(personas.tulungagung, "agency", agency.pk, year)))
    rows = list(wb["Profil - Disabilitas"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows if row[0]] == ["tidak"]
    assert rows[0][2] == 11
    assert any("kurang dari 5" in str(row[1]) for row in rows if row[0] is None)
    # The raw sheet has no profile columns: filtering it by disability would find the one.
    assert not {"Disabilitas", "Jenis kelamin", "Pendidikan", "Usia", "Pekerjaan"} & set(RAW_HEADER)
    header = [cell.value for cell in wb["Data mentah"][1]]
    assert header == RAW_HEADER
    cells = {str(v) for row in wb["Data mentah"].iter_rows(values_only=True) for v in row}
    assert not {"Mental", "mental"} & cells


def test_the_pdf_never_shows_the_one(personas, crowd):
    agency, year = crowd
    connection.set_tenant(personas.tulungagung)
    text = pdf_text(report_pdf(data_for(personas.tulungagung, "agency", agency.pk, year)))
    flat = " ".join(text.split())
    table = flat.split("Responden menurut disabilitas", 1)[1].split("Tabel 3.1.6", 1)[0]
    assert re.search(r"Tidak ada disabilitas 11 ", table) or "11 100" in table
    assert "Mental" not in table
    assert "6 responden lainnya tidak mengisi isian ini" in table


def test_the_public_pages_show_no_profile_breakdown(personas, crowd):
    client = host_client(TULUNGAGUNG_HOST)
    for url in ("/", "/hasil/"):
        html = client.get(url).content.decode()
        assert "data-field=" not in html and "Disabilitas" not in html
