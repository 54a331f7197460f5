"""A rankings refresh that costs what changed: only the regencies with new totals are copied,
only the rankings whose inputs changed are recomputed, and what it stores equals, to the last
digit, what a full recompute from the rollup stores (which the reconciliation holds equal to
the raw responses)."""

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from sukma.platform.rankings import rollup
from sukma.platform.rankings.models import RankingChange, RankingSnapshot, RollupCursor
from sukma.platform.rankings.ranking import rankings_recompute, rankings_refresh
from sukma.platform.rankings.reconcile import reconcile_regency
from sukma.platform.rankings.rollup import rollup_changed_run
from sukma.platform.rankings.services import refresh_run_here, refresh_start
from sukma.standards.models import StandardAgencyKind
from sukma.surveys.dashboard.moderation import response_exclude
from sukma.surveys.models import Agency, Response, Service
from sukma.tenants.models import Regency, RegencyStatus
from tests.platform.rankings_data import standard_kind, standard_service
from tests.rollup_data import answer, answered_regency, raw_month_totals, rolled_up_months

OLD_YEAR = f"year:{timezone.localdate().year - 3}"


@pytest.fixture
def three_answered(personas, committed):
    """Three provisioned regencies with answers, every level mapped to a standard list, rolled
    up and ranked in full (today's periods, the ones before, and a year long past)."""
    for code in ("dukcapil", "rsud"):
        kind = standard_kind(code)
        for s in (1, 2):
            standard_service(kind, f"{code}-{s}")
    made = [
        answered_regency("Blitar Segar", "blitarsegarkab", personas.province_admin),
        answered_regency("Madiun Segar", "madiunsegarkab", personas.province_admin),
        answered_regency("Ngawi Segar", "ngawisegarkab", personas.province_admin),
    ]
    for n, answered in enumerate(made):
        answer(answered, 25, seed=10 + n)
    rollup_changed_run()
    rankings_recompute()
    rankings_recompute(periods=[OLD_YEAR])
    return made


def stored() -> dict:
    """Every stored ranking, as comparable values (rows in their stored order)."""
    return {
        (s.period_kind, s.year, s.number, s.level, s.code): (s.policy, s.rows)
        for s in RankingSnapshot.objects.all()
    }


def computed_at() -> dict:
    return {
        (s.period_kind, s.year, s.number, s.level, s.code): s.computed_at
        for s in RankingSnapshot.objects.all()
    }


def refresh_equals_full_recompute() -> dict:
    """Refresh incrementally, then recompute everything: the two must store the same."""
    rollup_changed_run()
    rankings_refresh()
    incremental = stored()
    rankings_recompute()
    full = stored()
    assert incremental.keys() == full.keys()
    for key, value in full.items():
        assert incremental[key] == value, key
    return incremental


def test_a_refresh_after_answers_in_a_few_regencies_equals_a_full_recompute_on_every_period(
    personas, three_answered
):
    blitar, madiun, _ = three_answered
    before = stored()
    answer(blitar, 12, seed=41)
    answer(madiun, 5, seed=42)
    with schema_context(madiun.regency.schema_name):
        response_exclude(
            acting_user=personas.province_admin,
            regency=madiun.regency,
            response_id=Response.objects.order_by("pk").first().pk,
            reason="Uji coba petugas",
        )
    connection.set_schema_to_public()

    after = refresh_equals_full_recompute()

    levels = {key[3] for key in after}
    assert levels == {"regency", "agency", "service"}
    assert after != before  # the new answers moved figures
    for answered in three_answered:
        assert rolled_up_months(answered.regency) == raw_month_totals(answered.regency)
        assert reconcile_regency(answered.regency) == ([], 0)


