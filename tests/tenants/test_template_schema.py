"""A clone of the template has every column, index and constraint that a migrated schema has."""

import pytest
from django.core.management import call_command
from django.db import connection

from sukma.tenants.schemas import template_schema_name

pytestmark = pytest.mark.django_db

MIGRATED = "migrated_probe"


def _columns(schema: str) -> set[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT table_name, column_name, data_type, is_nullable, column_default
               FROM information_schema.columns WHERE table_schema = %s""",
            [schema],
        )
        return {
            (t, c, d, n, (default or "").replace(schema, "<schema>"))
            for t, c, d, n, default in cursor.fetchall()
        }


def _constraints_and_indexes(schema: str) -> set[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT conrelid::regclass::text, contype, pg_get_constraintdef(oid)
               FROM pg_constraint WHERE connamespace = %s::regnamespace""",
            [schema],
        )
        # A foreign key names its schema; a clone's must name its own schema, not the template.
        constraints = {
            (t.split(".")[-1], k, d.replace(f"{schema}.", "<schema>."))
            for t, k, d in cursor.fetchall()
        }
        cursor.execute("SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = %s", [schema])
        indexes = {
            (t, d.replace(schema, "<schema>").split(" ON ")[1]) for t, d in cursor.fetchall()
        }
    return constraints | indexes


@pytest.fixture
def migrated_schema(db):
    """A schema made the slow way: created empty and migrated from zero."""
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{MIGRATED}"')
    call_command("migrate_schemas", schema_name=MIGRATED, tenant=True, verbosity=0)
    connection.set_schema_to_public()
    return MIGRATED


def test_clone_has_every_column_of_a_migrated_schema(personas, migrated_schema):
    clone = personas.tulungagung.schema_name
    assert _columns(migrated_schema)  # the comparison below must compare something
    assert _columns(clone) == _columns(migrated_schema)
    assert _columns(template_schema_name()) == _columns(migrated_schema)


def test_clone_has_every_constraint_and_index_of_a_migrated_schema(personas, migrated_schema):
    clone = personas.tulungagung.schema_name
    assert _constraints_and_indexes(clone) == _constraints_and_indexes(migrated_schema)


def test_clone_records_the_same_migrations_as_applied(personas, migrated_schema):
    def applied(schema):
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
            return set(cursor.fetchall())

    assert applied(personas.tulungagung.schema_name) == applied(migrated_schema)


def _names(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'constraint', conname FROM pg_constraint WHERE connamespace = %s::regnamespace "
            "UNION SELECT 'index', indexname FROM pg_indexes WHERE schemaname = %s",
            [schema, schema],
        )
        return set(cursor.fetchall())


def test_clone_keeps_every_constraint_and_index_name_so_later_migrations_find_them(
    personas, migrated_schema
):
    assert _names(personas.tulungagung.schema_name) == _names(migrated_schema)


def test_a_clone_takes_new_migration_records_after_the_copied_ones(personas):
    schema = personas.tulungagung.schema_name
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{schema}".django_migrations (app, name, applied) '
            "VALUES ('probe', '0001', now()) RETURNING id"
        )
        new_id = cursor.fetchone()[0]
        cursor.execute(
            f'SELECT max(id) FROM "{schema}".django_migrations WHERE app <> %s', ["probe"]
        )
        assert new_id > cursor.fetchone()[0]
