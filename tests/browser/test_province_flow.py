"""The province's whole onboarding of a regency, in a real browser, with a real worker."""

from pathlib import Path

import pytest

from sukma.platform.models import AgreementStatus, JobState, ProvisioningJob
from sukma.tenants.models import Regency, RegencyStatus
from tests.conftest import PASSWORD
from tests.factories import pdf_bytes
from tests.second_factor import browser_sign_in

pytestmark = pytest.mark.browser
SCREENSHOTS = Path("/tmp")


def sign_in(page, site, email: str) -> None:
    browser_sign_in(page, site.url("/masuk/"), email, PASSWORD)
    page.wait_for_url(site.url("/"))


def register_trenggalek_agreement(page, site, pdf: Path) -> None:
    page.goto(site.url("/"))
    page.click("a[href='/perjanjian/baru/'] >> nth=-1")
    page.select_option("select[name=kind]", "kabupaten")
    page.fill("input[name=region_code]", "35.03")
    page.fill("input[name=regency_name]", "Trenggalek")
    page.fill("input[name=number]", "120/0303/35/2026")
    page.fill("input[name=province_signatory_name]", "Dr. Hj. Khofifah Indar Parawansa")
    page.fill("input[name=province_signatory_office]", "Gubernur Jawa Timur")
    page.fill("input[name=regency_signatory_name]", "Mochamad Nur Arifin")
    page.fill("input[name=regency_signatory_office]", "Bupati Trenggalek")
    page.fill("textarea[name=scope]", "Replikasi SuKMa-e untuk seluruh perangkat daerah")
    page.fill("input[name=valid_from]", "2026-01-01")
    page.fill("input[name=valid_until]", "2030-12-31")
    page.set_input_files("input[name=document]", str(pdf))
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/perjanjian/*/")


def test_province_admin_onboards_trenggalek_in_the_browser(
    personas, committed, celery_worker, site, page, tmp_path
):
    pdf = tmp_path / "mou-trenggalek.pdf"
    pdf.write_bytes(pdf_bytes())

    sign_in(page, site, personas.province_admin.email)
    register_trenggalek_agreement(page, site, pdf)
    assert page.get_attribute("#agreement-status", "class") == "badge draft"

    page.fill("#signed-on", "2026-01-05")
    page.click("button[name=to][value=signed]")
    page.wait_for_selector("#agreement-status.signed")
    regency = Regency.objects.get(region_code="35.03")
    assert regency.agreements.get().status == AgreementStatus.SIGNED

    assert page.input_value("input[name=subdomain]") == "trenggalekkab"
    page.fill("input[name=admin_email]", "organisasi@trenggalekkab.go.id")
    page.click("button[name=provision]")
    page.wait_for_url("**/provisi/*/")

    # The page refreshes itself (no JavaScript) until the worker is done.
    page.locator("#regency-site").wait_for(timeout=90_000)
    assert page.get_attribute("#job-state", "data-state") == JobState.SUCCEEDED
    page.screenshot(path=str(SCREENSHOTS / "sukma-provisioned.png"), full_page=True)
    job = ProvisioningJob.objects.get(regency=regency)
    assert job.task_id
    regency.refresh_from_db()
    assert regency.status == RegencyStatus.ACTIVE

    page.click("#regency-site")
    page.wait_for_url(site.url("/", subdomain="trenggalekkab"))
    assert "Kabupaten Trenggalek" in page.text_content("h1")


def test_province_pages_fit_a_phone_screen(personas, committed, site, browser_context):
    page = browser_context.new_page()
    page.set_viewport_size({"width": 360, "height": 780})
    sign_in(page, site, personas.province_admin.email)

    regency = personas.tulungagung
    pages = {
        "dashboard": "/",
        "regencies": "/kabupaten-kota/",
        "regency": f"/kabupaten-kota/{regency.pk}/",
        "agreement": f"/perjanjian/{regency.agreements.get().pk}/",
        "audit": "/audit/",
    }
    for name, path in pages.items():
        page.goto(site.url(path))
        page.screenshot(path=str(SCREENSHOTS / f"sukma-{name}-360.png"), full_page=True)
        # Nothing wider than the screen: no sideways scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
