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

Directory. A run of one regency also mirrors its agencies and services (names,
kinds, standard codes, annual users): a few hundred rows, one statement each.
A service moved to another agency moves its rolled-up rows with it. The run
first installs, if missing, a trigger on those two tables that stamps every
change of them in the public schema (DirectoryChange): an incremental refresh
of many regencies (rollup_changed_run) mirrors only the directories stamped
since their cursor.

Rankings. Every rolled-up month whose figures changed (and every directory that
changed) is noted in RankingChange in the same transaction; the rankings
refresh recomputes only what those notes reach.
"""

import json
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import quote_schema_name

from sukma.platform.rankings.models import (
    CursorState,
    RefreshRun,
    RollupCursor,
)
from sukma.surveys.province import (
    AGENCY_TABLE,
    DAILY_TOTALS_TABLE,
    ELEMENT_FIELDS,
    SERVICE_TABLE,
    directory_watch_install,
    directory_watched_schemas,
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
def directory_refresh(regency: Regency) -> bool:
    """Mirror the regency's agencies and services into the public directory.

    Returns whether anything changed; if so, every ranking period is marked changed for
    the regency (names, kinds, codes and expected users appear in every period).
    """
    s = quote_schema_name(regency.schema_name)
    changed = 0
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
        changed += cursor.rowcount
        cursor.execute(
            f"""DELETE FROM public.rankings_rollupagency
            WHERE regency_id = %s AND agency_id NOT IN (SELECT id FROM {s}.{AGENCY_TABLE})""",
            [regency.pk],
        )
        changed += cursor.rowcount
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
        changed += cursor.rowcount
        cursor.execute(
            f"""DELETE FROM public.rankings_rollupservice
            WHERE regency_id = %s AND service_id NOT IN (SELECT id FROM {s}.{SERVICE_TABLE})""",
            [regency.pk],
        )
        changed += cursor.rowcount
        for service_id, agency_id in moved:
            for table in ("rankings_rollupday", "rankings_rollupmonth"):
                cursor.execute(
                    f"UPDATE public.{table} SET agency_id = %s "
                    "WHERE regency_id = %s AND service_id = %s",
                    [agency_id, regency.pk, service_id],
                )
        if changed:
            changes_record(cursor, [(regency.pk, None)])
    return bool(changed)


def changes_record(cursor, changes) -> None:
    """Note (regency id, month or None) pairs for the next rankings refresh."""
    if changes:
        regencies, months = zip(*changes, strict=True)
        cursor.execute(
            "INSERT INTO public.rankings_rankingchange (regency_id, month) "
            "SELECT * FROM unnest(%s::int[], %s::date[])",
            [list(regencies), list(months)],
        )


# ------------------------------------------------------------------------------ one batch
def _upsert_days_sql(src: str) -> str:
    """Upsert the rows of `src` (regency_id, service_id, agency_id, day, totals) into RollupDay;
    return rows read, (regency, service, month) of the days whose copy changed (every=True:
    of every day read), and rows read per regency."""
    cols = ", ".join(COLUMNS)
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS)
    differs = " OR ".join(f"d.{c} <> EXCLUDED.{c}" for c in ["agency_id", *COLUMNS])
    return f"""
    WITH src AS ({src}), up AS (
        INSERT INTO public.rankings_rollupday AS d
            (regency_id, agency_id, service_id, day, {cols})
        SELECT regency_id, agency_id, service_id, day, {cols} FROM src
        ON CONFLICT (regency_id, service_id, day) DO UPDATE SET
            agency_id = EXCLUDED.agency_id, {sets}
        WHERE {differs}
        RETURNING d.regency_id, d.service_id, date_trunc('month', d.day)::date AS month
    ), touched AS (
        SELECT DISTINCT * FROM (
            SELECT * FROM up
            UNION ALL SELECT regency_id, service_id, date_trunc('month', day)::date
            FROM src WHERE %(every)s
        ) t
    )
    SELECT (SELECT count(*) FROM src), (SELECT max(id) FROM src),
           (SELECT array_agg(regency_id) FROM touched),
           (SELECT array_agg(service_id) FROM touched),
           (SELECT array_agg(month) FROM touched),
           (SELECT json_object_agg(regency_id, n) FROM (
                SELECT regency_id, count(*) AS n FROM src GROUP BY regency_id) c)
    """


def _copy_together_sql(src: str) -> str:
    """One statement: upsert the rows of `src` into RollupDay, move each month by what its
    days changed (the old day values read in the statement's snapshot, which the advisory
    locks keep current), note the months changed; return rows read per regency.

    A month stays the sum of its days: it starts so (rollup_regency_run recomputes months
    from days) and moves by exactly what its days moved. The reconciliation checks months
    against the raw responses, and a repair recomputes them whole."""
    cols = ", ".join(COLUMNS)
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS)
    differs = " OR ".join(f"d.{c} <> EXCLUDED.{c}" for c in ["agency_id", *COLUMNS])
    deltas = ", ".join(f"sum(up.{c} - coalesce(old.{c}, 0)) AS {c}" for c in COLUMNS)
    moves = ", ".join(f"{c} = m.{c} + delta.{c}" for c in COLUMNS)
    return f"""
    WITH src AS ({src}), old AS (
        -- One index lookup per row read (LIMIT keeps the planner from a join that would
        -- scan every rolled-up day).
        SELECT d.* FROM src s, LATERAL (
            SELECT o.regency_id, o.service_id, o.day, {", ".join(f"o.{c}" for c in COLUMNS)}
            FROM public.rankings_rollupday o WHERE o.regency_id = s.regency_id
             AND o.service_id = s.service_id AND o.day = s.day LIMIT 1) d
    ), up AS (
        INSERT INTO public.rankings_rollupday AS d
            (regency_id, agency_id, service_id, day, {cols})
        SELECT regency_id, agency_id, service_id, day, {cols} FROM src
        ON CONFLICT (regency_id, service_id, day) DO UPDATE SET
            agency_id = EXCLUDED.agency_id, {sets}
        WHERE {differs}
        RETURNING d.regency_id, d.agency_id, d.service_id, d.day,
            {", ".join(f"d.{c}" for c in COLUMNS)}
    ), delta AS (
        SELECT up.regency_id, max(up.agency_id) AS agency_id, up.service_id,
               date_trunc('month', up.day)::date AS month, {deltas}
        FROM up LEFT JOIN old ON old.regency_id = up.regency_id
         AND old.service_id = up.service_id AND old.day = up.day
        GROUP BY up.regency_id, up.service_id, date_trunc('month', up.day)::date
    ), moved AS (
        UPDATE public.rankings_rollupmonth m SET agency_id = delta.agency_id, {moves}
        FROM delta WHERE m.regency_id = delta.regency_id AND m.service_id = delta.service_id
         AND m.month = delta.month
        RETURNING m.regency_id, m.month
    ), started AS (
        -- A month without a row had no day yet: its delta is its whole value.
        INSERT INTO public.rankings_rollupmonth (regency_id, agency_id, service_id, month, {cols})
        SELECT regency_id, agency_id, service_id, month, {cols} FROM delta
        WHERE NOT EXISTS (
            SELECT 1 FROM public.rankings_rollupmonth m WHERE m.regency_id = delta.regency_id
               AND m.service_id = delta.service_id AND m.month = delta.month)
        RETURNING regency_id, month
    ), months AS (
        SELECT * FROM moved UNION ALL SELECT * FROM started
    ), noted AS (
        INSERT INTO public.rankings_rankingchange (regency_id, month)
        SELECT DISTINCT regency_id, month FROM months
        RETURNING 1
    )
    SELECT (SELECT json_object_agg(regency_id, n) FROM (
                SELECT regency_id, count(*) AS n FROM src GROUP BY regency_id) c),
           (SELECT count(*) FROM noted)
    """


def _copy_batch_sql(schema: str) -> str:
    s = quote_schema_name(schema)
    src_cols = ", ".join(f"t.{c}" for c in COLUMNS)
    return _upsert_days_sql(
        f"""SELECT t.id, %(regency)s AS regency_id, t.service_id, v.agency_id, t.day, {src_cols}
        FROM {s}.{DAILY_TOTALS_TABLE} t
        JOIN {s}.{SERVICE_TABLE} v ON v.id = t.service_id
        WHERE t.changed_xid >= %(xid_from)s AND t.id > %(after)s
        ORDER BY t.id
        LIMIT %(limit)s"""
    )


def _months_sql() -> str:
    """Recompute the months of (regency, service, month) triples from RollupDay; note every
    month whose figures changed for the next rankings refresh."""
    cols = ", ".join(COLUMNS)
    sums = ", ".join(f"sum(d.{c})" for c in COLUMNS)
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS)
    differs = " OR ".join(f"m.{c} <> EXCLUDED.{c}" for c in ["agency_id", *COLUMNS])
    return f"""
    WITH touched AS (
        SELECT DISTINCT * FROM unnest(%(regencies)s::int[], %(services)s::int[],
                                      %(months)s::date[]) AS t(regency_id, service_id, month)
    ), changed AS (
        INSERT INTO public.rankings_rollupmonth AS m
            (regency_id, agency_id, service_id, month, {cols})
        SELECT d.regency_id, max(d.agency_id), d.service_id, t.month, {sums}
        FROM touched t JOIN public.rankings_rollupday d
          ON d.regency_id = t.regency_id AND d.service_id = t.service_id
         AND d.day >= t.month AND d.day < (t.month + interval '1 month')::date
        GROUP BY d.regency_id, d.service_id, t.month
        ON CONFLICT (regency_id, service_id, month) DO UPDATE SET
            agency_id = EXCLUDED.agency_id, {sets}
        WHERE {differs}
        RETURNING m.regency_id, m.month
    )
    INSERT INTO public.rankings_rankingchange (regency_id, month)
    SELECT DISTINCT regency_id, month FROM changed
    """


def _months_refresh(cursor, regencies, services, months) -> None:
    if regencies:
        cursor.execute(
            _months_sql(), {"regencies": regencies, "services": services, "months": months}
        )


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
                "after": after,
                "limit": limit,
                "regency": regency.pk,
                "every": every,
            },
        )
        rows, last_id, regencies, services, months, _per_regency = cursor.fetchone()
        _months_refresh(cursor, regencies, services, months)
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
        if regency.schema_name not in directory_watched_schemas():
            # Before the snapshot: a directory change from now on is stamped, and one from
            # before has committed (the trigger waits for writers) and is mirrored below.
            directory_watch_install(regency.schema_name)
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
                f"""WITH gone AS (
                    DELETE FROM public.{table} r WHERE r.regency_id = %s AND NOT EXISTS (
                        SELECT 1 FROM {s}.{DAILY_TOTALS_TABLE} t
                        WHERE t.service_id = r.service_id AND {expr} = r.{key})
                    RETURNING r.regency_id, date_trunc('month', r.{key})::date AS month)
                INSERT INTO public.rankings_rankingchange (regency_id, month)
                SELECT DISTINCT regency_id, month FROM gone""",
                [regency.pk],
            )


def rollup_regency_forget(regency: Regency) -> None:
    """Remove a regency from the rollup (its rows, directory and cursor), e.g. when offboarded."""
    from sukma.platform.rankings import models as m

    with transaction.atomic():
        for model in (m.RollupDay, m.RollupMonth, m.RollupService, m.RollupAgency, m.RollupCursor):
            model.objects.filter(regency=regency).delete()
        m.RankingChange.objects.create(regency_id=regency.pk, month=None)


# ------------------------------------------------------------------------------ many regencies
# What a refresh costs is what changed. Whose agencies or services changed is read from the
# public schema, where a trigger on those tables stamps it (DirectoryChange). The other
# regencies are copied together, TOGETHER_SCHEMAS per statement and transaction: each
# schema's totals rows not copied yet (by the changed_xid index, at most TOGETHER_ROWS), so a
# regency with nothing new costs one index probe. Those that reach TOGETHER_ROWS (a large
# backlog), and those with no cursor yet, a restored cluster or a changed directory, take
# rollup_regency_run, batch by batch. A statement over many schemas locks every table and
# index it touches until its transaction ends, so the schemas per statement stay bounded
# (PITFALLS: max_locks_per_transaction; here 5 locks per schema).
TOGETHER_SCHEMAS = 100
TOGETHER_ROWS = 500


@dataclass
class RollupSummary:
    regencies: int = 0
    unchanged: int = 0
    together: int = 0
    alone: int = 0
    rows: int = 0


def _not_copied_yet(cursor_row: RollupCursor) -> tuple[int, str]:
    """A totals row is new when changed at or after the cursor and not visible in the
    snapshot the last run copied from (a row visible in it was copied as it still is: a long
    transaction elsewhere holds xid_done back, not what counts as new)."""
    return cursor_row.xid_done, cursor_row.snapshot


def _directories_changed(regencies: list[Regency], cursors: dict) -> set[int]:
    """The regencies whose directory changed since their cursor (by the stamp its trigger
    wrote in the public schema), or that have no trigger yet: one query and the catalog."""
    watched = directory_watched_schemas()
    pending = {r.pk for r in regencies if r.schema_name not in watched}
    known = [r for r in regencies if r.pk in cursors and r.pk not in pending]
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT r.id FROM unnest(%s::int[], %s::text[], %s::bigint[], %s::text[])
                AS r(id, schema_name, xid_done, snapshot)
            JOIN public.rankings_directorychange d ON d.schema_name = r.schema_name
            WHERE d.changed_xid >= r.xid_done AND (r.snapshot = '' OR NOT pg_visible_in_snapshot(
                d.changed_xid::text::xid8, nullif(r.snapshot, '')::pg_snapshot))""",
            [
                [r.pk for r in known],
                [r.schema_name for r in known],
                [cursors[r.pk].xid_done for r in known],
                [cursors[r.pk].snapshot for r in known],
            ],
        )
        return pending | {row[0] for row in cursor.fetchall()}


