"""In real headless Chromium: a citizen's suggestion becomes a case, the regency admin
answers it and closes it, and the citizen reads the answer at /lacak/<code>."""

from pathlib import Path

import pytest
from django.db import connection

from sukma.surveys.complaints.models import Case, Status
from tests.conftest import PASSWORD
from tests.second_factor import browser_sign_in

pytestmark = pytest.mark.browser
REGENCY = "tulungagungkab"
PHONE = {"width": 360, "height": 740}
SCREENSHOTS = Path("/tmp")
SUGGESTION = "Ruang tunggu Uji KIR panas, mohon kipas angin. <b>tebal</b>"
ANSWER = "Terima kasih. Dua kipas angin sudah dipasang di ruang tunggu."
TAPS = {f"U{i}": "3" for i in range(1, 10)}


def tap(page, name: str, value: str) -> None:
    page.locator(f"label.opt:has(input[name='{name}'][value='{value}'])").click()


def test_a_citizen_reads_the_agencys_answer_to_their_suggestion(
    personas, committed_point, chromium, site
):
    phone = chromium.new_context(locale="id-ID", viewport=PHONE, has_touch=True, is_mobile=True)
    office = chromium.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    try:
        # The citizen, on a phone: the survey, a suggestion, the tracking code.
        citizen = phone.new_page()
        citizen.goto(site.url(f"/s/{committed_point.code}/", subdomain=REGENCY))
        for code, value in TAPS.items():
            tap(citizen, code, value)
        citizen.fill("textarea[name=suggestion]", SUGGESTION)
        citizen.click("button.send")
        citizen.wait_for_url("**/terima-kasih/")
        code = citizen.text_content("#tracking-code").strip()
        assert len(code) == 10
        citizen.goto(site.url(f"/lacak/{code}", subdomain=REGENCY))
        assert citizen.get_attribute("#case", "data-status") == "diterima"
        assert citizen.text_content("#case-suggestion") == SUGGESTION  # shown as text
        assert citizen.locator("#case-suggestion b").count() == 0

        # The regency admin signs in, finds the case, answers it and closes it.
        admin = office.new_page()
        login = site.url("/masuk/", subdomain=REGENCY)
        browser_sign_in(admin, login, personas.tulungagung_admin.email, PASSWORD)
        admin.wait_for_url(site.url("/", subdomain=REGENCY))
        admin.goto(site.url("/pengaduan/", subdomain=REGENCY))
        admin.click(f"#cases-table a:text-is('{code}')")
        admin.wait_for_url("**/pengaduan/*/")
        admin.fill("#note", "Koordinasi dengan bagian umum, CATATAN-INTERNAL.")
        admin.click("#note-form button")
        admin.fill("#answer", ANSWER)
        admin.click("#answer-form button")
        admin.select_option("#to", "diproses")
        admin.click("#status-form button")
        assert admin.get_attribute("#case-status", "data-status") == "diproses"
        admin.select_option("#to", "selesai")
        admin.click("#status-form button")
        assert admin.get_attribute("#case-status", "data-status") == "selesai"
        admin.screenshot(path=str(SCREENSHOTS / "complaint-case-admin.png"), full_page=True)

        # Operators answer from their phones too: the case and the inbox fit 360 px.
        admin.set_viewport_size(PHONE)
        for path in (admin.url, site.url("/pengaduan/", subdomain=REGENCY)):
            admin.goto(path)
            assert admin.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path

        # The citizen checks again: the answer, and nothing internal.
        citizen.goto(site.url("/lacak/", subdomain=REGENCY))
        citizen.fill("#kode", code.lower())
        citizen.click("#lookup button")
        citizen.wait_for_url(f"**/lacak/{code}")
        assert citizen.get_attribute("#case", "data-status") == "selesai"
        assert citizen.text_content("#case-answer") == ANSWER
        body = citizen.text_content("main")
        assert "CATATAN-INTERNAL" not in body
        assert personas.tulungagung_admin.email not in body
        assert citizen.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        citizen.screenshot(path=str(SCREENSHOTS / "complaint-tracking-360.png"), full_page=True)

        connection.set_tenant(personas.tulungagung)
        case = Case.objects.get(tracking_code=code)
        assert (case.status, case.public_answer) == (Status.DONE, ANSWER)
        assert case.forwarded_at and case.closed_at and case.notes.count() == 1
        connection.set_schema_to_public()
    finally:
        phone.close()
        office.close()
