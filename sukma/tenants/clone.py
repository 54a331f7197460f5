"""Cloning the template schema into a new regency's schema, in time that does not grow with
the number of regencies.

django-tenants' clone_schema walks catalogue views across the whole database: measured here,
0.4 s for the first regency and 3.5 s by the fiftieth. This reads only the template's own
objects from pg_catalog (filtered by its namespace) and replays them in the new schema:
tables (columns, defaults, identity, checks), the template's rows (its migration records),
primary-key and unique constraints, indexes, then foreign keys pointing into the new schema.
Every object keeps its name, so later migrations find what they alter or drop. The clone also
takes the template's recorded migration state (sukma.tenants.migration_state), so it is served
at once and `migrate` knows it is current without reading it.
"""

from django.db import connection

from sukma.tenants.migration_state import schema_state_copy


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def clone_template(template: str, target: str) -> None:
    """Create schema `target` as a copy of `template`. Runs in the caller's transaction."""
    source, new = _quoted(template), _quoted(target)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {new}")
        tables = _tables(cursor, template)
        for table in tables:
            cursor.execute(
                f"CREATE TABLE {new}.{_quoted(table)} (LIKE {source}.{_quoted(table)} "
                "INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED INCLUDING CONSTRAINTS)"
            )
        for table in tables:
            _copy_rows(cursor, source, new, table)
        constraints = _constraints(cursor, template)
        for table, name, definition in constraints["keys"]:
            cursor.execute(
                f"ALTER TABLE {new}.{_quoted(table)} ADD CONSTRAINT {_quoted(name)} {definition}"
            )
        for definition in _plain_indexes(cursor, template):
            cursor.execute(definition.replace(f" ON {template}.", f" ON {new}.", 1))
        for table, name, definition in constraints["foreign"]:
            definition = definition.replace(f"REFERENCES {template}.", f"REFERENCES {new}.")
            cursor.execute(
                f"ALTER TABLE {new}.{_quoted(table)} ADD CONSTRAINT {_quoted(name)} {definition}"
            )
    schema_state_copy(template, target)


def _tables(cursor, schema: str) -> list[str]:
    cursor.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = %s::regnamespace AND relkind = 'r' "
        "ORDER BY relname",
        [schema],
    )
    return [row[0] for row in cursor.fetchall()]


def _copy_rows(cursor, source: str, new: str, table: str) -> None:
    """The template's rows (in practice its migration records), with identity sequences moved
    past them so the next insert does not collide."""
    cursor.execute(f"INSERT INTO {new}.{_quoted(table)} SELECT * FROM {source}.{_quoted(table)}")
    if cursor.rowcount == 0:
        return
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attidentity <> ''",
        [f"{new}.{_quoted(table)}"],
    )
    for (column,) in cursor.fetchall():
        qualified = f"{new}.{_quoted(table)}"
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), "
            f"(SELECT max({_quoted(column)}) FROM {qualified}))",
            [qualified, column],
        )


def _constraints(cursor, schema: str) -> dict[str, list[tuple[str, str, str]]]:
    """Primary-key/unique/exclusion constraints ("keys") and foreign keys, with their tables."""
    cursor.execute(
        """SELECT t.relname, c.conname, c.contype, pg_get_constraintdef(c.oid)
           FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
           WHERE c.connamespace = %s::regnamespace AND c.contype IN ('p', 'u', 'x', 'f')
           ORDER BY t.relname, c.conname""",
        [schema],
    )
    found: dict[str, list] = {"keys": [], "foreign": []}
    for table, name, kind, definition in cursor.fetchall():
        found["foreign" if kind == "f" else "keys"].append((table, name, definition))
    return found


def _plain_indexes(cursor, schema: str) -> list[str]:
    """CREATE INDEX statements of the indexes that no constraint owns."""
    cursor.execute(
        """SELECT pg_get_indexdef(i.indexrelid)
           FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
           WHERE x.relnamespace = %s::regnamespace
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
           ORDER BY x.relname""",
        [schema],
    )
    return [row[0] for row in cursor.fetchall()]
