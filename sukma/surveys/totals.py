"""Keeping the per-service totals current, in the transaction of each change.

A response adds itself to its service's day row, its month row and one row
per answered profile field; an exclusion subtracts itself again. All of it
is one SQL statement (one round trip on a citizen's request), and each
upsert is atomic, so concurrent citizens never lose an update. The day row
is stamped with the changing transaction's id: that stamp is the change
record the provincial rollup reads.
"""

from django.db import connection

from sukma.surveys.models import (
    ELEMENT_FIELDS,
    PROFILE_FIELDS,
    DailyProfileTotals,
    DailyServiceTotals,
    MonthlyServiceTotals,
    Response,
)

TOTAL_COLUMNS = ["responses", *[f"{f}_{k}" for f in ELEMENT_FIELDS for k in ("sum", "count")]]
CURRENT_XID = "pg_current_xact_id()::text::bigint"


def _increments(response: Response, sign: int) -> list[int]:
    values = [sign]
    for f in ELEMENT_FIELDS:
        answer = getattr(response, f)
        values += [sign * (answer or 0), sign * (0 if answer is None else 1)]
    return values


def _targets(response: Response) -> list[tuple[str, dict]]:
    """(table, key columns) of every totals row this response belongs to."""
    day = response.service_date
    targets = [
        (DailyServiceTotals._meta.db_table, {"service_id": response.service_id, "day": day}),
        (
            MonthlyServiceTotals._meta.db_table,
            {"service_id": response.service_id, "month": day.replace(day=1)},
        ),
    ]
    for field in PROFILE_FIELDS:
        value = getattr(response, field)
        if value:
            targets.append(
                (
                    DailyProfileTotals._meta.db_table,
                    {"service_id": response.service_id, "day": day, "field": field, "value": value},
                )
            )
    return targets


def _stamp(table: str) -> bool:
    return table == DailyServiceTotals._meta.db_table


def _upsert_sql(table: str, keys: list[str], rows: int) -> str:
    columns = keys + TOTAL_COLUMNS
    row = "(" + ", ".join(["%s"] * len(columns)) + (f", {CURRENT_XID})" if _stamp(table) else ")")
    updates = [f"{c} = t.{c} + EXCLUDED.{c}" for c in TOTAL_COLUMNS]
    if _stamp(table):
        columns, updates = (
            [*columns, "changed_xid"],
            [*updates, "changed_xid = EXCLUDED.changed_xid"],
        )
    return (
        f"INSERT INTO {table} AS t ({', '.join(columns)}) VALUES {', '.join([row] * rows)} "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {', '.join(updates)} RETURNING 1"
    )


def _subtract_sql(table: str, keys: list[str]) -> str:
    sets = [f"{c} = {c} - %s" for c in TOTAL_COLUMNS]
    if _stamp(table):
        sets.append(f"changed_xid = {CURRENT_XID}")
    where = " AND ".join(f"{k} = %s" for k in keys)
    return f"UPDATE {table} SET {', '.join(sets)} WHERE {where} RETURNING 1"


def totals_apply(response: Response, *, sign: int) -> None:
    """Add (sign=+1) or remove (sign=-1) one response from every total it belongs to."""
    increments = _increments(response, sign)
    grouped: dict[str, list[dict]] = {}
    for table, keys in _targets(response):
        grouped.setdefault(table, []).append(keys)

    parts, params = [], []
    for n, (table, key_rows) in enumerate(grouped.items()):
        key_columns = list(key_rows[0])
        if sign > 0:
            parts.append(f"c{n} AS ({_upsert_sql(table, key_columns, len(key_rows))})")
            for keys in key_rows:
                params += [*keys.values(), *increments]
        else:
            # One UPDATE per row: an UPDATE has no multi-row VALUES form as simple as this.
            for m, keys in enumerate(key_rows):
                parts.append(f"c{n}_{m} AS ({_subtract_sql(table, key_columns)})")
                params += [-v for v in increments] + list(keys.values())
    names = [part.split(" AS ", 1)[0] for part in parts]
    counts = " + ".join(f"(SELECT count(*) FROM {name})" for name in names)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} SELECT {counts}", params)
        touched = cursor.fetchone()[0]
    expected = sum(len(rows) for rows in grouped.values())
    if touched != expected:
        raise RuntimeError(f"totals rows touched {touched}, expected {expected}")
