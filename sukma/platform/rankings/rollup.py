"""The provincial rollup: each regency's daily service totals copied into the public schema.

Change record. Every response and exclusion stamps its service's day row
(surveys_dailyservicetotals.changed_xid) with its own transaction id, in the
same statement that changes the totals (sukma.surveys.recording.totals). A run of one
regency first takes xmin, the oldest transaction id still running
(pg_snapshot_xmin(pg_current_snapshot())), then copies the rows with

    changed_xid >= cursor.xid_done

as they are visible now, and moves the cursor to xmin. Every transaction
below xmin has finished, so those rows are final once copied; a transaction
still running (or committing late) has an id >= xmin, so its rows are read
again by the next run whatever this one saw. Rows committed at or above xmin
are copied now too (so a long transaction elsewhere on the server delays
nothing) and simply read again next time. Transaction ids are per server
(cluster), not per schema: one xmin serves every regency. Nothing here
depends on Redis: a response written while the broker was down is in the
change record like any other, and the next run catches up.

Restores. Transaction ids mean something only in the cluster that issued
them: a database restored into a new cluster starts with lower ones, and a
cursor kept from the old cluster would skip every new row until the new
cluster caught up. So the cursor also records the cluster's identity
(pg_control_system().system_identifier, fixed at initdb). A run that finds
another cluster, or the server's current transaction id below the cursor
(ids went backwards), reads the whole regency again (as full=True) after
settling the totals rows whose changed_xid this cluster has not issued yet
(so the reconciliation does not count them pending for ever). A regency
imported on its own gets a fresh cursor (sukma.platform.transfer), and a
schema restored behind the rollup's back (pg_restore -n) is found and
repaired by the reconciliation.

Idempotent. Rows are copied with their ABSOLUTE values (upserts), never
added, so copying a row twice changes nothing.

Resumable. A run records STARTED on the cursor, copies in batches (one
transaction each, keyed by the totals row's id so a large backlog never holds
one long transaction), then moves xid_done to xmin and records DONE in one
transaction. A crash in between leaves xid_done where it was: the next run
copies the same rows again, harmlessly.

Months. RollupDay is the faithful per-day copy, keyed (regency, agency,
service, day). In the same transaction as each batch, the months that batch
touched are recomputed from RollupDay into RollupMonth (absolute values
again). Rankings read RollupMonth only: every period is whole months.

Memory. Everything is INSERT ... SELECT inside PostgreSQL: no response and no
totals row is loaded into Python, so the worker's memory does not grow with
the number of responses.

Directory. Each run also mirrors the regency's agencies and services (names,
kinds, standard codes, annual users): a few hundred rows, one statement each.
A service moved to another agency moves its rolled-up rows with it.
"""

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import quote_schema_name

from sukma.platform.rankings.models import CursorState, RefreshRun, RollupCursor
from sukma.surveys.province import (
    AGENCY_TABLE,
    DAILY_TOTALS_TABLE,
    ELEMENT_FIELDS,
    SERVICE_TABLE,
    totals_settle_foreign_xids,
)
from sukma.tenants.models import Regency, RegencyStatus

COLUMNS = ["responses", *[f"{f}_{k}" for f in ELEMENT_FIELDS for k in ("sum", "count")]]
BATCH_SIZE = 5_000
# Two runs of one regency must not interleave (the older copy could land last).
LOCK_NAMESPACE = 0x524F4C4C  # "ROLL"


@dataclass
class RollupResult:
    regency_id: int
    rows: int
    batches: int
    xid_from: int
    xid_to: int


def snapshot_now() -> tuple[str, int]:
    """The current snapshot, and its xmin: the oldest transaction id still running."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s::text, pg_snapshot_xmin(s)::text::bigint FROM pg_current_snapshot() s"
        )
        return cursor.fetchone()


def cluster_now() -> tuple[str, int]:
    """This cluster's identity (fixed at initdb) and its current transaction id."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT system_identifier::text, pg_current_xact_id()::text::bigint "
            "FROM pg_control_system()"
        )
        return cursor.fetchone()


def cursor_from_another_history(cursor_row: RollupCursor, *, cluster: str, xid_now: int) -> bool:
    """The cursor's transaction ids were issued by another cluster (a restored database)."""
    if not cursor_row.xid_done:
        return False
    moved = bool(cursor_row.cluster) and cursor_row.cluster != cluster
    return moved or cursor_row.xid_done > xid_now


def active_regencies():
    return Regency.objects.filter(status=RegencyStatus.ACTIVE).exclude(schema_name="public")