def _copy_together(regencies: list[Regency], cursors: dict, *, cluster: str) -> dict[int, int]:
    """Copy the new totals rows of several regencies in one transaction (one statement over
    their schemas, at most TOGETHER_ROWS + 1 rows each), recompute their months, and move
    the cursors of those read whole. Returns the rows read per regency."""
    src_cols = ", ".join(f"t.{c}" for c in COLUMNS)
    parts, params = [], {}
    for n, regency in enumerate(regencies):
        s = quote_schema_name(regency.schema_name)
        xid, snapshot = _not_copied_yet(cursors[regency.pk])
        parts.append(
            f"(SELECT t.id, %(r{n})s::int AS regency_id, t.service_id, t.day, {src_cols} "
            f"FROM {s}.{DAILY_TOTALS_TABLE} t "
            f"WHERE t.changed_xid >= %(x{n})s AND (%(s{n})s = '' OR NOT pg_visible_in_snapshot("
            f"t.changed_xid::text::xid8, nullif(%(s{n})s, '')::pg_snapshot)) "
            f"LIMIT {TOGETHER_ROWS + 1})"
        )
        params.update({f"r{n}": regency.pk, f"x{n}": xid, f"s{n}": snapshot})
    # Each service's agency from the public mirror: these directories have not changed since
    # they were mirrored (else the regency goes alone), and one table less per schema halves
    # what the statement opens and locks. Only these regencies' services: the planner hashes
    # the mirror, and the whole province's is five times the rows.
    cols = ", ".join(f"u.{c}" for c in COLUMNS)
    src = (
        f"SELECT u.id, u.regency_id, u.service_id, d.agency_id, u.day, {cols} "
        f"FROM ({' UNION ALL '.join(parts)}) u JOIN public.rankings_rollupservice d "
        "ON d.regency_id = u.regency_id AND d.service_id = u.service_id "
        "AND d.regency_id = ANY(%(together)s)"
    )
    params["together"] = [r.pk for r in regencies]
    with transaction.atomic(), connection.cursor() as cursor:
        # The same lock as rollup_regency_run's, taken in one order: no two runs interleave.
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(%s, id)) FROM "
            "(SELECT unnest(%s::int[]) AS id ORDER BY 1) ids",
            [LOCK_NAMESPACE, sorted(r.pk for r in regencies)],
        )
        snapshot, xid_to = snapshot_now()
        cursor.execute(_copy_together_sql(src), params)
        per_regency, _noted = cursor.fetchone()
        read = {int(pk): n for pk, n in (per_regency or {}).items()}
        whole = [pk for pk, n in read.items() if n <= TOGETHER_ROWS]
        cursor.execute(
            """UPDATE public.rankings_rollupcursor c SET
                xid_done = greatest(c.xid_done, %(xid_to)s), cluster = %(cluster)s,
                state = %(done)s, finished_at = now(), last_error = '', snapshot = %(snapshot)s,
                rows_last_run = coalesce((%(rows)s::jsonb ->> c.regency_id::text)::int, 0)
            FROM public.tenants_regency r
            WHERE c.regency_id = ANY(%(ids)s) AND r.id = c.regency_id
              -- A directory changed since it was checked keeps the cursor: the next run
              -- mirrors it.
              AND NOT EXISTS (
                SELECT 1 FROM public.rankings_directorychange d
                WHERE d.schema_name = r.schema_name AND d.changed_xid >= c.xid_done
                  AND (c.snapshot = '' OR NOT pg_visible_in_snapshot(
                      d.changed_xid::text::xid8, nullif(c.snapshot, '')::pg_snapshot)))""",
            {
                "xid_to": xid_to,
                "cluster": cluster,
                "done": CursorState.DONE,
                "snapshot": snapshot,
                "rows": json.dumps(read),
                "ids": whole,
            },
        )
    return read