def test_a_refresh_rewrites_only_the_rankings_whose_inputs_changed(three_answered):
    blitar, _, _ = three_answered
    before = computed_at()
    # One answer today in one regency: today's periods (and those just after, none stored)
    # change; last year's and a year long past do not.
    answer(blitar, 1, seed=43)
    summary = rollup_changed_run()
    assert summary.unchanged >= 2 and summary.together + summary.alone == 1
    rankings_refresh()
    after = computed_at()
    old = int(OLD_YEAR.split(":")[1])
    rewritten = {key for key, when in after.items() if when != before[key]}
    assert rewritten and not any(key[1] == old for key in rewritten)
    assert len(rewritten) < len(after)
    assert not RankingChange.objects.exists()


def test_a_refresh_with_nothing_new_copies_nothing_and_rewrites_no_ranking(
    personas, three_answered
):
    rollup_changed_run()
    rankings_refresh()
    before = computed_at()
    cursors = dict(RollupCursor.objects.values_list("regency_id", "finished_at"))

    run = refresh_run_here(refresh_start(acting_user=personas.province_admin))

    assert run.state == "done"
    assert computed_at() == before
    assert dict(RollupCursor.objects.values_list("regency_id", "finished_at")) == cursors
    assert run.regencies_done == run.regencies_total


def test_a_directory_change_in_one_regency_reaches_every_period_as_a_full_recompute_would(
    three_answered,
):
    blitar, madiun, _ = three_answered
    with schema_context(blitar.regency.schema_name):
        Service.objects.filter(pk=blitar.services[0].pk).update(
            name="Akta Kelahiran Baru", annual_users=25
        )
        Agency.objects.filter(pk=blitar.points[1].agency_id).update(name="RSUD Ganti Nama")
    with schema_context(madiun.regency.schema_name):
        Service.objects.filter(pk=madiun.services[1].pk).update(standard_service="")
    connection.set_schema_to_public()

    after = refresh_equals_full_recompute()

    names = {row["name"] for _, rows in after.values() for row in rows}
    assert any(name.startswith("Akta Kelahiran Baru") for name in names)
    assert any(name.startswith("RSUD Ganti Nama") for name in names)


def test_a_regency_suspended_or_a_standard_switched_off_leaves_every_ranking_as_full_would(
    three_answered,
):
    _, _, ngawi = three_answered
    Regency.objects.filter(pk=ngawi.regency.pk).update(status=RegencyStatus.SUSPENDED)
    after = refresh_equals_full_recompute()
    assert not any(
        row["regency_id"] == ngawi.regency.pk for _, rows in after.values() for row in rows
    )

    Regency.objects.filter(pk=ngawi.regency.pk).update(status=RegencyStatus.ACTIVE)
    StandardAgencyKind.objects.filter(code="rsud").update(active=False)
    refresh_equals_full_recompute()


def test_a_regency_with_a_large_backlog_is_copied_alone_batch_by_batch_and_agrees(
    three_answered, monkeypatch
):
    blitar, madiun, _ = three_answered
    monkeypatch.setattr(rollup, "TOGETHER_ROWS", 3)
    monkeypatch.setattr(rollup, "BATCH_SIZE", 4)
    answer(blitar, 30, seed=45)
    answer(madiun, 1, seed=46)

    summary = rollup_changed_run()

    assert summary.alone == 1 and summary.together == 1
    for answered in three_answered:
        assert rolled_up_months(answered.regency) == raw_month_totals(answered.regency)
        assert reconcile_regency(answered.regency) == ([], 0)
    rankings_refresh()
    refreshed = stored()
    rankings_recompute()
    assert stored() == refreshed


def test_new_answers_in_every_regency_are_copied_together_and_agree(three_answered):
    """Every regency of a statement is read and matched to its services in the public mirror
    (which the statement reads only for the regencies it copies)."""
    for n, answered in enumerate(three_answered):
        answer(answered, 2, seed=50 + n)

    summary = rollup_changed_run()

    assert summary.together == 3 and summary.alone == 0
    for answered in three_answered:
        assert rolled_up_months(answered.regency) == raw_month_totals(answered.regency)
        assert reconcile_regency(answered.regency) == ([], 0)