# ------------------------------------------------------------------------------ directory
def directory_refresh(regency: Regency) -> None:
    """Mirror the regency's agencies and services into the public directory."""
    s = quote_schema_name(regency.schema_name)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO public.rankings_rollupagency AS d
                (regency_id, agency_id, name, short_name, kind, standard_kind, active)
            SELECT %s, a.id, a.name, a.short_name, a.kind, a.standard_kind, a.active
            FROM {s}.{AGENCY_TABLE} a
            ON CONFLICT (regency_id, agency_id) DO UPDATE SET
                name = EXCLUDED.name, short_name = EXCLUDED.short_name, kind = EXCLUDED.kind,
                standard_kind = EXCLUDED.standard_kind, active = EXCLUDED.active
            WHERE (d.name, d.short_name, d.kind, d.standard_kind, d.active)
                IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.short_name, EXCLUDED.kind,
                                  EXCLUDED.standard_kind, EXCLUDED.active)
            """,
            [regency.pk],
        )
        cursor.execute(
            f"""DELETE FROM public.rankings_rollupagency
            WHERE regency_id = %s AND agency_id NOT IN (SELECT id FROM {s}.{AGENCY_TABLE})""",
            [regency.pk],
        )
        # Services whose agency changed: their rolled-up rows follow them.
        cursor.execute(
            f"""
            SELECT v.id, v.agency_id FROM {s}.{SERVICE_TABLE} v
            JOIN public.rankings_rollupservice d
              ON d.regency_id = %s AND d.service_id = v.id AND d.agency_id <> v.agency_id
            """,
            [regency.pk],
        )
        moved = cursor.fetchall()
        cursor.execute(
            f"""
            INSERT INTO public.rankings_rollupservice AS d
                (regency_id, service_id, agency_id, name, standard_service, annual_users, active)
            SELECT %s, v.id, v.agency_id, v.name, v.standard_service, v.annual_users, v.active
            FROM {s}.{SERVICE_TABLE} v
            ON CONFLICT (regency_id, service_id) DO UPDATE SET
                agency_id = EXCLUDED.agency_id, name = EXCLUDED.name,
                standard_service = EXCLUDED.standard_service,
                annual_users = EXCLUDED.annual_users, active = EXCLUDED.active
            WHERE (d.agency_id, d.name, d.standard_service, d.annual_users, d.active)
                IS DISTINCT FROM (EXCLUDED.agency_id, EXCLUDED.name, EXCLUDED.standard_service,
                                  EXCLUDED.annual_users, EXCLUDED.active)
            """,
            [regency.pk],
        )
        cursor.execute(
            f"""DELETE FROM public.rankings_rollupservice
            WHERE regency_id = %s AND service_id NOT IN (SELECT id FROM {s}.{SERVICE_TABLE})""",
            [regency.pk],
        )
        for service_id, agency_id in moved:
            for table in ("rankings_rollupday", "rankings_rollupmonth"):
                cursor.execute(
                    f"UPDATE public.{table} SET agency_id = %s "
                    "WHERE regency_id = %s AND service_id = %s",
                    [agency_id, regency.pk, service_id],
                )


# ------------------------------------------------------------------------------ one batch
def _copy_batch_sql(schema: str) -> str:
    cols = ", ".join(COLUMNS)
    src_cols = ", ".join(f"t.{c}" for c in COLUMNS)
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS)
    differs = " OR ".join(f"d.{c} <> EXCLUDED.{c}" for c in ["agency_id", *COLUMNS])
    return f"""
    WITH src AS (
        SELECT t.id, t.service_id, v.agency_id, t.day, {src_cols}
        FROM {quote_schema_name(schema)}.{DAILY_TOTALS_TABLE} t
        JOIN {quote_schema_name(schema)}.{SERVICE_TABLE} v ON v.id = t.service_id
        WHERE t.changed_xid >= %(xid_from)s AND t.id > %(after)s
        ORDER BY t.id
        LIMIT %(limit)s
    ), up AS (
        INSERT INTO public.rankings_rollupday AS d
            (regency_id, agency_id, service_id, day, {cols})
        SELECT %(regency)s, agency_id, service_id, day, {cols} FROM src
        ON CONFLICT (regency_id, service_id, day) DO UPDATE SET
            agency_id = EXCLUDED.agency_id, {sets}
        WHERE {differs}
        RETURNING d.service_id, date_trunc('month', d.day)::date AS month
    ), touched AS (
        SELECT * FROM up
        UNION ALL SELECT service_id, date_trunc('month', day)::date FROM src WHERE %(every)s
    )
    SELECT (SELECT count(*) FROM src), (SELECT max(id) FROM src),
           array_agg(DISTINCT service_id), array_agg(DISTINCT month)
    FROM touched
    """


def _months_sql() -> str:
    cols = ", ".join(COLUMNS)
    sums = ", ".join(f"sum({c})" for c in COLUMNS)
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS)
    differs = " OR ".join(f"m.{c} <> EXCLUDED.{c}" for c in ["agency_id", *COLUMNS])
    return f"""
    INSERT INTO public.rankings_rollupmonth AS m
        (regency_id, agency_id, service_id, month, {cols})
    SELECT regency_id, max(agency_id), service_id, date_trunc('month', day)::date, {sums}
    FROM public.rankings_rollupday
    WHERE regency_id = %(regency)s AND service_id = ANY(%(services)s)
      AND day >= %(first)s AND day < (%(last)s::date + interval '1 month')
      AND date_trunc('month', day)::date = ANY(%(months)s)
    GROUP BY regency_id, service_id, date_trunc('month', day)::date
    ON CONFLICT (regency_id, service_id, month) DO UPDATE SET
        agency_id = EXCLUDED.agency_id, {sets}
    WHERE {differs}
    """


def copy_batch(
    regency: Regency, *, xid_from: int, xid_to: int, after: int, limit: int, every: bool = False
):
    """Copy up to `limit` changed totals rows (id > after) and recompute their months.

    The months recomputed are those of the days whose copy changed (every=True:
    of every day read). One transaction. Returns (rows read, last id read).
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _copy_batch_sql(regency.schema_name),
            {
                "xid_from": xid_from,
                "xid_to": xid_to,
                "after": after,
                "limit": limit,
                "regency": regency.pk,
                "every": every,
            },
        )
        rows, last_id, services, months = cursor.fetchone()
        if services:
            cursor.execute(
                _months_sql(),
                {
                    "regency": regency.pk,
                    "services": services,
                    "months": months,
                    "first": min(months),
                    "last": max(months),
                },
            )
    return rows, last_id or after


