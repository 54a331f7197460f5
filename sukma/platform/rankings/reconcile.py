"""Reconciliation: the rollup recomputed from every regency's raw responses, to the last digit.

For one regency, in one REPEATABLE READ snapshot, SQL sums the regency's
non-excluded responses per (service, day) and per (service, month) and
compares every column (responses, and per element the sum and the count)
with the public RollupDay and RollupMonth rows. A key missing on one side
counts as zeros there.

A day whose totals row was changed by a transaction not yet committed when
the regency's last rollup started (not visible in the snapshot stored on its
cursor) is not settled yet: the next rollup copies it. It is counted as
pending, not reported as a difference, and so is its month. Everything else
must agree; each disagreement is stored in the ReconciliationRun with both
sides.

Repair. A regency with differences is rolled up again in full (every totals
row copied, vanished days dropped) and checked again: what now agrees is
marked repaired, and the run's last step recomputes the rankings. That is
what puts the rollup right after a schema was restored behind its back
(pg_restore -n brings back totals rows with old change stamps, which no
incremental run would read again). What a full copy cannot repair (the
regency's own totals disagree with its responses) stays a difference, and
the run is not ok.
"""

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import quote_schema_name

from sukma.platform.rankings.models import ReconciliationRun, RollupCursor
from sukma.platform.rankings.rollup import COLUMNS, active_regencies, rollup_regency_run
from sukma.surveys.province import (
    DAILY_TOTALS_TABLE,
    ELEMENT_FIELDS,
    RESPONSE_TABLE,
)
from sukma.tenants.models import Regency

RAW_AGGREGATES = ", ".join(
    ["count(*) AS responses"]
    + [f"sum(coalesce({f}, 0)) AS {f}_sum, count({f}) AS {f}_count" for f in ELEMENT_FIELDS]
)


def _compare_sql(schema: str, *, level: str) -> str:
    s = quote_schema_name(schema)
    if level == "day":
        raw_key, roll_table, roll_key = "service_date", "rankings_rollupday", "day"
        tot_join = "t.service_id = k.service_id AND t.day = k.key"
    else:
        raw_key = "date_trunc('month', service_date)::date"
        roll_table, roll_key = "rankings_rollupmonth", "month"
        tot_join = (
            "t.service_id = k.service_id AND t.day >= k.key AND t.day < k.key + interval '1 month'"
        )
    pending = (
        "(%(snapshot)s = '' OR NOT "
        "pg_visible_in_snapshot(t.changed_xid::text::xid8, nullif(%(snapshot)s, '')::pg_snapshot))"
    )
    raw_cols = ", ".join(f"coalesce(raw.{c}, 0)" for c in COLUMNS)
    roll_cols = ", ".join(f"coalesce(roll.{c}, 0)" for c in COLUMNS)
    return f"""
    WITH raw AS (
        SELECT service_id, {raw_key} AS key, {RAW_AGGREGATES}
        FROM {s}.{RESPONSE_TABLE} WHERE NOT excluded
        GROUP BY 1, 2
    ), roll AS (
        SELECT service_id, {roll_key} AS key, {", ".join(COLUMNS)}
        FROM public.{roll_table} WHERE regency_id = %(regency)s
    ), k AS (
        SELECT coalesce(raw.service_id, roll.service_id) AS service_id,
               coalesce(raw.key, roll.key) AS key,
               ARRAY[{raw_cols}]::bigint[] AS raw_values,
               ARRAY[{roll_cols}]::bigint[] AS roll_values
        FROM raw FULL OUTER JOIN roll ON roll.service_id = raw.service_id AND roll.key = raw.key
    )
    SELECT k.service_id, k.key, k.raw_values, k.roll_values,
           EXISTS (SELECT 1 FROM {s}.{DAILY_TOTALS_TABLE} t
                   WHERE {tot_join} AND {pending}) AS pending
    FROM k
    WHERE k.raw_values <> k.roll_values
    ORDER BY 1, 2
    """


def reconcile_regency(regency: Regency) -> tuple[list[dict], int]:
    """(every difference between the regency's raw responses and the rollup, pending keys)."""
    differences: list[dict] = []
    pending = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        snapshot = (
            RollupCursor.objects.filter(regency=regency).values_list("snapshot", flat=True).first()
        ) or ""
        for level in ("day", "month"):
            cursor.execute(
                _compare_sql(regency.schema_name, level=level),
                {"regency": regency.pk, "snapshot": snapshot},
            )
            for service_id, key, raw_values, roll_values, is_pending in cursor.fetchall():
                if is_pending:
                    pending += 1
                    continue
                differences.append(
                    {
                        "regency_id": regency.pk,
                        "regency": regency.name,
                        "level": level,
                        "service_id": service_id,
                        "date": key.isoformat(),
                        "columns": {
                            c: {"raw": r, "rollup": o}
                            for c, r, o in zip(COLUMNS, raw_values, roll_values, strict=True)
                            if r != o
                        },
                    }
                )
    return differences, pending


# ------------------------------------------------------------------------------ runs
def reconciliation_start() -> ReconciliationRun:
    return ReconciliationRun.objects.create()


def _key(difference: dict) -> tuple:
    return difference["level"], difference["service_id"], difference["date"]


def reconcile_and_repair(regency: Regency) -> list[dict]:
    """The regency's differences, each marked repaired or not by a full rollup of it."""
    differences, _pending = reconcile_regency(regency)
    if not differences:
        return []
    rollup_regency_run(regency=regency, full=True)
    remaining, _pending = reconcile_regency(regency)
    left = {_key(d) for d in remaining}
    found = {_key(d) for d in differences}
    return [{**d, "repaired": _key(d) not in left} for d in differences] + [
        {**d, "repaired": False} for d in remaining if _key(d) not in found
    ]


def reconciliation_record(*, run_id: int, regency: Regency) -> int:
    """Check (and repair) one regency and store its differences in the run (replacing any it
    stored before, so a redelivered task records them once). Returns how many are left."""
    differences = reconcile_and_repair(regency)
    with transaction.atomic():
        run = ReconciliationRun.objects.select_for_update().get(pk=run_id)
        run.differences = [
            d for d in run.differences if d.get("regency_id") != regency.pk
        ] + differences
        run.save(update_fields=["differences"])
    return sum(not d["repaired"] for d in differences)


def reconciliation_finish(*, run_id: int, regencies_checked: int) -> ReconciliationRun:
    """ok: nothing left unrepaired. After a repair the rankings are recomputed from the
    repaired rollup (in the public schema, like a refresh's last step)."""
    from sukma.platform.rankings.ranking import rankings_refresh

    with transaction.atomic():
        run = ReconciliationRun.objects.select_for_update().get(pk=run_id)
        run.regencies_checked = regencies_checked
        run.repaired = sum(bool(d.get("repaired")) for d in run.differences)
        run.ok = not any(not d.get("repaired") for d in run.differences)
        run.finished_at = timezone.now()
        run.save(update_fields=["regencies_checked", "repaired", "ok", "finished_at"])
    if run.repaired:
        rankings_refresh()
    return run


def reconcile_all(*, progress=None) -> ReconciliationRun:
    """Every active regency, in this process (the command's --sync, the bench, tests)."""
    run = reconciliation_start()
    regencies = list(active_regencies())
    for n, regency in enumerate(regencies, 1):
        reconciliation_record(run_id=run.pk, regency=regency)
        if progress:
            progress(n, len(regencies))
    return reconciliation_finish(run_id=run.pk, regencies_checked=len(regencies))
