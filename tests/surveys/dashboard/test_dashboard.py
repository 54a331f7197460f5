"""The regency's and agencies' dashboards and the flagged responses: access, figures, moderation."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import formats, timezone, translation

from sukma.access.models import AuditEvent, Membership, Role, User
from sukma.surveys import selectors
from sukma.surveys.breakdowns import breakdown
from sukma.surveys.models import (
    PROFILE_FIELDS,
    Agency,
    Period,
    PeriodKind,
    Response,
    Service,
    ServicePoint,
    SurveySettings,
)
from tests.conftest import KEDIRI_HOST, TULUNGAGUNG_HOST, host_client
from tests.surveys.conftest import ALL_FOUR, submit

NOW = timezone.make_aware(datetime.datetime(2026, 11, 20, 10, 0))
CODES = [f"U{i}" for i in range(1, 10)]
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def rsud(in_tulungagung):
    agency = Agency.objects.create(name="RSUD dr. Iskak", short_name="RSUD", kind="rsud")
    service = Service.objects.create(agency=agency, name="Rawat jalan", annual_users=50000)
    point = ServicePoint.objects.create(
        agency=agency, name="Poli Umum", code="RS4P9X2W", default_service=service
    )
    return agency, service, point


@pytest.fixture
def survey_data(dukcapil, rsud, year_2026):
    """Dukcapil: SKM.md's worked example (75,00, C) plus a fast response; RSUD: two responses."""
    point = dukcapil[3]
    submit(point, ALL_FOUR, now=NOW, profile={"sex": "L", "education": "SMA"})
    submit(point, {**{c: 3 for c in CODES}, "U4": None}, now=NOW, profile={"sex": "P"})
    submit(point, {c: 2 for c in CODES}, now=NOW, profile={"sex": "P", "education": "S2"})
    rsud_point = rsud[2]
    submit(rsud_point, {**{c: 4 for c in CODES}, "U3": 2, "U8": 1}, now=NOW)
    submit(rsud_point, {**{c: 3 for c in CODES}, "U3": 2}, now=NOW)
    return year_2026


@pytest.fixture
def operator(personas, dukcapil):
    """A Dukcapil operator of Tulungagung."""
    user = User.objects.create_user("operator@dukcapil.tulungagungkab.go.id", "x-Rahasia-2026")
    Membership.objects.create(
        user=user,
        role=Role.AGENCY_OPERATOR,
        regency=personas.tulungagung,
        agency_id=dukcapil[0].pk,
    )
    return user


@pytest.fixture
def admin_client(personas, db):
    return host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)


def page(response) -> str:
    return response.content.decode()


def data_value(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*data-value="([^"]*)"', html)
    assert match, f"no #{element_id} with a data-value"
    return match.group(1)


