"""An agency fills in two elements of its follow-up plan in Chromium and saves once: both kept.

Issue 19 measured that with items 1 and 2 filled in, saving item 1 erased
item 2. Then two people edit the same plan: the second is told, in
Indonesian, that the plan changed, and what they typed is still on the page.
"""

import datetime
import secrets

import pytest
from django.db import connection

from sukma.surveys.followup.models import FollowUpItem, FollowUpPlan
from sukma.surveys.models import Agency, Period, PeriodKind
from tests.conftest import PASSWORD
from tests.second_factor import browser_sign_in

pytestmark = pytest.mark.browser
REGENCY = "tulungagungkab"
CODES = ["U8", "U3", "U2", "U1", "U4", "U5", "U6", "U7", "U9"]


@pytest.fixture
def draft(personas, committed):
    """A locked month of 2019 and Dukcapil's draft plan for it, committed for the server."""
    connection.set_tenant(personas.tulungagung)
    period = Period.objects.create(
        kind=PeriodKind.MONTH,
        year=2019,
        number=3,
        starts_on=datetime.date(2019, 3, 1),
        ends_on=datetime.date(2019, 3, 31),
        locked=True,
    )
    agency = Agency.objects.create(
        name=f"Dinas Kependudukan {secrets.token_hex(2)}", short_name="Dukcapil", kind="dinas"
    )
    plan = FollowUpPlan.objects.create(agency=agency, period=period, responses=3)
    for position, code in enumerate(CODES, start=1):
        FollowUpItem.objects.create(plan=plan, element_code=code, position=position)
    connection.set_schema_to_public()
    yield plan
    connection.set_tenant(personas.tulungagung)
    FollowUpPlan.objects.filter(pk=plan.pk).delete()
    period.delete()
    agency.delete()
    connection.set_schema_to_public()


def sign_in(page, site, email):
    browser_sign_in(page, site.url("/masuk/", subdomain=REGENCY), email, PASSWORD)
    page.wait_for_url(site.url("/", subdomain=REGENCY))


def items(personas, plan) -> dict[str, FollowUpItem]:
    connection.set_tenant(personas.tulungagung)
    try:
        return {i.element_code: i for i in FollowUpItem.objects.filter(plan=plan)}
    finally:
        connection.set_schema_to_public()


def fill(page, item, action, deadline, responsible):
    prefix = f"i{item.pk}"
    page.check(f'[name="{prefix}-acts_on"]')
    page.fill(f'[name="{prefix}-planned_action"]', action)
    page.fill(f'[name="{prefix}-deadline"]', deadline)
    page.fill(f'[name="{prefix}-responsible"]', responsible)


def test_filling_two_elements_and_saving_keeps_both(personas, draft, site, browser_context):
    page = browser_context.new_page()
    sign_in(page, site, personas.tulungagung_admin.email)
    page.goto(site.url(f"/rtl/{draft.pk}/", subdomain=REGENCY))
    before = items(personas, draft)
    fill(page, before["U8"], "Tambah petugas loket", "2019-09-30", "Kabid Pelayanan")
    fill(page, before["U3"], "Standar waktu dipasang", "2019-10-31", "Sekretaris Dinas")
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan", exact=True).first.click()

    after = items(personas, draft)
    assert after["U8"].planned_action == "Tambah petugas loket"
    assert after["U3"].planned_action == "Standar waktu dipasang"
    assert after["U3"].deadline == datetime.date(2019, 10, 31) and after["U3"].acts_on
    page.reload()
    assert page.input_value(f'[name="i{after["U3"].pk}-responsible"]') == "Sekretaris Dinas"


def test_the_second_of_two_editors_is_told_and_keeps_what_they_typed(
    personas, draft, site, browser_context, chromium
):
    first = browser_context.new_page()
    sign_in(first, site, personas.tulungagung_admin.email)
    other_context = chromium.new_context(locale="id-ID")
    other_context.set_default_timeout(15_000)
    second = other_context.new_page()
    sign_in(second, site, personas.tulungagung_admin.email)
    url = site.url(f"/rtl/{draft.pk}/", subdomain=REGENCY)
    first.goto(url)
    second.goto(url)
    stored = items(personas, draft)

    fill(first, stored["U8"], "Tambah petugas loket", "2019-09-30", "Kabid Pelayanan")
    with first.expect_navigation():
        first.get_by_role("button", name="Simpan", exact=True).first.click()

    fill(second, stored["U3"], "Standar waktu dipasang", "2019-10-31", "Sekretaris Dinas")
    with second.expect_navigation():
        second.get_by_role("button", name="Simpan", exact=True).first.click()
    assert "Rencana ini sudah diubah orang lain sejak Anda membukanya" in second.content()
    assert second.input_value(f'[name="i{stored["U3"].pk}-planned_action"]') == (
        "Standar waktu dipasang"
    )
    assert items(personas, draft)["U8"].planned_action == "Tambah petugas loket"

    with second.expect_navigation():  # saving again, having seen the other change, keeps both
        second.get_by_role("button", name="Simpan", exact=True).first.click()
    after = items(personas, draft)
    assert after["U3"].planned_action == "Standar waktu dipasang"
    assert after["U8"].planned_action == "Tambah petugas loket"
    other_context.close()
