"""Reconciliation: the rollup recomputed from raw responses agrees to the last digit, and
any tampering or unrolled change is found."""

from django.core.management import call_command
from django.db.models import F

from sukma.platform.rankings.models import RefreshRun, RollupDay, RollupMonth, RunState
from sukma.platform.rankings.reconcile import reconcile_all, reconcile_regency
from sukma.platform.rankings.rollup import rollup_regency_run
from tests import rollup_data
from tests.rollup_data import answer

two_answered = rollup_data.two_answered


def test_after_a_rollup_the_reconciliation_finds_no_difference(two_answered):
    for answered in two_answered:
        rollup_regency_run(regency=answered.regency)
    run = reconcile_all()
    assert run.ok is True
    assert run.differences == []
    assert run.regencies_checked >= 2


def test_a_tampered_day_and_month_are_each_reported_with_both_sides_and_repaired(two_answered):
    blitar, malang = two_answered
    for answered in two_answered:
        rollup_regency_run(regency=answered.regency)
    day = RollupDay.objects.filter(regency=blitar.regency).order_by("pk").first()
    RollupDay.objects.filter(pk=day.pk).update(u3_sum=F("u3_sum") + 1)
    month = RollupMonth.objects.filter(regency=malang.regency).order_by("pk").first()
    RollupMonth.objects.filter(pk=month.pk).update(responses=F("responses") - 1)

    run = reconcile_all()
    found = {(d["regency_id"], d["level"], d["service_id"]): d for d in run.differences}
    assert len(found) == 2
    tampered_day = found[(blitar.regency.pk, "day", day.service_id)]
    assert tampered_day["date"] == day.day.isoformat()
    assert tampered_day["columns"] == {"u3_sum": {"raw": day.u3_sum, "rollup": day.u3_sum + 1}}
    tampered_month = found[(malang.regency.pk, "month", month.service_id)]
    assert tampered_month["columns"]["responses"]["rollup"] == month.responses - 1

    # The run repaired both (a full copy of each regency) and says so.
    assert all(d["repaired"] for d in run.differences)
    assert run.repaired == 2 and run.ok is True
    assert RollupDay.objects.get(pk=day.pk).u3_sum == day.u3_sum
    assert reconcile_all().differences == []


def test_a_row_deleted_from_the_rollup_is_found_missing(two_answered):
    blitar, _ = two_answered
    rollup_regency_run(regency=blitar.regency)
    RollupDay.objects.filter(regency=blitar.regency).order_by("pk").first().delete()
    differences, _pending = reconcile_regency(blitar.regency)
    assert [d["level"] for d in differences] == ["day"]
    assert all(v["rollup"] == 0 for v in differences[0]["columns"].values())


def test_answers_not_rolled_up_yet_are_pending_not_differences(two_answered):
    blitar, _ = two_answered
    rollup_regency_run(regency=blitar.regency)
    answer(blitar, 2, seed=5)
    differences, pending = reconcile_regency(blitar.regency)
    assert differences == []
    assert pending >= 1
    rollup_regency_run(regency=blitar.regency)
    assert reconcile_regency(blitar.regency) == ([], 0)


def test_the_command_refreshes_and_reconciles_in_process(two_answered, capsys):
    call_command("refresh_rankings", "--full", "--sync", "--reconcile")
    out = capsys.readouterr().out
    assert ": done," in out and " 0 differences." in out
    run = RefreshRun.objects.order_by("-created_at").first()
    assert run.state == RunState.DONE and run.regencies_done == run.regencies_total >= 2
