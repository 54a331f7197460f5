"""The rollup after restores: a schema restored behind its back (pg_restore -n) is repaired by
the reconciliation, and a cursor whose transaction ids came from another cluster cannot skip
new answers."""

import subprocess

from django.db import connection
from django_tenants.utils import quote_schema_name

from sukma.platform.rankings.models import RankingSnapshot, RollupCursor
from sukma.platform.rankings.ranking import rankings_recompute
from sukma.platform.rankings.reconcile import reconcile_all, reconcile_regency
from sukma.platform.rankings.rollup import cluster_now, rollup_regency_run
from sukma.surveys.province import DAILY_TOTALS_TABLE
from tests import rollup_data
from tests.rollup_data import answer, raw_month_totals, rolled_up_months

two_answered = rollup_data.two_answered
PG_BIN = "/usr/lib/postgresql/15/bin"


def _libpq_args() -> list[str]:
    s = connection.settings_dict
    return ["-h", s["HOST"] or "127.0.0.1", "-p", str(s["PORT"] or 5432), "-U", s["USER"]]


def _env() -> dict:
    import os

    return {**os.environ, "PGPASSWORD": connection.settings_dict.get("PASSWORD") or ""}


def rankings_now() -> list:
    return sorted(
        RankingSnapshot.objects.values_list(
            "period_kind", "year", "number", "level", "code", "rows"
        )
    )


def test_a_schema_restored_with_pg_restore_is_repaired_by_the_reconciliation(
    two_answered, tmp_path
):
    blitar, malang = two_answered
    schema = blitar.regency.schema_name
    dump = tmp_path / "blitar.dump"
    subprocess.run(
        [
            f"{PG_BIN}/pg_dump",
            *_libpq_args(),
            "-Fc",
            "-n",
            schema,
            "-f",
            str(dump),
            connection.settings_dict["NAME"],
        ],
        check=True,
        env=_env(),
    )
    answer(blitar, 12, seed=9)  # answers the restore will lose
    for answered in two_answered:
        rollup_regency_run(regency=answered.regency)
    rankings_recompute()
    connection.close()
    subprocess.run(
        [
            f"{PG_BIN}/pg_restore",
            *_libpq_args(),
            "--clean",
            "--if-exists",
            "-n",
            schema,
            "-d",
            connection.settings_dict["NAME"],
            str(dump),
        ],
        check=True,
        env=_env(),
    )
    assert rolled_up_months(blitar.regency) != raw_month_totals(blitar.regency)

    run = reconcile_all()

    assert run.differences, "the lost answers are found"
    assert all(d["repaired"] for d in run.differences)
    assert run.ok is True and run.repaired == len(run.differences)
    assert rolled_up_months(blitar.regency) == raw_month_totals(blitar.regency)
    assert rolled_up_months(malang.regency) == raw_month_totals(malang.regency)
    # The rankings were recomputed from the repaired rollup: a full refresh changes nothing.
    after_repair = rankings_now()
    for answered in two_answered:
        rollup_regency_run(regency=answered.regency, full=True)
    rankings_recompute()
    assert rankings_now() == after_repair
    assert reconcile_all().differences == []


def _cursor_from_elsewhere(regency, *, cluster: str, xid_done: int) -> None:
    RollupCursor.objects.filter(regency=regency).update(cluster=cluster, xid_done=xid_done)


def test_a_cursor_from_another_cluster_does_not_skip_new_answers(two_answered):
    blitar, _ = two_answered
    rollup_regency_run(regency=blitar.regency)
    here, xid_now = cluster_now()
    # As after restoring the whole database into a new cluster: the old cluster's cursor is
    # far above this one's ids.
    _cursor_from_elsewhere(blitar.regency, cluster="1234567890", xid_done=xid_now + 55_000)
    answer(blitar, 5, seed=21)

    result = rollup_regency_run(regency=blitar.regency)

    assert result.xid_from == 0, "the regency was read again whole"
    assert rolled_up_months(blitar.regency) == raw_month_totals(blitar.regency)
    cursor = RollupCursor.objects.get(regency=blitar.regency)
    assert cursor.cluster == here and cursor.xid_done <= cluster_now()[1]
    # The next answer is picked up by an ordinary incremental run.
    answer(blitar, 2, seed=22)
    assert rollup_regency_run(regency=blitar.regency).xid_from > 0
    assert rolled_up_months(blitar.regency) == raw_month_totals(blitar.regency)


def test_ids_that_went_backwards_are_caught_even_without_a_recorded_cluster(two_answered):
    blitar, _ = two_answered
    rollup_regency_run(regency=blitar.regency)
    _cursor_from_elsewhere(blitar.regency, cluster="", xid_done=cluster_now()[1] + 55_000)
    answer(blitar, 4, seed=23)
    assert rollup_regency_run(regency=blitar.regency).xid_from == 0
    assert rolled_up_months(blitar.regency) == raw_month_totals(blitar.regency)


def test_change_stamps_from_another_cluster_are_settled_not_pending_for_ever(two_answered):
    blitar, _ = two_answered
    rollup_regency_run(regency=blitar.regency)
    future = cluster_now()[1] + 55_000
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote_schema_name(blitar.regency.schema_name)}.{DAILY_TOTALS_TABLE} "
            "SET changed_xid = %s",
            [future],
        )
    _cursor_from_elsewhere(blitar.regency, cluster="1234567890", xid_done=future)

    rollup_regency_run(regency=blitar.regency)

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT max(changed_xid) FROM "
            f"{quote_schema_name(blitar.regency.schema_name)}.{DAILY_TOTALS_TABLE}"
        )
        assert cursor.fetchone()[0] < future
    assert reconcile_regency(blitar.regency) == ([], 0)


def test_a_cursor_of_this_cluster_moves_on_incrementally(two_answered):
    blitar, _ = two_answered
    first = rollup_regency_run(regency=blitar.regency)
    answer(blitar, 3, seed=24)
    second = rollup_regency_run(regency=blitar.regency)
    assert second.xid_from == first.xid_to > 0
    assert RollupCursor.objects.get(regency=blitar.regency).cluster == cluster_now()[0]
