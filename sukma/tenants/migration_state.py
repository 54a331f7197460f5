"""Which schemas are at the code's migrations, known without visiting them.

Each schema's django_migrations rows are the truth. After a schema is found (or brought) to
have every migration of the code's graph applied, its row in SchemaMigrationState (public
schema) records the graph's fingerprint. Comparing those rows with the fingerprint held in
memory answers "is anything behind?" in one query, at deploy time (`migrate`) and on every
request to a regency (the middleware reads the row with the regency itself). Readiness and
`manage.py status` count the truth instead (`migration_state`, at the end).

A regency schema records every migration of the graph, shared apps' included (the router
skips their operations but Django records them), so the truth test is "the graph's nodes are
a subset of the rows". The template schema is kept like a regency: a clone copies its rows
and its recorded state.
"""

import hashlib
from dataclasses import dataclass, field
from functools import cache

from django.core.signals import setting_changed
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.dispatch import receiver
from django.utils import timezone
from django_tenants.utils import quote_schema_name

from sukma.tenants.models import Regency, SchemaMigrationState
from sukma.tenants.schemas import template_schema_name

PUBLIC = "public"


@cache
def code_migrations() -> frozenset[tuple[str, str]]:
    """(app, name) of every migration in the code's graph; read from disk once per process."""
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


@cache
def code_fingerprint() -> str:
    text = "\n".join(f"{app}.{name}" for app, name in sorted(code_migrations()))
    return hashlib.sha256(text.encode()).hexdigest()


@receiver(setting_changed)
def _forget_the_graph(*, setting, **kwargs):
    # A test that injects a migration module changes the graph within one process.
    if setting in {"MIGRATION_MODULES", "INSTALLED_APPS"}:
        code_migrations.cache_clear()
        code_fingerprint.cache_clear()


def kept_schemas() -> list[str]:
    """The template and every regency schema that exists, template first. One query."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT n.nspname FROM pg_namespace n
               WHERE n.nspname = %s
                  OR n.nspname IN (SELECT schema_name FROM tenants_regency WHERE schema_name <> %s)
               ORDER BY n.nspname <> %s, n.nspname""",
            [template_schema_name(), PUBLIC, template_schema_name()],
        )
        return [row[0] for row in cursor.fetchall()]


def schemas_behind() -> list[str]:
    """The template (also when it does not exist yet) and the regency schemas whose recorded
    state is not the code's fingerprint: what `migrate` has to visit. One query."""
    template = template_schema_name()
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT k.name FROM (
                   SELECT %s::text AS name
                   UNION SELECT n.nspname::text FROM pg_namespace n
                   WHERE n.nspname IN (SELECT schema_name FROM tenants_regency
                                       WHERE schema_name <> %s)
               ) k
               LEFT JOIN tenants_schemamigrationstate s ON s.schema_name = k.name
               WHERE s.fingerprint IS DISTINCT FROM %s
                  OR NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = k.name)
               ORDER BY k.name <> %s, k.name""",
            [template, PUBLIC, code_fingerprint(), template],
        )
        return [row[0] for row in cursor.fetchall()]


def public_behind() -> bool:
    """Whether the public schema lacks a migration of the code. One query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.django_migrations') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return True
        cursor.execute("SELECT app, name FROM public.django_migrations")
        return not code_migrations() <= set(cursor.fetchall())


def migrations_complete() -> bool:
    """Every migration of the code applied to the public schema, the template and every
    regency schema, as recorded: the readiness check's question, in two queries."""
    return not public_behind() and not schemas_behind()


def regency_is_current(regency: Regency) -> bool:
    """Whether a regency resolved by sukma.tenants.resolve is at the code's migrations.

    Costs no query: resolve_host reads the recorded state with the regency."""
    return getattr(regency, "migrated_to", None) == code_fingerprint()


def schema_applied(schema: str) -> set[tuple[str, str]]:
    """The schema's migration records (the truth), empty if it has no such table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{schema}".django_migrations'])
        if not cursor.fetchone()[0]:
            return set()
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
        return set(cursor.fetchall())


def schema_state_record(schema: str, *, fingerprint: str | None, failure: str = "") -> None:
    """Upsert the schema's state; fingerprint None keeps the one recorded (a failure)."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO public.tenants_schemamigrationstate
                   (schema_name, fingerprint, migrated_at, failure)
               VALUES (%s, coalesce(%s, ''), %s, %s)
               ON CONFLICT (schema_name) DO UPDATE SET
                   fingerprint = coalesce(%s, tenants_schemamigrationstate.fingerprint),
                   migrated_at = CASE WHEN %s IS NULL
                                      THEN tenants_schemamigrationstate.migrated_at
                                      ELSE excluded.migrated_at END,
                   failure = excluded.failure""",
            [schema, fingerprint, now if fingerprint else None, failure, fingerprint, fingerprint],
        )


def schema_state_verify(schema: str) -> bool:
    """Read the schema's truth and record the code's fingerprint if it is complete."""
    complete = code_migrations() <= schema_applied(schema)
    schema_state_record(schema, fingerprint=code_fingerprint() if complete else "")
    return complete


def schema_state_copy(source: str, target: str) -> None:
    """A clone starts with its source's state (it copies its migration records too)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO public.tenants_schemamigrationstate
                   (schema_name, fingerprint, migrated_at, failure)
               SELECT %s, fingerprint, migrated_at, '' FROM public.tenants_schemamigrationstate
               WHERE schema_name = %s
               ON CONFLICT (schema_name) DO UPDATE SET fingerprint = excluded.fingerprint,
                   migrated_at = excluded.migrated_at, failure = ''""",
            [target, source],
        )


def schema_state_forget(schema: str) -> None:
    SchemaMigrationState.objects.filter(schema_name=schema).delete()


# ---------------------------------------------------------------- the truth, counted
# Readiness (sukma.platform.health, which remembers the answer for a short while) and
# `manage.py status` want the truth, not the record: a migration row lost by hand or a
# restore from an older dump must show. One statement per two hundred schemas.
SCHEMAS_PER_STATEMENT = 200


@dataclass(frozen=True)
class MigrationState:
    expected: int  # migrations in the code
    schemas: int  # schemas checked (public, template, every regency's that exists)
    pending: dict[str, int] = field(default_factory=dict)  # schema -> migrations missing

    @property
    def complete(self) -> bool:
        return not self.pending


def _schemas_to_check() -> dict[str, bool]:
    """The public schema, the template and every regency schema that exists now, each
    with whether it has a migrations table (one without lacks every migration)."""
    wanted = [PUBLIC, *kept_schemas()]
    if template_schema_name() not in wanted:
        wanted.append(template_schema_name())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname, to_regclass(quote_ident(nspname) || '.django_migrations') IS NOT NULL"
            " FROM pg_namespace WHERE nspname = ANY(%s)",
            [wanted],
        )
        found = dict(cursor.fetchall())
    return {schema: found.get(schema, False) for schema in dict.fromkeys(wanted)}


def migration_state() -> MigrationState:
    """Count, schema by schema, the code's migrations each schema has not recorded."""
    expected = sorted(f"{app}.{name}" for app, name in code_migrations())
    schemas = _schemas_to_check()
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
