"""The Tulungagung admin reads the regency's dashboard in a real browser, desktop and phone."""

import datetime
import secrets
from pathlib import Path

import pytest
from django.db import connection
from django.utils import formats, timezone, translation

from sukma.surveys import selectors
from sukma.surveys.citizen.submission import Submission, response_submit
from sukma.surveys.models import (
    Agency,
    DailyProfileTotals,
    DailyServiceTotals,
    MonthlyServiceTotals,
    Period,
    PeriodKind,
    Questionnaire,
    Response,
    Service,
    ServicePoint,
)
from tests.conftest import PASSWORD
from tests.second_factor import browser_sign_in

pytestmark = pytest.mark.browser
SCREENSHOTS = Path("/tmp")
PHONE = {"width": 360, "height": 780}
REGENCY = "tulungagungkab"

# (agency, service, answers U1..U9 as a string, profile, days ago)
ANSWERS = [
    ("dukcapil", "ktp", "444344443", {"sex": "L", "age_band": "26-35", "education": "SMA"}, 0),
    ("dukcapil", "ktp", "343334332", {"sex": "P", "age_band": "36-45", "education": "D4-S1"}, 1),
    ("dukcapil", "kk", "4434 4434", {"sex": "P", "age_band": "17-25", "occupation": "PELAJAR"}, 2),
    ("dukcapil", "kk", "333233332", {"sex": "L", "service_session": "pagi"}, 25),
    ("rsud", "poli", "432344442", {"sex": "P", "disability": "tidak"}, 0),
    ("rsud", "poli", "322233321", {"sex": "L", "disability": "fisik"}, 3),
    ("rsud", "poli", "443344443", {"sex": "P", "education": "S2"}, 27),
    ("rsud", "poli", "333333333", {}, 1),  # all identical: flagged
]


@pytest.fixture
def regency_with_responses(personas, committed):
    """Two agencies with services, counters and a few responses, committed in Tulungagung."""
    regency = personas.tulungagung
    connection.set_tenant(regency)
    suffix = secrets.token_hex(2).upper()
    today = timezone.localdate()
    year, created_year = Period.objects.get_or_create(
        kind=PeriodKind.YEAR,
        year=today.year,
        number=1,
        defaults={
            "starts_on": datetime.date(today.year, 1, 1),
            "ends_on": datetime.date(today.year, 12, 31),
        },
    )
    dukcapil = Agency.objects.create(
        name=f"Dinas Kependudukan dan Pencatatan Sipil {suffix}",
        short_name="Dukcapil",
        kind="dinas",
    )
    rsud = Agency.objects.create(name=f"RSUD dr. Iskak {suffix}", short_name="RSUD", kind="rsud")
    services = {
        "ktp": Service.objects.create(agency=dukcapil, name="Perekaman KTP-el", annual_users=12000),
        "kk": Service.objects.create(agency=dukcapil, name="Kartu Keluarga", annual_users=6000),
        "poli": Service.objects.create(agency=rsud, name="Rawat jalan", annual_users=50000),
    }
    points = {
        "dukcapil": ServicePoint.objects.create(
            agency=dukcapil, name="Loket 1", code=f"DB{suffix}", default_service=services["ktp"]
        ),
        "rsud": ServicePoint.objects.create(
            agency=rsud, name="Poli Umum", code=f"RB{suffix}", default_service=services["poli"]
        ),
    }
    version = Questionnaire.objects.get(is_current=True).version
    for agency, service, digits, profile, days_ago in ANSWERS:
        response_submit(
            Submission(
                service_point_code=points[agency].code,
                service_id=services[service].pk,
                answers={
                    f"U{i}": None if d == " " else int(d) for i, d in enumerate(digits, start=1)
                },
                questionnaire_version=version,
                profile=profile,
                service_date=today - datetime.timedelta(days=days_ago),
            )
        )
    connection.set_schema_to_public()
    yield year
    connection.set_tenant(regency)
    made = Service.objects.filter(agency__in=[dukcapil, rsud])
    Response.objects.filter(service__in=made).delete()
    for model in (DailyServiceTotals, MonthlyServiceTotals, DailyProfileTotals):
        model.objects.filter(service__in=made).delete()
    ServicePoint.objects.filter(agency__in=[dukcapil, rsud]).delete()
    made.delete()
    Agency.objects.filter(pk__in=[dukcapil.pk, rsud.pk]).delete()
    if created_year:
        year.delete()
    connection.set_schema_to_public()


