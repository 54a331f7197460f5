"""Drafts exist only for locked periods that need one.

SKM: after each survey period (at least yearly, PermenPANRB 14/2017 Pasal 1)
the agency lists its lowest elements with what it will do. Months, quarters
and semesters are recaps of that survey: locking one drafts nothing by
itself, though an agency may start a plan for one. Issue 19 measured 578
drafts in one regency, one per agency for each of 2025's 19 periods; the
migration removes the ones nobody wrote in and keeps every other.
"""

import datetime
import importlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from sukma.surveys.followup import selectors
from sukma.surveys.followup import services as rtl
from sukma.surveys.followup.models import FollowUpItem, FollowUpPlan, PlanStatus
from sukma.surveys.models import Period, PeriodKind
from sukma.surveys.structure import services as structure
from tests.conftest import TULUNGAGUNG_HOST, host_client
from tests.followup.conftest import MARCH_2025, UNEVEN, lock, submit

BEFORE, AFTER = ("followup", "0001_initial"), ("followup", "0002_needless_drafts")


@pytest.fixture
def year_2025(answered_march, personas):
    return structure.period_create(
        acting_user=personas.tulungagung_admin, kind="year", year=2025, number=1
    )


def test_locking_the_year_drafts_a_plan_for_each_agency_with_answers(
    year_2025, dukcapil, dinkes, personas
):
    lock(year_2025, personas.tulungagung_admin, today=datetime.date(2026, 1, 2))
    plans = FollowUpPlan.objects.filter(period=year_2025)
    assert list(plans.values_list("agency_id", flat=True)) == [dukcapil[0].pk]
    plan = selectors.plan_for(dukcapil[0], year_2025)
    assert [i.element_code for i in plan.items.all()][:3] == ["U8", "U3", "U2"]


def test_locking_a_month_quarter_or_semester_drafts_nothing(answered_march, personas):
    admin = personas.tulungagung_admin
    lock(answered_march, admin)
    for kind, number in (("quarter", 1), ("semester", 1)):
        lock(structure.period_create(acting_user=admin, kind=kind, year=2025, number=number), admin)
    assert not FollowUpPlan.objects.exists()


def test_an_agency_may_start_a_plan_for_a_locked_recap(
    answered_march, dukcapil, personas, operator_of
):
    lock(answered_march, personas.tulungagung_admin)
    operator = operator_of(dukcapil[0])
    plan, created = rtl.plan_start(acting_user=operator, agency=dukcapil[0], period=answered_march)
    assert created and plan.items.count() == 9 and plan.status == PlanStatus.DRAFT
    again, created = rtl.plan_start(acting_user=operator, agency=dukcapil[0], period=answered_march)
    assert again.pk == plan.pk and not created


def test_no_plan_is_started_where_nothing_needs_one(
    answered_march, dukcapil, dinkes, personas, operator_of
):
    admin = personas.tulungagung_admin
    with pytest.raises(ValidationError):  # not locked yet
        rtl.plan_start(acting_user=admin, agency=dukcapil[0], period=answered_march)
    lock(answered_march, admin)
    with pytest.raises(ValidationError):  # no answers to follow up
        rtl.plan_start(acting_user=admin, agency=dinkes[0], period=answered_march)
    stranger = operator_of(dinkes[0], email="operator@dinkes.tulungagungkab.go.id")
    with pytest.raises(PermissionDenied):
        rtl.plan_start(acting_user=stranger, agency=dukcapil[0], period=answered_march)
    assert not FollowUpPlan.objects.exists()


def test_the_list_page_starts_a_plan_and_refuses_nonsense(
    answered_march, dukcapil, personas, operator_of
):
    lock(answered_march, personas.tulungagung_admin)
    operator = host_client(TULUNGAGUNG_HOST, operator_of(dukcapil[0]), HTTP_ACCEPT_LANGUAGE="id")
    page = operator.get("/rtl/").content.decode()
    assert 'id="start-plan"' in page
    for bad in ({"opd": "abc", "periode": answered_march.pk}, {"opd": dukcapil[0].pk}, {}):
        answer = operator.post("/rtl/mulai/", bad)
        assert answer.status_code == 400
    connection.set_tenant(personas.tulungagung)
    assert not FollowUpPlan.objects.exists()
    made = operator.post("/rtl/mulai/", {"opd": dukcapil[0].pk, "periode": answered_march.pk})
    connection.set_tenant(personas.tulungagung)
    plan = FollowUpPlan.objects.get()
    assert made.status_code == 302 and made["Location"].endswith(f"/rtl/{plan.pk}/")


