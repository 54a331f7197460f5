"""The list of plans: paginated, filterable by agency, period and status; bad input a clear 400.

Issue 19 measured a regency's list at 578 drafts on one page 24,000 px tall.
"""

import datetime
import re

import pytest

from sukma.surveys.followup.models import FollowUpPlan, PlanStatus
from sukma.surveys.followup.selectors import PLANS_PER_PAGE
from sukma.surveys.models import Agency, Period, PeriodKind
from tests.conftest import TULUNGAGUNG_HOST, host_client


def client(user, language="id"):
    return host_client(TULUNGAGUNG_HOST, user, HTTP_ACCEPT_LANGUAGE=language)


@pytest.fixture
def many(in_tulungagung):
    """Three months of 2025, 24 agencies, a plan for each: 72 plans, every tenth approved."""
    periods = [
        Period.objects.create(
            kind=PeriodKind.MONTH,
            year=2025,
            number=month,
            starts_on=datetime.date(2025, month, 1),
            ends_on=datetime.date(2025, month, 28),
            locked=True,
        )
        for month in (1, 2, 3)
    ]
    agencies = [
        Agency.objects.create(name=f"Dinas Uji {n:02d}", short_name=f"DU{n}", kind="dinas")
        for n in range(24)
    ]
    plans = []
    for period in periods:
        for agency in agencies:
            plans.append(FollowUpPlan(agency=agency, period=period))
    for n, plan in enumerate(plans):
        if n % 10 == 0:
            plan.status = PlanStatus.APPROVED
    FollowUpPlan.objects.bulk_create(plans)
    return periods, agencies


def rows(html: str) -> list[str]:
    return re.findall(r'<tr id="plan-(\d+)"', html)


def test_the_list_is_paginated(many, personas):
    admin = client(personas.tulungagung_admin)
    first = admin.get("/rtl/")
    assert first.status_code == 200
    html = first.content.decode()
    assert len(rows(html)) == PLANS_PER_PAGE < 72
    assert "?halaman=2" in html
    last_page = -(-72 // PLANS_PER_PAGE)
    last = admin.get(f"/rtl/?halaman={last_page}").content.decode()
    assert len(rows(last)) == 72 - PLANS_PER_PAGE * (last_page - 1)
    seen = set()
    for number in range(1, last_page + 1):
        seen |= set(rows(admin.get(f"/rtl/?halaman={number}").content.decode()))
    assert len(seen) == 72


def test_filters_by_agency_period_and_status_and_pages_keep_them(many, personas):
    periods, agencies = many
    admin = client(personas.tulungagung_admin)
    one = admin.get(f"/rtl/?opd={agencies[3].pk}").content.decode()
    assert len(rows(one)) == 3
    march = admin.get(f"/rtl/?periode={periods[2].pk}").content.decode()
    assert len(rows(march)) == min(24, PLANS_PER_PAGE)
    drafts = admin.get("/rtl/?status=draft").content.decode()
    pager = drafts.split('id="pages"')[1]
    assert "status=draft&amp;halaman=2" in pager
    approved = admin.get("/rtl/?status=approved").content.decode()
    expected = FollowUpPlan.objects.filter(status=PlanStatus.APPROVED).count()
    assert len(rows(approved)) == expected and 'data-status="draft"' not in approved
    both = admin.get(f"/rtl/?opd={agencies[0].pk}&periode={periods[0].pk}").content.decode()
    assert len(rows(both)) == 1


@pytest.mark.parametrize(
    "query",
    [
        "halaman=abc",
        "halaman=0",
        "halaman=-1",
        "halaman=999",
        "halaman=99999999999999999999999",
        "periode=abc",
        "periode=999999",
        "periode=99999999999999999999999",
        "opd=-1",
        "opd=%00",
        "status=bogus",
        "status=draft&status=approved&opd=abc",
    ],
)
def test_a_bad_parameter_gives_a_clear_page_not_a_500(many, personas, query):
    answer = client(personas.tulungagung_admin).get(f"/rtl/?{query}")
    assert answer.status_code == 400
    html = answer.content.decode()
    assert 'id="filter-errors"' in html and "<form" in html
    assert rows(html) == []


def test_an_operator_sees_only_their_agencys_plans(many, personas, operator_of):
    _periods, agencies = many
    operator = client(operator_of(agencies[5]))
    html = operator.get("/rtl/").content.decode()
    mine = set(
        str(pk)
        for pk in FollowUpPlan.objects.filter(agency=agencies[5]).values_list("pk", flat=True)
    )
    assert set(rows(html)) == mine
    assert agencies[6].name not in html
    other = operator.get(f"/rtl/?opd={agencies[6].pk}")
    assert other.status_code == 400 and rows(other.content.decode()) == []


def test_the_page_says_which_plans_it_shows_in_indonesian(many, personas):
    html = client(personas.tulungagung_admin).get("/rtl/").content.decode()
    assert f"1–{PLANS_PER_PAGE} dari 72 rencana" in html