def sign_in(page, site, email: str) -> None:
    browser_sign_in(page, site.url("/masuk/", subdomain=REGENCY), email, PASSWORD)
    page.wait_for_url(site.url("/", subdomain=REGENCY))


def expected_figure(personas, period):
    connection.set_tenant(personas.tulungagung)
    try:
        return selectors.regency_figure(period)
    finally:
        connection.set_schema_to_public()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_tulungagung_admin_reads_the_dashboard(
    personas, regency_with_responses, site, browser_context
):
    page = browser_context.new_page()
    sign_in(page, site, personas.tulungagung_admin.email)
    page.click("#link-dashboard")
    page.wait_for_url(site.url("/dasbor/", subdomain=REGENCY))

    figure = expected_figure(personas, regency_with_responses)
    with translation.override("id"):
        konversi = formats.number_format(figure.result.konversi, 2, use_l10n=True)
    assert figure.responses == len(ANSWERS)
    assert page.locator(".subnav a[aria-current=page]").text_content().strip()
    assert page.text_content("#ikm-konversi").strip() == konversi
    assert "," in konversi
    assert page.text_content("#mutu").strip() == str(figure.result.mutu)
    assert page.text_content("#kinerja").strip() == figure.result.mutu.kinerja
    assert page.text_content("#responses").strip() == str(len(ANSWERS))
    assert page.locator("#sample-short").is_visible()  # 8 responses: far short of the target
    assert page.locator(".chart-elements .bar-row").count() == 9
    assert page.locator(".chart-trend rect").count() >= 1
    assert page.locator("#agency-table tbody tr").count() >= 2
    page.screenshot(path=str(SCREENSHOTS / "sukma-dashboard-desktop.png"), full_page=True)

    # Into an agency, then its numbers open up.
    page.click("#agency-table a:has-text('RSUD dr. Iskak')")
    page.wait_for_url("**/dasbor/opd/*/?periode=*")
    assert page.locator("#service-table tbody tr").count() == 1
    page.click("#elements summary")
    assert page.locator("#element-table tbody tr").count() == 9
    page.screenshot(path=str(SCREENSHOTS / "sukma-dashboard-agency.png"), full_page=True)

    # The identical response is flagged; the admin excludes it with a reason.
    page.click(".subnav a[href='/dasbor/respons/']")
    row = page.locator("#flagged-table tbody tr", has=page.locator("[data-flag=identical]"))
    assert row.count() == 1
    page.screenshot(path=str(SCREENSHOTS / "sukma-flagged-desktop.png"), full_page=True)
    row.locator("textarea[name=reason]").fill("Uji coba petugas loket, bukan warga")
    row.locator("button[value=exclude]").click()
    page.wait_for_selector(".messages li.success")
    assert page.locator("#flagged-table .status-excluded").count() == 1
    after = expected_figure(personas, regency_with_responses)
    assert after.responses == figure.responses - 1
    page.goto(site.url("/dasbor/", subdomain=REGENCY))
    assert page.text_content("#responses").strip() == str(after.responses)


def test_the_dashboard_and_results_fit_a_phone(
    personas, regency_with_responses, site, browser_context
):
    page = browser_context.new_page()
    page.set_viewport_size(PHONE)
    sign_in(page, site, personas.tulungagung_admin.email)
    page.goto(site.url("/dasbor/", subdomain=REGENCY))
    assert page.locator("#ikm-konversi").is_visible()
    assert no_sideways_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "sukma-dashboard-360.png"), full_page=True)

    page.goto(site.url("/dasbor/respons/", subdomain=REGENCY))
    assert no_sideways_scroll(page)

    anonymous = browser_context.browser.new_context(locale="id-ID", viewport=PHONE)
    try:
        public = anonymous.new_page()
        public.goto(site.url("/hasil/", subdomain=REGENCY))
        assert public.locator(".agency-result").count() >= 2
        assert no_sideways_scroll(public)
        public.screenshot(path=str(SCREENSHOTS / "sukma-results-360.png"), full_page=True)
    finally:
        anonymous.close()