def test_relocking_a_recap_keeps_its_started_plan_up_to_date(answered_march, dukcapil, personas):
    admin = personas.tulungagung_admin
    lock(answered_march, admin)
    plan, _created = rtl.plan_start(acting_user=admin, agency=dukcapil[0], period=answered_march)
    structure.period_unlock(acting_user=personas.province_admin, period=answered_march, reason="x")
    submit(dukcapil[3], {**UNEVEN, "U8": 4}, day=datetime.date(2025, 3, 9), now=MARCH_2025)
    lock(answered_march, admin)
    assert FollowUpPlan.objects.get(pk=plan.pk).responses == 4


# ---------------------------------------------------------------- the migration
def _plan(apps, agency, period, status="draft", **item):
    Plan = apps.get_model("followup", "FollowUpPlan")
    Item = apps.get_model("followup", "FollowUpItem")
    plan = Plan.objects.create(agency_id=agency.pk, period_id=period.pk, status=status, responses=3)
    for position, code in enumerate(("U8", "U3"), start=1):
        Item.objects.create(
            plan=plan, element_code=code, position=position, **(item if code == "U3" else {})
        )
    return plan.pk


def _period(kind, number, locked=True):
    months = {"month": (3, 3), "quarter": (1, 3), "semester": (1, 6), "year": (1, 12)}[kind]
    return Period.objects.create(
        kind=kind,
        year=2024,
        number=number,
        starts_on=datetime.date(2024, months[0], 1),
        ends_on=datetime.date(2024, months[1], 28),
        locked=locked,
    )


def _constraints_now():
    """Fire the deferred foreign-key checks of this test's rows: ALTER TABLE waits for none."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_the_migration_removes_empty_drafts_of_recaps_and_keeps_every_written_plan(
    dukcapil, dinkes, personas
):
    _constraints_now()
    executor = MigrationExecutor(connection)
    leaf = executor.loader.graph.leaf_nodes("followup")
    executor.migrate([BEFORE])
    old = executor.loader.project_state(BEFORE).apps
    month, quarter = _period("month", 3), _period("quarter", 1)
    semester, year = _period("semester", 1), _period(PeriodKind.YEAR, 1)
    reopened = _period("month", 4, locked=False)
    agency, other = dukcapil[0], dinkes[0]
    needless = [
        _plan(old, agency, month),
        _plan(old, agency, quarter),
        _plan(old, other, semester),
        _plan(old, agency, reopened),
    ]
    kept = [
        _plan(old, agency, year),  # the year's draft: the one the survey needs
        _plan(old, other, month, planned_action="Tambah loket"),
        _plan(old, other, quarter, acts_on=True),
        _plan(old, agency, semester, deadline=datetime.date(2024, 12, 1)),
        _plan(old, other, reopened, responsible="Kabid"),
        _plan(old, other, year, status=PlanStatus.APPROVED),
    ]
    written = {pk: list(FollowUpItem.objects.filter(plan_id=pk).values()) for pk in kept}

    _constraints_now()
    executor = MigrationExecutor(connection)
    executor.migrate(leaf)

    remaining = set(FollowUpPlan.objects.values_list("pk", flat=True))
    assert remaining == set(kept)
    assert not FollowUpItem.objects.filter(plan_id__in=needless).exists()
    for pk in kept:  # untouched, to the last field
        assert list(FollowUpItem.objects.filter(plan_id=pk).values()) == written[pk]


def test_the_migration_is_the_one_named_in_the_history():
    module = importlib.import_module("sukma.surveys.followup.migrations.0002_needless_drafts")
    assert module.Migration.dependencies == [BEFORE]