# ------------------------------------------------------------------------------ one regency
def _lock(regency_id: int, *, acquire: bool) -> None:
    fn = "pg_advisory_lock" if acquire else "pg_advisory_unlock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {fn}(%s, %s)", [LOCK_NAMESPACE, regency_id])


def rollup_regency_run(
    *,
    regency: Regency,
    full: bool = False,
    run_id=None,
    batch_size: int | None = None,
) -> RollupResult:
    """Roll one regency's changed totals into the public schema (see the module's docstring).

    full: copy every row whatever the cursor says, and drop rolled-up days the
    regency no longer has. run_id: the RefreshRun to count this regency in
    (once, however often the task is delivered).
    """
    if connection.in_atomic_block:
        raise RuntimeError("rollup_regency_run commits batch by batch: call it outside atomic()")
    batch_size = batch_size or BATCH_SIZE
    _lock(regency.pk, acquire=True)
    try:
        cursor_row, _ = RollupCursor.objects.get_or_create(regency=regency)
        cluster, xid_now = cluster_now()
        restored = cursor_from_another_history(cursor_row, cluster=cluster, xid_now=xid_now)
        if restored:
            totals_settle_foreign_xids(regency.schema_name)
            full = True
        snapshot, xid_to = snapshot_now()
        xid_from = 0 if full else cursor_row.xid_done
        RollupCursor.objects.filter(pk=cursor_row.pk).update(
            state=CursorState.STARTED, started_at=timezone.now()
        )
        try:
            directory_refresh(regency)
            if full:
                _drop_vanished_days(regency)
            rows = batches = 0
            after = 0
            while True:
                read, after = copy_batch(
                    regency,
                    xid_from=xid_from,
                    xid_to=xid_to,
                    after=after,
                    limit=batch_size,
                    every=full,
                )
                rows += read
                batches += 1
                if read < batch_size:
                    break
        except Exception as exc:
            RollupCursor.objects.filter(pk=cursor_row.pk).update(
                last_error=f"{type(exc).__name__}: {exc}"[:2000]
            )
            raise
        with transaction.atomic():
            RollupCursor.objects.filter(pk=cursor_row.pk).update(
                xid_done=xid_to if restored else max(xid_to, cursor_row.xid_done),
                cluster=cluster,
                state=CursorState.DONE,
                finished_at=timezone.now(),
                rows_last_run=rows,
                last_error="",
                snapshot=snapshot,
            )
            if run_id is not None:
                _count_in_run(cursor_row.pk, run_id)
        return RollupResult(regency.pk, rows, batches, xid_from, xid_to)
    finally:
        _lock(regency.pk, acquire=False)


def _count_in_run(cursor_pk: int, run_id) -> None:
    """regencies_done + 1, unless this cursor already counted itself in this run."""
    claimed = (
        RollupCursor.objects.filter(pk=cursor_pk).exclude(last_run=run_id).update(last_run=run_id)
    )
    if claimed:
        RefreshRun.objects.filter(pk=run_id).update(regencies_done=F("regencies_done") + 1)


def _drop_vanished_days(regency: Regency) -> None:
    s = quote_schema_name(regency.schema_name)
    with transaction.atomic(), connection.cursor() as cursor:
        for table, key, expr in (
            ("rankings_rollupday", "day", "t.day"),
            ("rankings_rollupmonth", "month", "date_trunc('month', t.day)::date"),
        ):
            cursor.execute(
                f"""DELETE FROM public.{table} r WHERE r.regency_id = %s AND NOT EXISTS (
                    SELECT 1 FROM {s}.{DAILY_TOTALS_TABLE} t
                    WHERE t.service_id = r.service_id AND {expr} = r.{key})""",
                [regency.pk],
            )


def rollup_regency_forget(regency: Regency) -> None:
    """Remove a regency from the rollup (its rows, directory and cursor), e.g. when offboarded."""
    from sukma.platform.rankings import models as m

    with transaction.atomic():
        for model in (m.RollupDay, m.RollupMonth, m.RollupService, m.RollupAgency, m.RollupCursor):
            model.objects.filter(regency=regency).delete()
