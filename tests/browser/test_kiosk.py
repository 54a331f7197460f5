"""A counter's tablet in a real browser: paired by the admin's code, then citizens one after
another; and an operator entering a respondent's answers with assisted entry."""

import secrets

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connection

from sukma.surveys.citizen import kiosk as kiosk_views
from sukma.surveys.models import (
    Agency,
    Channel,
    Response,
    Service,
    ServicePoint,
)
from tests.cleanup import remove_agency
from tests.conftest import PASSWORD
from tests.second_factor import browser_sign_in

pytestmark = pytest.mark.browser
REGENCY = "tulungagungkab"
TABLET = {"width": 800, "height": 1280}
AXE = Axe()


def assert_accessible(page, name: str) -> None:
    """axe-core finds nothing on the page as it stands (every rule it has)."""
    violations = AXE.run(page).response["violations"]
    assert not violations, (name, [(v["id"], v["nodes"][0]["target"]) for v in violations])


@pytest.fixture
def counter(personas, committed):
    """An agency with a counter in Tulungagung, committed for the server; removed afterwards."""
    regency = personas.tulungagung
    connection.set_tenant(regency)
    suffix = secrets.token_hex(3).upper()
    agency = Agency.objects.create(
        name=f"Dinas Kependudukan dan Pencatatan Sipil {suffix}",
        short_name="Dukcapil",
        kind="dinas",
    )
    ktp = Service.objects.create(agency=agency, name="Perekaman KTP-el", annual_users=12000)
    point = ServicePoint.objects.create(
        agency=agency, name=f"Loket Kios {suffix}", code=f"KS{suffix}", default_service=ktp
    )
    connection.set_schema_to_public()
    yield point
    remove_agency(regency, agency.pk)  # its kiosks too; pairing codes go with the counter


def sign_in(page, site, email: str) -> None:
    browser_sign_in(page, site.url("/masuk/", subdomain=REGENCY), email, PASSWORD)
    page.wait_for_url(site.url("/", subdomain=REGENCY))


def answer(page, first: str) -> None:
    """Tap U1 as given and 4 ("very good") for the other eight."""
    for n in range(1, 10):
        value = first if n == 1 else "4"
        page.locator(f"label.opt:has(input[name='U{n}'][value='{value}'])").click()


def stored(regency, point) -> list[Response]:
    connection.set_tenant(regency)
    try:
        return list(Response.objects.filter(service_point=point).order_by("pk"))
    finally:
        connection.set_schema_to_public()


def test_a_tablet_is_paired_and_serves_three_citizens_in_a_row(
    personas, counter, site, page, chromium, monkeypatch
):
    monkeypatch.setattr(kiosk_views, "WELCOME_AFTER", 1)  # the server runs in this process
    # The admin, at a desk, makes a pairing code.
    sign_in(page, site, personas.tulungagung_admin.email)
    page.click("#link-kiosks")
    page.select_option("select[name=service_point]", str(counter.pk))
    page.fill("input[name=name]", "Tablet Loket Kios")
    page.click("text=Buat kode pemasangan")
    code = page.locator("#pairing-code").inner_text().strip()
    assert len(code) == 8 and page.locator("img[src^='data:image/svg+xml']").is_visible()

    # The tablet, another browser with no one signed in, enters it.
    tablet_context = chromium.new_context(locale="id-ID", viewport=TABLET, has_touch=True)
    tablet_context.set_default_timeout(15_000)
    try:
        tablet = tablet_context.new_page()
        tablet.goto(site.url("/kiosk/pasang/", subdomain=REGENCY))
        assert_accessible(tablet, "pairing")
        tablet.fill("input[name=kode]", code.lower())
        tablet.click("button.send")
        tablet.wait_for_url(site.url("/kiosk/", subdomain=REGENCY))
        for first in ("2", "3", "4"):
            if first == "2":
                assert_accessible(tablet, "welcome")
            assert tablet.locator("#welcome h1").is_visible()
            assert not tablet.locator("#survey").is_visible()
            tablet.click("#start")
            assert tablet.locator("#survey").is_visible()
            assert tablet.locator("svg.face").first.is_visible()
            if first == "2":
                assert_accessible(tablet, "form")
            answer(tablet, first)
            tablet.click("button.send")
            tablet.wait_for_url("**/kiosk/terima-kasih/")
            assert tablet.locator("#thanks").is_visible()
            if first == "2":
                assert_accessible(tablet, "thanks")
            if first == "4":  # a citizen who wants more time stops the timer, then taps Done
                tablet.click("#stay")
                tablet.wait_for_timeout(2000)
                assert tablet.locator("#thanks").is_visible()
                tablet.click("#next")
            tablet.wait_for_url(site.url("/kiosk/", subdomain=REGENCY))  # back by itself
        assert tablet.locator("#welcome h1").is_visible()
    finally:
        tablet_context.close()

    responses = stored(personas.tulungagung, counter)
    assert [r.u1 for r in responses] == [2, 3, 4]
    assert {r.channel for r in responses} == {Channel.KIOSK}
    assert len({r.kiosk_id for r in responses}) == 1 and responses[0].kiosk_id is not None

    # The admin sees the tablet in the list, last seen just now.
    page.click("nav >> text=Tablet kios")
    assert page.locator("#kiosks >> text=Tablet Loket Kios").is_visible()


def test_an_admin_enters_a_respondents_answers_with_assisted_entry(personas, counter, site, page):
    sign_in(page, site, personas.tulungagung_admin.email)
    page.click("#link-assisted")
    page.click(f"a[href='/kelola/bantuan/{counter.code}/']")
    assert page.locator("#assisted-banner").is_visible()
    assert_accessible(page, "assisted form")
    answer(page, "3")
    page.fill("textarea[name=suggestion]", "Mohon disediakan kursi roda")
    page.click("button.send")
    page.wait_for_url(f"**/kelola/bantuan/{counter.code}/tersimpan/?jawaban=*")
    code = page.locator("#tracking-code").inner_text().strip()
    (response,) = stored(personas.tulungagung, counter)
    assert response.channel == Channel.ASSISTED
    assert response.entered_by == personas.tulungagung_admin.pk
    assert response.tracking_code == code and response.u1 == 3
    page.click("#next")
    assert page.locator("#assisted-banner").is_visible()
