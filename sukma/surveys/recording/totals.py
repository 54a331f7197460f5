"""Keeping the per-service totals current, in the transaction of each change.

A response adds itself to its service's day row, its month row and one row
per answered profile field; an exclusion subtracts itself again. The rows a
response belongs to are derived in SQL from the response row itself, so the
same text serves the citizen's submission (where it reads the row being
inserted, inside that one statement) and a moderator's exclusion (where it
reads the stored row). Each upsert is atomic, so concurrent citizens never
lose an update. The day row is stamped with the changing transaction's id:
that stamp is the change record the provincial rollup reads.
"""

from django.db import connection, models

from sukma.surveys.models import (
    ELEMENT_FIELDS,
    PROFILE_FIELDS,
    DailyProfileTotals,
    DailyServiceTotals,
    MonthlyServiceTotals,
    Response,
)
from sukma.surveys.recording.prepared import in_schema

TOTAL_COLUMNS = ["responses", *[f"{f}_{k}" for f in ELEMENT_FIELDS for k in ("sum", "count")]]
CURRENT_XID = "pg_current_xact_id()::text::bigint"


def _increments(source: str) -> list[str]:
    """What one response adds to each total column: an unanswered element adds 0 to its count."""
    parts = ["1"]
    for f in ELEMENT_FIELDS:
        parts += [f"COALESCE({source}.{f}, 0)", f"({source}.{f} IS NOT NULL)::int"]
    return parts


def _profile_pairs(source: str) -> str:
    return ", ".join(f"('{name}', {source}.{name})" for name in PROFILE_FIELDS)


def _targets(source: str) -> list[tuple[type[models.Model], list[str], list[str], str]]:
    """(totals model, key columns, key values, FROM clause) for the responses in `source`.

    `source` is a relation with the columns of surveys_response; it is aliased `r`.
    """
    profile = f"CROSS JOIN LATERAL (VALUES {_profile_pairs('r')}) AS p(field, value)"
    return [
        (
            DailyServiceTotals,
            ["service_id", "day"],
            ["r.service_id", "r.service_date"],
            f"FROM {source} r",
        ),
        (
            MonthlyServiceTotals,
            ["service_id", "month"],
            ["r.service_id", "date_trunc('month', r.service_date)::date"],
            f"FROM {source} r",
        ),
        (
            DailyProfileTotals,
            ["service_id", "day", "field", "value"],
            ["r.service_id", "r.service_date", "p.field", "p.value"],
            f"FROM {source} r {profile} WHERE p.value <> ''",
        ),
    ]


def _rows(values: list[str], from_clause: str, stamped: bool) -> str:
    """One row per total: key values, the increments, and the stamp where the table has one."""
    stamp = [CURRENT_XID] if stamped else []
    return f"SELECT {', '.join([*values, *_increments('r'), *stamp])} {from_clause}"


def _add_sql(table: str, keys: list[str], rows: str, stamped: bool) -> str:
    columns = [*keys, *TOTAL_COLUMNS]
    updates = [f"{c} = t.{c} + EXCLUDED.{c}" for c in TOTAL_COLUMNS]
    if stamped:
        columns.append("changed_xid")
        updates.append("changed_xid = EXCLUDED.changed_xid")
    return (
        f"INSERT INTO {table} AS t ({', '.join(columns)}) {rows} "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {', '.join(updates)} RETURNING 1"
    )


def _subtract_sql(table: str, keys: list[str], rows: str, stamped: bool) -> str:
    names = [f"k{n}" for n in range(len(keys))] + TOTAL_COLUMNS
    names += ["xid"] if stamped else []
    sets = [f"{c} = t.{c} - v.{c}" for c in TOTAL_COLUMNS]
    sets += ["changed_xid = v.xid"] if stamped else []
    where = " AND ".join(f"t.{key} = v.k{n}" for n, key in enumerate(keys))
    return (
        f"UPDATE {table} AS t SET {', '.join(sets)} "
        f"FROM ({rows}) AS v({', '.join(names)}) WHERE {where} RETURNING 1"
    )


def totals_ctes(
    source: str, *, sign: int, prefix: str = "totals", schema: str = ""
) -> tuple[list[str], str]:
    """WITH parts adding (sign=+1) or removing (sign=-1) `source`'s responses from their totals.

    Returns the parts and an SQL expression counting the totals rows they touched.
    The tables are `schema`'s, or the search_path's without one (see in_schema).
    """
    parts = []
    for n, (model, keys, values, from_clause) in enumerate(_targets(source)):
        table = in_schema(model._meta.db_table, schema)
        stamped = model is DailyServiceTotals  # the rollup's change record: see its docstring
        rows = _rows(values, from_clause, stamped)
        change = _add_sql if sign > 0 else _subtract_sql
        sql = change(table, keys, rows, stamped)
        parts.append(f"{prefix}{n} AS ({sql})")
    names = [part.split(" AS ", 1)[0] for part in parts]
    touched = " + ".join(f"(SELECT count(*) FROM {name})" for name in names)
    return parts, touched


def rows_per_response(response: Response) -> int:
    """How many totals rows one response belongs to: its day, its month, each profile answer."""
    return 2 + sum(1 for name in PROFILE_FIELDS if getattr(response, name))


def totals_apply(response: Response, *, sign: int) -> None:
    """Add (sign=+1) or remove (sign=-1) one stored response from every total it belongs to."""
    source = f"(SELECT * FROM {Response._meta.db_table} WHERE id = %s)"
    parts, touched = totals_ctes(source, sign=sign)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} SELECT {touched}", [response.pk] * len(parts))
        count = cursor.fetchone()[0]
    expected = rows_per_response(response)
    if count != expected:
        raise RuntimeError(f"totals rows touched {count}, expected {expected}")
