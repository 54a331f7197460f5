"""Keeping the per-service, per-day totals current, in the transaction of each change.

A response adds itself to its service's day row and to one row per
profile field; an exclusion subtracts itself again. Each change also
leaves a TotalsChange row for the provincial rollup to pick up. Upserts
are single SQL statements, so concurrent citizens never lose an update.
"""

from django.db import connection

from sukma.surveys.models import (
    ELEMENT_FIELDS,
    PROFILE_FIELDS,
    DailyProfileTotals,
    DailyServiceTotals,
    Response,
    TotalsChange,
)

_TOTAL_COLUMNS = ["responses", *[f"{f}_{k}" for f in ELEMENT_FIELDS for k in ("sum", "count")]]


def _increments(response: Response, sign: int) -> list[int]:
    values = [sign]
    for f in ELEMENT_FIELDS:
        answer = getattr(response, f)
        values += [sign * (answer or 0), sign * (0 if answer is None else 1)]
    return values


def _upsert(table: str, keys: dict, increments: list[int]) -> None:
    key_columns = list(keys)
    columns = key_columns + _TOTAL_COLUMNS
    placeholders = ", ".join(["%s"] * len(columns))
    updates = ", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in _TOTAL_COLUMNS)
    sql = (
        f"INSERT INTO {table} AS t ({', '.join(columns)}) VALUES ({placeholders}) "
        f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*keys.values(), *increments])


def _subtract(table: str, keys: dict, increments: list[int]) -> None:
    sets = ", ".join(f"{c} = {c} - %s" for c in _TOTAL_COLUMNS)
    where = " AND ".join(f"{k} = %s" for k in keys)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {sets} WHERE {where}",
            [*[-v for v in increments], *keys.values()],
        )
        if cursor.rowcount != 1:
            raise RuntimeError(f"totals row missing in {table} for {keys}")


def totals_apply(response: Response, *, sign: int) -> None:
    """Add (sign=+1) or remove (sign=-1) one response from every total it belongs to."""
    increments = _increments(response, sign)
    write = _upsert if sign > 0 else _subtract
    day_keys = {"service_id": response.service_id, "day": response.service_date}
    write(DailyServiceTotals._meta.db_table, day_keys, increments)
    for field in PROFILE_FIELDS:
        value = getattr(response, field)
        if value:
            write(
                DailyProfileTotals._meta.db_table,
                {**day_keys, "field": field, "value": value},
                increments,
            )
    TotalsChange.objects.create(service_id=response.service_id, day=response.service_date)