def _count_many_in_run(regency_ids: list[int], run_id) -> None:
    """regencies_done + each regency not yet counted in this run (a redelivery counts once)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """WITH claimed AS (
                UPDATE public.rankings_rollupcursor SET last_run = %(run)s
                WHERE regency_id = ANY(%(ids)s) AND last_run IS DISTINCT FROM %(run)s
                RETURNING 1)
            UPDATE public.rankings_refreshrun
            SET regencies_done = regencies_done + (SELECT count(*) FROM claimed)
            WHERE id = %(run)s""",
            {"run": run_id, "ids": regency_ids},
        )


def rollup_changed_run(
    *, regencies: list[Regency] | None = None, run_id=None, progress=None
) -> RollupSummary:
    """An incremental rollup of many regencies (every active one by default) that costs what
    changed: see the comment above TOGETHER_SCHEMAS."""
    if connection.in_atomic_block:
        raise RuntimeError("rollup_changed_run commits as it goes: call it outside atomic()")
    regencies = list(active_regencies() if regencies is None else regencies)
    summary = RollupSummary(regencies=len(regencies))
    cluster, xid_now = cluster_now()
    cursors = {c.regency_id: c for c in RollupCursor.objects.filter(regency__in=regencies)}
    directories = _directories_changed(regencies, cursors)

    def alone(regency: Regency) -> None:
        summary.alone += 1
        summary.rows += rollup_regency_run(regency=regency, run_id=run_id).rows

    done = 0
    for start in range(0, len(regencies), TOGETHER_SCHEMAS):
        chunk = regencies[start : start + TOGETHER_SCHEMAS]
        together = []
        for regency in chunk:
            cursor_row = cursors.get(regency.pk)
            if (
                cursor_row is None
                or regency.pk in directories
                or cursor_from_another_history(cursor_row, cluster=cluster, xid_now=xid_now)
            ):
                alone(regency)
            else:
                together.append(regency)
        read = _copy_together(together, cursors, cluster=cluster) if together else {}
        for regency in together:
            rows = read.get(regency.pk, 0)
            if rows > TOGETHER_ROWS:
                alone(regency)  # a large backlog: copied batch by batch
            elif rows:
                summary.together += 1
                summary.rows += rows
            else:
                summary.unchanged += 1
        if run_id is not None:
            _count_many_in_run([r.pk for r in chunk], run_id)
        done += len(chunk)
        if progress:
            progress(done, len(regencies))
    return summary
