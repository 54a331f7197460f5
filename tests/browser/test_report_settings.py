"""The Tulungagung admin sets the laporan's coat of arms and signatory in Chromium.

From the setup navigation to the report settings page; an SVG is refused in
Indonesian and nothing is saved; a PNG is kept and shown; axe finds no WCAG A/AA fault.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.files.storage import default_storage
from django.db import connection

from sukma.surveys.reports.models import ReportSettings
from tests.browser.test_accessibility import readable
from tests.conftest import PASSWORD
from tests.reports.test_report_settings import png_bytes
from tests.second_factor import browser_sign_in

pytestmark = pytest.mark.browser
REGENCY = "tulungagungkab"


def stored(personas) -> ReportSettings | None:
    connection.set_tenant(personas.tulungagung)
    try:
        return ReportSettings.objects.filter(pk=1).first()
    finally:
        connection.set_schema_to_public()


def forget(personas) -> None:
    connection.set_tenant(personas.tulungagung)
    try:
        for settings in ReportSettings.objects.all():
            if settings.coat_of_arms:
                default_storage.delete(settings.coat_of_arms.name)
            settings.delete()
    finally:
        connection.set_schema_to_public()


def test_the_admin_sets_the_coat_of_arms_and_the_signatory(
    personas, site, browser_context, tmp_path
):
    svg = tmp_path / "lambang.svg"
    svg.write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="9"/></svg>')
    png = tmp_path / "lambang.png"
    png.write_bytes(png_bytes((160, 190)))
    page = browser_context.new_page()
    try:
        browser_sign_in(
            page, site.url("/masuk/", subdomain=REGENCY), personas.tulungagung_admin.email, PASSWORD
        )
        page.wait_for_url(site.url("/", subdomain=REGENCY))
        page.goto(site.url("/kelola/", subdomain=REGENCY))
        page.click('#section-nav a[data-nav="report_settings"]')
        page.wait_for_url(site.url("/laporan/pengaturan/", subdomain=REGENCY))
        assert "Puji syukur" in page.input_value("#id_foreword")

        page.fill("#id_signatory_name", "Drs. Bambang Sutrisno, M.Si.")
        page.set_input_files("#id_coat_of_arms", str(svg))
        page.click("#report-settings-form button[type=submit]")
        page.wait_for_load_state()
        assert "Gambar SVG tidak diterima" in page.inner_text("#report-settings-form")
        assert stored(personas) is None or not stored(personas).signatory_name

        page.fill("#id_signatory_name", "Drs. Bambang Sutrisno, M.Si.")
        page.fill("#id_signatory_nip", "19800101 200501 1 001")
        page.set_input_files("#id_coat_of_arms", str(png))
        page.click("#report-settings-form button[type=submit]")
        page.wait_for_selector("#arms-preview")
        assert page.url == site.url("/laporan/pengaturan/", subdomain=REGENCY)
        settings = stored(personas)
        assert settings.signatory_nip == "198001012005011001" and settings.coat_of_arms
        assert page.input_value("#id_signatory_nip") == "19800101 200501 1 001"

        # WCAG A and AA. axe's best-practice "region" flags the shared staff navigation's
        # sub-list (outside its <nav>) on every staff page: not this page's to change.
        wcag = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
        violations = Axe().run(page, options=wcag).response["violations"]
        assert not violations, readable(violations)
    finally:
        forget(personas)