def shown(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert match, f"no #{element_id}"
    return match.group(1).strip()


def back_in_tulungagung(personas):
    connection.set_tenant(personas.tulungagung)


# ---------------------------------------------------------------- access
DASHBOARD_PATHS = ["/dasbor/", "/dasbor/opd/{agency}/", "/dasbor/respons/"]


@pytest.mark.parametrize("path", DASHBOARD_PATHS)
def test_anonymous_visitors_are_sent_to_sign_in(dukcapil, path):
    response = host_client(TULUNGAGUNG_HOST).get(path.format(agency=dukcapil[0].pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/masuk/?next=/dasbor/")


@pytest.mark.parametrize("path", DASHBOARD_PATHS)
def test_kediri_admin_cannot_open_tulungagung_dashboards(personas, dukcapil, survey_data, path):
    client = host_client(TULUNGAGUNG_HOST, personas.kediri_admin)
    response = client.get(path.format(agency=dukcapil[0].pk))
    assert response.status_code == 403
    assert "Dinas Kependudukan" not in page(response)
    assert 'id="ikm-konversi"' not in page(response)


def test_the_province_admin_is_not_a_regency_user(personas, survey_data):
    client = host_client(TULUNGAGUNG_HOST, personas.province_admin)
    assert client.get("/dasbor/").status_code == 403


def test_an_operator_lands_on_their_own_agency(operator, dukcapil):
    response = host_client(TULUNGAGUNG_HOST, operator).get("/dasbor/")
    assert response.status_code == 302
    assert response["Location"] == f"/dasbor/opd/{dukcapil[0].pk}/"


def test_an_operator_sees_only_their_own_agency(operator, dukcapil, rsud, survey_data):
    client = host_client(TULUNGAGUNG_HOST, operator)
    assert client.get(f"/dasbor/opd/{dukcapil[0].pk}/").status_code == 200
    other = client.get(f"/dasbor/opd/{rsud[0].pk}/")
    assert other.status_code == 403
    assert "RSUD dr. Iskak" not in page(other)


def test_a_regency_admin_opens_every_agency(admin_client, rsud, survey_data):
    assert admin_client.get(f"/dasbor/opd/{rsud[0].pk}/").status_code == 200
    assert admin_client.get("/dasbor/opd/999999/").status_code == 404


# ---------------------------------------------------------------- the regency dashboard
def test_regency_dashboard_shows_the_selectors_figures(personas, admin_client, survey_data):
    html = page(admin_client.get("/dasbor/"))
    back_in_tulungagung(personas)
    figure = selectors.regency_figure(survey_data)

    assert data_value(html, "ikm-konversi") == str(figure.result.konversi)
    assert data_value(html, "ikm-value") == str(figure.result.ikm)
    assert data_value(html, "responses") == str(figure.responses) == "5"
    assert shown(html, "mutu") == str(figure.result.mutu)
    assert data_value(html, "sample-target") == str(figure.adequacy.target)
    assert data_value(html, "margin") == str(figure.adequacy.margin_of_error)


def test_numbers_are_formatted_indonesian_style_by_default(personas, admin_client, survey_data):
    html = page(admin_client.get("/dasbor/"))
    back_in_tulungagung(personas)
    figure = selectors.regency_figure(survey_data)
    konversi = figure.result.konversi
    with translation.override("id"):
        expected = formats.number_format(konversi, 2, use_l10n=True)
    assert "," in expected and shown(html, "ikm-konversi") == expected
    margin = figure.adequacy.margin_of_error
    assert f"±{str(margin).replace('.', ',')} %" in html


def test_numbers_are_formatted_english_style_in_english(personas, admin_client, survey_data):
    html = page(admin_client.get("/dasbor/", **EN))
    back_in_tulungagung(personas)
    konversi = selectors.regency_figure(survey_data).result.konversi
    assert shown(html, "ikm-konversi") == str(konversi)


def test_the_worked_example_reads_75_00_grade_c_on_the_agency_dashboard(
    admin_client, dukcapil, survey_data
):
    html = page(admin_client.get(f"/dasbor/opd/{dukcapil[0].pk}/"))
    assert shown(html, "ikm-konversi") == "75,00"
    assert data_value(html, "ikm-konversi") == "75.00"
    assert shown(html, "mutu") == "C"
    assert shown(html, "kinerja") == "Kurang baik"


def test_the_agency_table_equals_agency_figures(personas, admin_client, survey_data):
    html = page(admin_client.get("/dasbor/"))
    back_in_tulungagung(personas)
    table = html.split('id="agency-table"', 1)[1].split("</table>", 1)[0]
    for agency, figure in selectors.agency_figures(survey_data):
        row = re.search(rf'<tr data-id="{agency.pk}">(.*?)</tr>', table, re.S).group(1)
        assert f'data-value="{figure.result.konversi}"' in row
        assert agency.name in row
        assert f"/dasbor/opd/{agency.pk}/?periode={survey_data.pk}" in row


def test_the_service_table_equals_service_figures(personas, admin_client, dukcapil, survey_data):
    html = page(admin_client.get(f"/dasbor/opd/{dukcapil[0].pk}/"))
    back_in_tulungagung(personas)
    table = html.split('id="service-table"', 1)[1].split("</table>", 1)[0]
    rows = selectors.service_figures(survey_data, agency_id=dukcapil[0].pk)
    assert len(rows) == 2
    for service, figure in rows:
        row = re.search(rf'<tr data-id="{service.pk}">(.*?)</tr>', table, re.S).group(1)
        assert f'data-value="{figure.result.konversi or ""}"' in row
        assert formats.number_format(figure.adequacy.target, 0, force_grouping=True) in row


def test_elements_are_drawn_lowest_first(personas, admin_client, rsud, survey_data):
    html = page(admin_client.get(f"/dasbor/opd/{rsud[0].pk}/"))
    back_in_tulungagung(personas)
    result = selectors.agency_figure(survey_data, rsud[0]).result
    chart = html.split('class="chart chart-elements"', 1)[1].split("</svg>", 1)[0]
    drawn = re.findall(r'class="bar-row" data-code="(U\d)"', chart)
    assert drawn == [e.code for e in result.lowest_first()]
    assert drawn[:2] == ["U3", "U8"]  # U3: (2+2)/2 = 2 -> 50,00; U8: (1+3)/2 = 2 -> 50,00
    values = re.findall(r'class="bar-row" data-code="U\d" data-value="([\d.]+)"', chart)
    assert [Decimal(v) for v in values] == sorted(Decimal(v) for v in values)
    assert "<script" not in html and "cdn" not in html.lower()


def test_the_trend_has_one_column_per_month_so_far(admin_client, survey_data):
    html = page(admin_client.get("/dasbor/"))
    chart = html.split('class="chart chart-trend"', 1)[1].split("</svg>", 1)[0]
    months = re.findall(r'data-month="(2026-\d\d-01)"', chart)
    today = timezone.localdate()
    assert len(months) == (today.month if today.year == 2026 else 12)
    assert re.search(r'data-month="2026-11-01" data-value="[\d.]+"', chart)


def test_sample_adequacy_is_flagged_when_short(admin_client, survey_data):
    html = page(admin_client.get("/dasbor/", **EN))
    assert 'id="sample-short"' in html
    assert "Sample not yet sufficient" in html


def test_the_weight_policy_is_named(personas, admin_client, survey_data):
    assert "1/9 (exact)" in page(admin_client.get("/dasbor/"))
    back_in_tulungagung(personas)
    SurveySettings.objects.update_or_create(pk=1, defaults={"weight_policy": "legacy_0_11"})
    assert "0,11 (legacy_0_11)" in page(admin_client.get("/dasbor/"))


def test_every_profile_field_has_a_breakdown(personas, admin_client, survey_data):
    html = page(admin_client.get("/dasbor/"))
    for field in PROFILE_FIELDS:
        assert f'data-field="{field}"' in html
    back_in_tulungagung(personas)
    rows = breakdown(survey_data, "sex").rows
    section = html.split('data-field="sex"', 1)[1].split("</section>", 1)[0]
    for value, figure in ((row.value, row.figure) for row in rows):
        row = re.search(rf'<tr data-value="{value}">(.*?)</tr>', section, re.S).group(1)
        assert formats.number_format(figure.result.konversi, 2, use_l10n=True) in row


def test_the_period_picker_chooses_any_period(personas, admin_client, survey_data):
    back_in_tulungagung(personas)
    october = Period.objects.create(
        kind=PeriodKind.MONTH,
        year=2026,
        number=10,
        starts_on=datetime.date(2026, 10, 1),
        ends_on=datetime.date(2026, 10, 31),
    )
    html = page(admin_client.get(f"/dasbor/?periode={october.pk}"))
    assert data_value(html, "responses") == "0"
    assert f'<option value="{october.pk}" selected>' in html
    html = page(admin_client.get("/dasbor/?periode=banana"))
    assert data_value(html, "responses") == "5"


def test_without_periods_the_dashboard_says_so(admin_client, dukcapil):
    response = admin_client.get("/dasbor/", **EN)
    assert response.status_code == 200
    assert "No survey period has been set up yet" in page(response)


def test_the_front_page_links_to_results_and_dashboard(personas, admin_client, dukcapil):
    html = page(admin_client.get("/"))
    assert 'href="/hasil/"' in html and 'href="/dasbor/"' in html
    anonymous = page(host_client(TULUNGAGUNG_HOST).get("/"))
    assert 'href="/hasil/"' in anonymous and 'href="/dasbor/"' not in anonymous
    kediri = page(host_client(TULUNGAGUNG_HOST, personas.kediri_admin).get("/"))
    assert 'href="/dasbor/"' not in kediri


# ---------------------------------------------------------------- flagged responses
@pytest.fixture
def flagged(dukcapil, rsud, year_2026):
    identical = submit(dukcapil[3], ALL_FOUR, now=NOW, token="device-a", address="10.0.0.7")
    fast = submit(
        rsud[2],
        {**ALL_FOUR, "U2": 3},
        now=NOW,
        started_at=NOW - datetime.timedelta(seconds=4),
    )
    clean = submit(dukcapil[3], {**ALL_FOUR, "U1": 3}, now=NOW)
    return identical, fast, clean


def test_flagged_responses_are_listed_with_their_reason(admin_client, flagged):
    identical, fast, clean = flagged
    html = page(admin_client.get("/dasbor/respons/", **EN))
    assert f'id="response-{identical.pk}"' in html
    assert f'id="response-{fast.pk}"' in html
    assert f'id="response-{clean.pk}"' not in html
    row = html.split(f'id="response-{identical.pk}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-flag="identical"' in row and "Identical" in row
    row = html.split(f'id="response-{fast.pk}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-flag="fast"' in row and "under 10 seconds" in row


def test_the_flagged_list_never_shows_hashes(admin_client, flagged):
    identical = flagged[0]
    identical.refresh_from_db()
    html = page(admin_client.get("/dasbor/respons/"))
    assert identical.device_hash and identical.device_hash not in html
    assert identical.address_hash and identical.address_hash not in html


def test_flagged_responses_filter_by_flag_and_agency(admin_client, flagged, rsud):
    identical, fast, _clean = flagged
    html = page(admin_client.get("/dasbor/respons/?tanda=fast"))
    assert f'id="response-{fast.pk}"' in html and f'id="response-{identical.pk}"' not in html
    html = page(admin_client.get(f"/dasbor/respons/?opd={rsud[0].pk}"))
    assert f'id="response-{fast.pk}"' in html and f'id="response-{identical.pk}"' not in html


def test_excluding_needs_a_reason_then_changes_the_index_and_is_audited(
    personas, admin_client, flagged
):
    identical = flagged[0]
    url = "/dasbor/respons/"
    response = admin_client.post(
        url, {"response": identical.pk, "action": "exclude", "reason": " "}, **EN
    )
    assert response.status_code == 302
    back_in_tulungagung(personas)
    assert not Response.objects.get(pk=identical.pk).excluded
    before = selectors.regency_figure(Period.objects.get()).responses

    admin_client.post(
        url, {"response": identical.pk, "action": "exclude", "reason": "Uji coba petugas loket"}
    )
    back_in_tulungagung(personas)
    assert Response.objects.get(pk=identical.pk).excluded
    assert selectors.regency_figure(Period.objects.get()).responses == before - 1
    event = AuditEvent.objects.get(action="response.excluded", target_id=str(identical.pk))
    assert event.actor == personas.tulungagung_admin
    html = page(admin_client.get("/dasbor/respons/?status=excluded"))
    assert "Uji coba petugas loket" in html

    admin_client.post(url, {"response": identical.pk, "action": "include"})
    back_in_tulungagung(personas)
    assert not Response.objects.get(pk=identical.pk).excluded
    assert selectors.regency_figure(Period.objects.get()).responses == before


def test_held_responses_are_counted_on_every_dashboard_page_and_admitted_there(
    personas, admin_client, flagged
):
    held = submit(flagged[2].service_point, {**ALL_FOUR, "U5": 3}, now=NOW, stamped=False)
    period = Period.objects.get()
    before = selectors.regency_figure(period).responses
    for path in ("/dasbor/", "/dasbor/respons/"):
        html = page(admin_client.get(path, **EN))
        assert 'id="held-count"' in html and "1 held" in html
    html = page(admin_client.get("/dasbor/respons/?status=held", **EN))
    assert f'id="response-{held.pk}"' in html and f'id="response-{flagged[0].pk}"' not in html
    row = html.split(f'id="response-{held.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Held for moderation" in row and 'data-flag="unstamped"' in row
    admin_client.post("/dasbor/respons/", {"response": held.pk, "action": "include"})
    back_in_tulungagung(personas)
    assert selectors.regency_figure(period).responses == before + 1
    assert 'id="held-count"' not in page(admin_client.get("/dasbor/respons/", **EN))


def test_an_operator_sees_own_flags_read_only(operator, flagged, rsud):
    identical, fast, _clean = flagged
    client = host_client(TULUNGAGUNG_HOST, operator)
    html = page(client.get("/dasbor/respons/"))
    assert f'id="response-{identical.pk}"' in html
    assert f'id="response-{fast.pk}"' not in html  # RSUD's
    assert 'name="action"' not in html
    assert client.get(f"/dasbor/respons/?opd={rsud[0].pk}").status_code == 403
    response = client.post(
        "/dasbor/respons/",
        {"response": identical.pk, "action": "exclude", "reason": "bukan warga, uji coba"},
    )
    assert response.status_code == 403


def test_kediri_admin_cannot_exclude_a_tulungagung_response(personas, flagged):
    identical = flagged[0]
    client = host_client(TULUNGAGUNG_HOST, personas.kediri_admin)
    response = client.post(
        "/dasbor/respons/",
        {"response": identical.pk, "action": "exclude", "reason": "bukan warga, uji coba"},
    )
    assert response.status_code == 403
    back_in_tulungagung(personas)
    assert not Response.objects.get(pk=identical.pk).excluded


def test_kediri_dashboard_shows_none_of_tulungagung(personas, survey_data):
    client = host_client(KEDIRI_HOST, personas.kediri_admin)
    html = page(client.get("/dasbor/", **EN))
    assert "Dinas Kependudukan" not in html
    assert "No survey period has been set up yet" in html


def test_an_index_without_some_element_says_so(admin_client, dukcapil, year_2026):
    submit(dukcapil[3], {**ALL_FOUR, "U4": None}, now=NOW)  # a free service: U4 not applicable
    html = page(admin_client.get(f"/dasbor/opd/{dukcapil[0].pk}/", **EN))
    policy = html.split('id="policy"', 1)[1].split("</p>", 1)[0]
    assert "1/8 (exact)" in policy
    assert "IKM computed from 8 elements (nobody answered U4)" in policy
    assert shown(html, "kinerja") == "Very good"


def test_a_months_dashboard_still_shows_its_years_trend(personas, admin_client, survey_data):
    back_in_tulungagung(personas)
    november = Period.objects.create(
        kind=PeriodKind.MONTH,
        year=2026,
        number=11,
        starts_on=datetime.date(2026, 11, 1),
        ends_on=datetime.date(2026, 11, 30),
    )
    html = page(admin_client.get(f"/dasbor/?periode={november.pk}"))
    assert data_value(html, "responses") == "5"
    chart = html.split('class="chart chart-trend"', 1)[1].split("</svg>", 1)[0]
    assert 'data-month="2026-01-01"' in chart
    assert re.search(r'data-month="2026-11-01" data-value="[\d.]+"', chart)
