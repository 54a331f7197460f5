"""Issue 19, item 3: one half-up rule on every face, and periods that keep their expected users.

Measured before the fix: a profile share truncated in the PDF (2/3 of a group printed
66,6 %; 85/167 printed 50,8 %), rounded half-to-even on the dashboard (62,5 % -> 62 %)
and in the workbook (15,625 -> 15,62); a service with 6 users a year expected 0 users
in a month, then "unknown" with the target 384. Each face is read back here and must
equal the method's half-up.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from sukma.surveys import selectors
from sukma.surveys.method.rounding import share_percent
from sukma.surveys.models import Period, PeriodKind, Service, ServicePoint
from sukma.surveys.reports.pdf import report_pdf
from sukma.surveys.reports.xlsx import report_xlsx
from sukma.surveys.templatetags.figures import num, number, percent_of
from tests.api.conftest import api_client
from tests.conftest import TULUNGAGUNG_HOST, host_client
from tests.reports.helpers import data_for, pdf_text, workbook
from tests.surveys.conftest import ALL_FOUR, submit

CODES = [f"U{i}" for i in range(1, 10)]


def moment(day: int, minute: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, 3, day, 8, minute))


def profile(i: int) -> dict:
    """32 respondents: sex 5 P / 27 L (15,625 %); education 10 SMA / 6 S2 of 16 (62,5 %);
    occupation 5 PNS / 7 SWASTA of 12 (41,66 %, truncated 41,6). Every group has at least
    five people, so no small-group rule hides it."""
    chosen = {"sex": "P" if i < 5 else "L"}
    if i < 16:
        chosen["education"] = "SMA" if i < 10 else "S2"
    if 16 <= i < 28:
        chosen["occupation"] = "PNS" if i < 21 else "SWASTA"
    return chosen


@pytest.fixture
def shares(dukcapil, year_2026):
    agency, ktp, _kk, point = dukcapil
    for i in range(32):
        answers = {**ALL_FOUR, "U3": 3 if i % 2 else 4}
        submit(point, answers, now=moment(1 + i // 8, i), profile=profile(i))
    assert selectors.service_figure(year_2026, ktp).responses == 32
    return agency, year_2026


def section(html: str, field: str) -> str:
    start = html.index(f'data-field="{field}"')
    return html[start : html.index("</section>", start)]


def row_share(html: str, field: str, value: str) -> str:
    match = re.search(rf'<tr data-value="{value}">.*?\((\d+)%\)', section(html, field), re.S)
    assert match, (field, value)
    return match.group(1)


def test_the_dashboard_rounds_a_share_half_up(personas, shares):
    _agency, year = shares
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    html = client.get(f"/dasbor/?periode={year.pk}").content.decode()
    assert row_share(html, "education", "SMA") == "63"  # 10/16 = 62,5 %: was 62
    assert row_share(html, "education", "S2") == "38"  # 37,5 %
    assert row_share(html, "sex", "P") == "16"  # 15,625 %
    assert row_share(html, "occupation", "PNS") == "42"  # 41,67 %


def test_the_pdf_rounds_a_share_half_up(personas, shares):
    connection.set_tenant(personas.tulungagung)
    agency, year = shares
    text = pdf_text(report_pdf(data_for(personas.tulungagung, "agency", agency.pk, year)))
    assert "41,7%" in text  # 5/12: was printed 41,6 (truncated)
    assert "41,6%" not in text
    assert "58,3%" in text
    assert "15,6%" in text  # 5/32 = 15,625
    assert "62,5%" in text and "37,5%" in text


def test_the_workbook_rounds_a_share_half_up(personas, shares):
    connection.set_tenant(personas.tulungagung)
    agency, year = shares
    wb = workbook(report_xlsx(data_for(personas.tulungagung, "agency", agency.pk, year)))
    sheet = next(
        ws for ws in wb.worksheets if ws.title.startswith("Profil") and "kelamin" in ws.title
    )
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert Decimal(str(rows["P"][3])) == Decimal("15.63")  # 15,625: was 15,62
    assert Decimal(str(rows["L"][3])) == Decimal("84.38")  # 84,375
    assert Decimal(str(rows["P"][3])) == share_percent(5, 32, 2)


def test_the_display_face_rounds_half_up_never_truncates():
    with translation.override("id"):
        assert number(Decimal("15.625"), 2) == "15,63"
        assert number(Decimal("50.898"), 1) == "50,9"
        assert number(Decimal("66.66"), 1) == "66,7"
        assert number(Decimal("0.125"), 2) == "0,13"
        assert number(Decimal("-0.125"), 2) == "-0,13"
        assert number(2.675, 2) == "2,68"  # a float is read as its shortest decimal
        assert number(12345, 0) == "12.345"
        assert number("88.305", 2) == "88,31"
        assert num(Decimal("75.005")) == "75,01"
        assert number(None) == "–"
    with translation.override("en"):
        assert number(Decimal("1234.5"), 0) == "1,235"
    assert percent_of(5, 8) == 63
    assert percent_of(3, 8) == 38
    assert percent_of(1, 0) == 0
    assert percent_of(9, 4) == 100


# ---------------------------------------------------------------- expected users in a period
@pytest.fixture
def small_service(dukcapil):
    """A service used by six people a year, and March 2026 as a month period."""
    agency = dukcapil[0]
    legalisir = Service.objects.create(agency=agency, name="Legalisir akta", annual_users=6)
    point = ServicePoint.objects.create(
        agency=agency, name="Loket 9", code="LG5R8T2Q", default_service=legalisir
    )
    march = Period.objects.create(
        kind=PeriodKind.MONTH,
        year=2026,
        number=3,
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 3, 31),
    )
    submit(point, ALL_FOUR, now=moment(2, 0))
    return legalisir, march


def test_a_small_service_expects_one_user_in_a_month_not_unknown(personas, small_service):
    legalisir, march = small_service
    figure = selectors.service_figure(march, legalisir)
    assert figure.adequacy.population == 1  # 6 x 1 / 12 = 0,5: was 0, then "unknown"
    assert figure.adequacy.population_known is True
    assert figure.adequacy.target == 1  # was 384
    assert figure.adequacy.short is False

    body = (
        api_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
        .get("/api/v1/ikm/", {"period": march.pk, "service": legalisir.pk})
        .json()
    )
    assert body["figure"]["sample"]["population"] == 1
    assert body["figure"]["sample"]["target"] == 1


def test_a_groups_expected_users_are_the_sum_of_its_services(dukcapil, small_service):
    agency, _ktp, _kk, _point = dukcapil
    _legalisir, march = small_service
    # KTP-el 12000 -> 1000, KK 6000 -> 500, Legalisir 6 -> 1 in the month.
    assert selectors.agency_figure(march, agency).adequacy.population == 1501
    assert selectors.regency_figure(march).adequacy.population == 1501


def test_a_locked_period_keeps_the_expected_users_it_was_locked_with(personas, small_service):
    from sukma.surveys.structure import services as structure

    legalisir, march = small_service
    agency = legalisir.agency
    march = structure.period_lock(
        acting_user=personas.tulungagung_admin, period=march, today=datetime.date(2026, 4, 2)
    )
    kept = {
        "service": selectors.service_figure(march, legalisir).adequacy,
        "agency": selectors.agency_figure(march, agency).adequacy,
        "regency": selectors.regency_figure(march).adequacy,
    }
    assert march.basis["users"] == {
        "regency": 1501,
        "agencies": {str(agency.pk): 1501},
        "services": {
            str(s.pk): n
            for s, n in zip(agency.services.order_by("pk"), (1000, 500, 1), strict=True)
        },
    }
    Service.objects.filter(agency=agency).update(annual_users=600000)
    march.refresh_from_db()
    assert selectors.service_figure(march, legalisir).adequacy == kept["service"]
    assert selectors.agency_figure(march, agency).adequacy == kept["agency"]
    assert selectors.regency_figure(march).adequacy == kept["regency"]
    html = (
        host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
        .get(f"/dasbor/?periode={march.pk}")
        .content.decode()
    )
    assert 'id="sample-target" data-value="{}"'.format(kept["regency"].target) in html

    # Yearly users cleared later: the locked month still knows its N, and says nothing else.
    Service.objects.filter(agency=agency).update(annual_users=None)
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    html = client.get(f"/dasbor/opd/{agency.pk}/?periode={march.pk}").content.decode()
    with translation.override("id"):
        unknown = gettext("Expected users not set: the target assumes a large population.")
    assert unknown not in html
    connection.set_tenant(personas.tulungagung)
    assert selectors.service_figure(march, legalisir).adequacy == kept["service"]


def test_periods_locked_before_keep_the_users_they_were_shown_with(personas, small_service):
    """Migration 0011: a period locked by the old code (its basis without "users") keeps the
    N the old code showed (half to even, 0 read as unknown), so no published target moves."""
    import importlib

    from django.apps import apps

    from sukma.surveys.structure import services as structure

    migration = importlib.import_module("sukma.surveys.migrations.0011_period_locked_users")
    legalisir, march = small_service
    agency = legalisir.agency
    march = structure.period_lock(
        acting_user=personas.tulungagung_admin, period=march, today=datetime.date(2026, 4, 2)
    )
    del march.basis["users"]  # as the old code locked it
    march.save(update_fields=["basis"])

    migration.keep_users_of_locked_periods(apps, None)
    march.refresh_from_db()

    assert march.basis["users"]["services"][str(legalisir.pk)] == 0  # round(0.5): as shown
    assert march.basis["users"]["agencies"][str(agency.pk)] == 1500  # round(18006 / 12)
    assert march.basis["users"]["regency"] == 1500
    adequacy = selectors.service_figure(march, legalisir).adequacy
    assert (adequacy.population_known, adequacy.target) == (False, 384)
    assert selectors.agency_figure(march, agency).adequacy.population == 1500
    again = dict(march.basis)
    migration.keep_users_of_locked_periods(apps, None)  # run twice: nothing changes
    march.refresh_from_db()
    assert march.basis == again

    march = structure.period_unlock(
        acting_user=personas.province_admin, period=march, reason="Dihitung ulang"
    )
    march = structure.period_lock(
        acting_user=personas.tulungagung_admin, period=march, today=datetime.date(2026, 4, 2)
    )
    assert selectors.service_figure(march, legalisir).adequacy.target == 1  # the method's rule
