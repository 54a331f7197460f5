"""The public results in Chromium, at the demo's volume: a citizen's phone, both languages.

The province's page holds 38 regencies and more agencies than the demo seeds
(tests/platform/province_volume.py); a regency's page holds agencies with
services and responses. On a 360 x 740 phone the province's page must be shorter
than ten screens before anything is opened, every public page must leave axe-core
nothing to report (found and not-found searches, an opened agency included), the
home pages must link the results, and the province's figures read with a decimal
comma in Indonesian.
"""

import datetime
import secrets
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connection
from django.utils import timezone

from sukma.surveys.models import Agency, Period, PeriodKind, Service, ServicePoint
from tests.browser.test_accessibility import readable
from tests.cleanup import remove_agency
from tests.platform.province_volume import (
    province_volume_seed,
    standards_restore,
    standards_snapshot,
)
from tests.surveys.conftest import submit

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}
REGENCY = "tulungagungkab"
AXE = Axe()
SCREENSHOTS = Path("/tmp")


@pytest.fixture
def province_volume(committed):
    before = standards_snapshot()
    made = province_volume_seed()
    yield made
    standards_restore(before)


@pytest.fixture
def regency_results(personas, committed):
    """An agency with two answered services in Tulungagung's open year, committed."""
    regency = personas.tulungagung
    connection.set_tenant(regency)
    today = timezone.localdate()
    year, created = Period.objects.get_or_create(
        kind=PeriodKind.YEAR,
        year=today.year,
        number=1,
        defaults={
            "starts_on": datetime.date(today.year, 1, 1),
            "ends_on": datetime.date(today.year, 12, 31),
        },
    )
    suffix = secrets.token_hex(2).upper()
    agency = Agency.objects.create(
        name=f"Rumah Sakit Umum Daerah {suffix}", short_name="RSUD", kind="rsud"
    )
    clinic = Service.objects.create(agency=agency, name="Rawat jalan", annual_users=900)
    Service.objects.create(agency=agency, name="Instalasi gawat darurat", annual_users=300)
    point = ServicePoint.objects.create(
        agency=agency, name="Poli", code=f"PR{suffix}X", default_service=clinic
    )
    for score in (4, 3, 3, 2):
        submit(point, {f"U{i}": score for i in range(1, 10)}, day=today)
    connection.set_schema_to_public()
    yield agency
    remove_agency(regency, agency.pk)
    if created:
        connection.set_tenant(regency)
        year.delete()
        connection.set_schema_to_public()


def phone(chromium, language: str):
    context = chromium.new_context(locale="id-ID", viewport=PHONE)
    for host in ("localhost", f"{REGENCY}.localhost"):
        context.add_cookies(
            [{"name": "django_language", "value": language, "domain": host, "path": "/"}]
        )
    return context


def axe_findings(page) -> list[dict]:
    return AXE.run(page).response["violations"]


def test_the_province_page_is_under_ten_phone_screens_before_anything_is_opened(
    province_volume, chromium, site
):
    assert province_volume["regencies"] >= 38 and province_volume["agencies"] >= 600
    context = phone(chromium, "id")
    try:
        page = context.new_page()
        assert page.goto(site.url("/hasil/")).status == 200
        assert page.locator("details[open]").count() == 0
        height = page.evaluate("document.documentElement.scrollHeight")
        screens = height / PHONE["height"]
        print(f"province results at 360x740: {height} px, {screens:.1f} screens")
        page.screenshot(path=str(SCREENSHOTS / "sukma-province-results-360.png"), full_page=True)
        assert screens < 10, f"{height} px is {screens:.1f} phone screens"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # Every regency is on the first view, with its figure in Indonesian style.
        assert page.locator("#regencies .regency-row").count() >= 38
        first = page.locator("#regencies .regency-row .score").first.text_content()
        assert "," in first and "." not in first, first
    finally:
        context.close()


@pytest.mark.parametrize("language", ["id", "en"])
def test_axe_finds_nothing_on_the_public_results_at_volume(
    language, province_volume, regency_results, chromium, site
):
    context = phone(chromium, language)
    findings: dict[str, list[dict]] = {}
    try:
        page = context.new_page()

        def visit(name: str, url: str) -> None:
            assert page.goto(url).status == 200, name
            assert page.locator("html").get_attribute("lang") == language
            found = axe_findings(page)
            if found:
                findings[name] = found

        visit("province results", site.url("/hasil/"))
        page.locator("details.kind-group summary").first.click()
        findings.update({"province, a kind opened": f} if (f := axe_findings(page)) else {})
        visit("province search", site.url("/hasil/?q=kependudukan"))
        visit("province search: nothing", site.url("/hasil/?q=zzzz-tidak-ada"))
        visit("regency results", site.url("/hasil/", subdomain=REGENCY))
        page.locator(f"details[data-agency='{regency_results.pk}'] summary").first.click()
        findings.update({"regency, an agency opened": f} if (f := axe_findings(page)) else {})
        visit("regency search", site.url("/hasil/?q=rawat", subdomain=REGENCY))
        visit("regency search: nothing", site.url("/hasil/?q=zzzz", subdomain=REGENCY))
        visit("province home", site.url("/"))
        visit("regency home", site.url("/", subdomain=REGENCY))
    finally:
        context.close()
    assert not findings, f"axe, {language}:\n" + "\n".join(
        f"{name}:\n{readable(found)}" for name, found in findings.items()
    )


def test_a_citizen_finds_the_results_from_either_home_page_and_searches_them(
    province_volume, regency_results, chromium, site
):
    context = phone(chromium, "id")
    try:
        page = context.new_page()
        page.goto(site.url("/"))
        page.click("#link-results")
        page.wait_for_url("**/hasil/")
        page.fill("#q", "Kependudukan")
        page.click("#search button")
        page.wait_for_url("**/hasil/?q=Kependudukan*")
        assert page.locator(".search-result-agency").count() >= 38
        page.fill("#q", "Akta Kelahiran")
        page.click("#search button")
        page.wait_for_url("**q=Akta+Kelahiran*")
        assert page.locator(".search-result-service").count() >= 38
        page.fill("#q", "tidak ada yang begini")
        page.click("#search button")
        page.wait_for_url("**q=tidak*")
        assert page.locator("#nothing-found").is_visible()

        page.goto(site.url("/", subdomain=REGENCY))
        page.click("#link-results")
        page.wait_for_url("**/hasil/")
        page.fill("#q", "gawat darurat")
        page.click("#search button")
        page.wait_for_url("**q=gawat*")
        agency = page.locator(f"details[data-agency='{regency_results.pk}']").first
        assert agency.get_attribute("open") is not None  # a match is shown opened
        assert "Instalasi gawat darurat" in agency.text_content()
        assert "Rawat jalan" not in agency.text_content()
        page.fill("#q", "<script>alert(1)</script>")
        page.click("#search button")
        assert page.locator("#nothing-found").is_visible()
    finally:
        context.close()
