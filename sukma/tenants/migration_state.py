"""Which schemas lack which migrations: the public schema, the template and every regency's.

One function, migration_state(), answers for readiness (sukma.platform.health, which caches
it for a short while) and for `manage.py status`. It compares the migrations in the code
with each schema's django_migrations table in one statement per two hundred schemas, so it
costs one round trip at East Java's 38 regencies and stays cheap at hundreds. If the
migrate commands come to record each schema's state elsewhere, this is the one function to
change.

Every schema records every app's migrations, shared and tenant alike (django-tenants runs
the whole plan in each schema and lets the router skip the tables that do not belong), so
each schema is checked against the same full list.
"""

import functools
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import get_public_schema_name, quote_schema_name

from sukma.tenants.models import Regency

SCHEMAS_PER_STATEMENT = 200


@dataclass(frozen=True)
class MigrationState:
    expected: int  # migrations in the code
    schemas: int  # schemas checked (public, template, every regency's that exists)
    pending: dict[str, int] = field(default_factory=dict)  # schema -> migrations missing

    @property
    def complete(self) -> bool:
        return not self.pending


@functools.cache
def expected_migrations() -> tuple[str, ...]:
    """Every migration of the code, as 'app.name' (the code does not change while it runs)."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    return tuple(sorted(f"{app}.{name}" for app, name in graph.nodes))


def schemas_to_check() -> dict[str, bool]:
    """The public schema, the template and every regency's schema that exists now, each
    with whether it has a migrations table (one without lacks every migration)."""
    wanted = [
        get_public_schema_name(),
        settings.TENANT_BASE_SCHEMA,
        *Regency.objects.exclude(schema_name=get_public_schema_name())
        .order_by("schema_name")
        .values_list("schema_name", flat=True),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname, to_regclass(quote_ident(nspname) || '.django_migrations') IS NOT NULL"
            " FROM pg_namespace WHERE nspname = ANY(%s)",
            [wanted],
        )
        found = dict(cursor.fetchall())
    return {schema: found[schema] for schema in dict.fromkeys(wanted) if schema in found}


def migration_state() -> MigrationState:
    """Count, schema by schema, the code's migrations each schema has not recorded."""
    expected = list(expected_migrations())
    schemas = schemas_to_check()
    applied: dict[str, int] = dict.fromkeys(schemas, 0)
    checkable = [schema for schema, has_table in schemas.items() if has_table]
    for start in range(0, len(checkable), SCHEMAS_PER_STATEMENT):
        chunk = checkable[start : start + SCHEMAS_PER_STATEMENT]
        parts = [
            f"SELECT %s, count(*) FROM {quote_schema_name(schema)}.django_migrations "
            "WHERE app || '.' || name = ANY(%s)"
            for schema in chunk
        ]
        params = [value for schema in chunk for value in (schema, expected)]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            applied.update(dict(cursor.fetchall()))
    pending = {s: len(expected) - n for s, n in applied.items() if n < len(expected)}
    return MigrationState(expected=len(expected), schemas=len(schemas), pending=pending)
