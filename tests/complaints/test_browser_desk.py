"""In real headless Chromium, with JavaScript off: the complaint desk's search finds a case
by its code typed loosely and by a word, a filter narrows the list, and the CSV download
link gives the list the page shows."""

import csv
import io

import pytest
from django.db import connection

from sukma.surveys.complaints.models import Case
from sukma.surveys.complaints.services import case_transition
from tests.complaints.conftest import complain
from tests.conftest import PASSWORD
from tests.second_factor import browser_sign_in

pytestmark = pytest.mark.browser
REGENCY = "tulungagungkab"


def shown(page) -> set[str]:
    return set(
        page.eval_on_selector_all(
            "#cases-table tr[data-code]", "rows => rows.map(r => r.dataset.code)"
        )
    )


def test_the_desk_searches_and_filters_without_javascript(
    personas, committed_point, chromium, site
):
    regency = personas.tulungagung
    connection.set_tenant(regency)
    parking = Case.objects.get(response=complain(committed_point, "Parkir motor penuh."))
    toilet = Case.objects.get(response=complain(committed_point, "Toilet kotor.", token="t"))
    case_transition(case=toilet, acting_user=personas.tulungagung_admin, to="diproses")
    connection.set_schema_to_public()

    context = chromium.new_context(
        locale="id-ID",
        viewport={"width": 1280, "height": 900},
        java_script_enabled=False,
        accept_downloads=True,
    )
    try:
        page = context.new_page()
        browser_sign_in(
            page, site.url("/masuk/", subdomain=REGENCY), personas.tulungagung_admin.email, PASSWORD
        )
        page.goto(site.url("/pengaduan/", subdomain=REGENCY))

        # The code as a citizen reads it out over the phone: lower case, with a space.
        code = parking.tracking_code
        page.fill("#q", f"{code[:5].lower()} {code[5:].lower()}")
        page.click("#filters button[type=submit]")
        page.wait_for_url("**/pengaduan/?*q=*")
        assert shown(page) == {code}

        # A word of the citizen's text, then the agency and a status as filters.
        page.fill("#q", "toilet")
        page.click("#filters button[type=submit]")
        page.wait_for_url("**q=toilet*")
        assert toilet.tracking_code in shown(page) and code not in shown(page)
        page.fill("#q", "")
        page.select_option("#status", "diproses")
        page.click("#filters button[type=submit]")
        page.wait_for_url("**status=diproses*")
        assert toilet.tracking_code in shown(page) and code not in shown(page)
        assert page.input_value("#status") == "diproses"  # the form keeps what was chosen
        page.fill("#q", "kotor")  # and the search within the filter
        page.click("#filters button[type=submit]")
        page.wait_for_url("**q=kotor*")
        assert shown(page) == {toilet.tracking_code}

        # The download is the list on the page.
        with page.expect_download() as download:
            page.click("#export-csv")
        with open(download.value.path(), encoding="utf-8-sig") as file:
            data = file.read()
        header, *rows = csv.reader(io.StringIO(data, newline=""))
        assert header[0] == "Kode pelacakan"
        assert [row[0] for row in rows] == [toilet.tracking_code]

        # A date that does not exist: the page says so, in Indonesian, and lists nothing.
        page.goto(site.url("/pengaduan/?dari=2026-02-30", subdomain=REGENCY))
        assert "Tulis tanggal sebagai tahun-bulan-hari" in page.text_content("#filters")
        assert page.locator("#filter-errors").count() == 1 and shown(page) == set()
    finally:
        context.close()
