"""`migrate` for SuKMa: the public schema, then the template, then only the schemas behind.

django-tenants visits every regency schema on every run, even with nothing to migrate (47.5 s
at 300 schemas). Here the recorded state of each schema (sukma.tenants.migration_state) says
which are behind in one query; the template schema new regencies are cloned from is migrated
first (django-tenants never migrates it: a clone of a stale template would be marked
migrated yet lack columns), then the regencies behind, in parallel processes, each
migration in its own transaction, with progress. A failure names its schema and exits
non-zero; running `migrate` again finishes what is left.

Anything unusual (one schema with -s, an app or migration name, --fake, --plan, --prune...)
goes through django-tenants' own path, and the state of what it touched is read again.
"""

import os
import time

from django.core.management.base import CommandError
from django.db import connection
from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

from sukma.tenants.migrating import SchemaResult, schemas_migrate
from sukma.tenants.migration_state import (
    kept_schemas,
    schema_state_verify,
    schemas_behind,
)
from sukma.tenants.schemas import ensure_template_schema, template_schema_name

# Options that ask for something other than "bring everything up to the code".
_LIBRARY_PATH = ("app_label", "schema_name", "fake", "fake_initial", "plan", "prune", "run_syncdb")
_LOCK = 0x5375_4B4D_6D69_6772  # "SuKMmigr": one migrate at a time per database


class Command(MigrateSchemasCommand):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--processes",
            type=int,
            default=None,
            help="Regency schemas migrated at once (default: the machine's cores, at most 4; "
            "1 migrates them one after another).",
        )
        parser.add_argument(
            "--verify",
            action="store_true",
            help="Read every schema's migration records instead of trusting the recorded "
            "state, and migrate whatever is behind.",
        )

    def handle(self, *args, **options):
        if any(options.get(name) for name in _LIBRARY_PATH) or options.get("check_unapplied"):
            return self._library_path(*args, **options)
        only_public = options.get("shared") and not options.get("tenant")
        only_tenants = options.get("tenant") and not options.get("shared")
        with _one_at_a_time():
            if not only_tenants:
                super().handle(*args, **{**options, "shared": True, "tenant": False})
            if not only_public:
                self._tenants(options)

    # ------------------------------------------------------------------ the fast path
    def _tenants(self, options) -> None:
        connection.set_schema_to_public()
        verbosity = int(options.get("verbosity", 1))
        if options.get("verify"):
            for schema in kept_schemas():
                schema_state_verify(schema)
        behind = schemas_behind()
        if not behind:
            if verbosity:
                self.stdout.write("Every regency schema and the template are up to date.")
            return
        template = template_schema_name()
        if behind[0] == template:
            ensure_template_schema()
            result = schemas_migrate([template], processes=1)[0]
            self._report(1, 1, result, verbosity)
            if not result.ok:
                raise CommandError(
                    f"The template schema {template} failed to migrate: {result.error}. "
                    "No regency was migrated; fix the cause and run migrate again."
                )
            behind = behind[1:]
        if behind:
            self._regencies(behind, options, verbosity)

    def _regencies(self, behind: list[str], options, verbosity: int) -> None:
        processes = options.get("processes") or min(os.cpu_count() or 1, 4)
        if verbosity:
            self.stdout.write(
                f"Migrating {len(behind)} regency schema(s), {min(processes, len(behind))} "
                "at a time."
            )
        started = time.perf_counter()
        results = schemas_migrate(
            behind,
            processes=processes,
            progress=lambda done, total, result: self._report(done, total, result, verbosity),
        )
        failed = [r.schema for r in results if not r.ok]
        seconds = time.perf_counter() - started
        if failed:
            raise CommandError(
                f"{len(failed)} of {len(behind)} regency schema(s) failed to migrate: "
                f"{', '.join(sorted(failed))}. The others are done and serve again; "
                "fix the cause and run migrate again to finish."
            )
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(f"{len(behind)} regency schema(s) migrated in {seconds:.1f} s.")
            )

    def _report(self, done: int, total: int, result: SchemaResult, verbosity: int) -> None:
        if not result.ok:
            self.stderr.write(f"[{done}/{total}] {result.schema} FAILED: {result.error}")
        elif verbosity:
            self.stdout.write(
                f"[{done}/{total}] {result.schema}: {result.applied} migration(s) applied "
                f"in {result.seconds:.2f} s"
            )

    # ------------------------------------------------------------------ django-tenants' path
    def _library_path(self, *args, **options):
        super().handle(*args, **options)
        schema = options.get("schema_name")
        everything = self.sync_tenant and not schema
        if everything:
            ensure_template_schema()
            super().handle(
                *args,
                **{
                    **options,
                    "schema_name": template_schema_name(),
                    "shared": False,
                    "tenant": True,
                },
            )
        connection.set_schema_to_public()
        if options.get("plan") or options.get("check_unapplied"):
            return
        kept = kept_schemas()
        for touched in kept if everything else [s for s in kept if s == schema]:
            schema_state_verify(touched)


class _one_at_a_time:
    """A session advisory lock on a connection of its own, taken before anything is read:
    two deploys migrating at once would otherwise race on the same schemas."""

    def __enter__(self):
        self.lock = connection.get_new_connection(connection.get_connection_params())
        self.lock.autocommit = True
        got = self.lock.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK]).fetchone()[0]
        if not got:
            self.lock.close()
            raise CommandError("Another migrate is running on this database; try again after it.")
        return self

    def __exit__(self, *exc):
        self.lock.close()
        return False
