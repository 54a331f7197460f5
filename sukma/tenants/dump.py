"""One schema's rows out to files and back, through COPY on the application's own connection.

No pg_dump or pg_restore: the embedded PostgreSQL of the demo ships its own binaries and an
external server's major version may differ from any client on the machine, while COPY works
through psycopg wherever Django does. The schema's structure is not dumped: an import clones
the template schema (sukma.tenants.clone), which is at this code's migrations, and loads the
rows into it; a file made at older migrations is loaded into a schema built at those
(sukma.tenants.migrating.schema_create_at) and migrated forward after.
"""

from collections.abc import Callable, Iterable
from typing import BinaryIO

from django.db import connection

from sukma.tenants.clone import _quoted
from sukma.tenants.migration_state import schema_state_forget

# The template brings its own migration records; an import never copies them.
SKIPPED_TABLES = {"django_migrations"}


def schema_tables(schema: str) -> list[tuple[str, list[str]]]:
    """(table, its columns in order) for every ordinary table of the schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, array_agg(a.attname ORDER BY a.attnum)
               FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
               WHERE c.relnamespace = %s::regnamespace AND c.relkind = 'r'
                 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
               GROUP BY c.relname ORDER BY c.relname""",
            [schema],
        )
        return [(t, cols) for t, cols in cursor.fetchall() if t not in SKIPPED_TABLES]


def table_copy_out(schema: str, table: str, columns: list[str], out: BinaryIO) -> int:
    """Write the table's rows in COPY's text format; returns the bytes written."""
    cols = ", ".join(_quoted(c) for c in columns)
    written = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY (SELECT {cols} FROM {_quoted(schema)}.{_quoted(table)} ORDER BY 1) TO STDOUT"
        ) as copy,
    ):
        for chunk in copy:
            out.write(chunk)
            written += len(chunk)
    return written


def table_copy_in(schema: str, table: str, columns: list[str], chunks: Iterable[bytes]) -> None:
    """Load a COPY text stream into the table (in the caller's transaction; empty it first
    with schema_empty: foreign keys are checked at commit, so the order of tables is free)."""
    qualified = f"{_quoted(schema)}.{_quoted(table)}"
    cols = ", ".join(_quoted(c) for c in columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {qualified} ({cols}) FROM STDIN") as copy,
    ):
        for chunk in chunks:
            copy.write(chunk)


def schema_empty(schema: str, tables: list[str]) -> None:
    """Remove every row of these tables in one statement (a clone may bring template rows)."""
    if tables:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE " + ", ".join(f"{_quoted(schema)}.{_quoted(t)}" for t in tables)
            )


def sequences_past_rows(schema: str) -> None:
    """Every identity or serial column's sequence moved past the rows now in the table."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, a.attname FROM pg_class c
               JOIN pg_attribute a ON a.attrelid = c.oid
               WHERE c.relnamespace = %s::regnamespace AND c.relkind = 'r' AND a.attnum > 0
                 AND pg_get_serial_sequence(quote_ident(%s) || '.' || quote_ident(c.relname),
                                            a.attname) IS NOT NULL""",
            [schema, schema],
        )
        for table, column in cursor.fetchall():
            qualified = f"{_quoted(schema)}.{_quoted(table)}"
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), "
                f"coalesce((SELECT max({_quoted(column)}) FROM {qualified}), 0) + 1, false)",
                [qualified, column],
            )


def schema_drop(schema: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {_quoted(schema)} CASCADE")
    schema_state_forget(schema)


def schema_migrations(schema: str) -> list[list[str]]:
    """The schema's migration records, [app, name], sorted."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT app, name FROM {_quoted(schema)}.django_migrations ORDER BY app, name"
        )
        return [list(row) for row in cursor.fetchall()]


ChunkReader = Callable[[], Iterable[bytes]]
