"""Deploy time against the number of regencies: a no-op `migrate` and one new migration.

In a scratch database, clones the template into 100 and then 514 regency schemas (as
provisioning does), and at each size times `migrate` with nothing to do and with one new
migration (an AddField on the agencies, injected as in tests/tenants/probe.py), one schema
at a time (--processes 1) and in parallel (the command's default: the machine's cores, at
most 4). django-tenants' own migrate_schemas, which visits every schema, is timed beside it
as the baseline (with --library-at, at the sizes named; its no-op at 514 alone takes over a
minute). Prints seconds and the ratios. Targets at 514: the new migration under 60 s, the
no-op under 10 s.

    python bench/migrate.py [--sizes 100 514] [--library-at 100]
"""

import argparse
import logging
import tempfile
import time
from pathlib import Path

from _scratch import scratch_database


def regencies_clone(first: int, last: int) -> None:
    from django.db import connection, transaction

    from sukma.tenants.clone import clone_template
    from sukma.tenants.models import Regency, RegencyStatus
    from sukma.tenants.schemas import template_schema_name

    for i in range(first, last + 1):
        with transaction.atomic():
            Regency.objects.create(
                schema_name=f"r_bench{i:04d}",
                name=f"Bench {i}",
                kind="kabupaten",
                region_code=f"99.{i:04d}",
                status=RegencyStatus.ACTIVE,
            )
            clone_template(template_schema_name(), f"r_bench{i:04d}")
    connection.set_schema_to_public()


def timed(run) -> float:
    from django.db import connection

    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    connection.set_schema_to_public()
    return seconds


def ours(processes: int | None):
    from django.core.management import call_command

    return lambda: call_command("migrate", verbosity=0, interactive=False, processes=processes)


def library():
    from django.core.management import call_command
    from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

    return lambda: call_command(MigrateSchemasCommand(), verbosity=0, interactive=False)


def new_migration_undo(name: str, fingerprint: str) -> None:
    """Back to before the new migration: its column and records gone, states as they were."""
    from django.db import connection

    from sukma.tenants.migration_state import kept_schemas
    from tests.tenants.probe import probe_forget

    probe_forget(kept_schemas(), name)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE tenants_schemamigrationstate SET fingerprint = %s", [fingerprint])


def new_migration_check(name: str) -> None:
    from django.db import connection

    from sukma.tenants.migration_state import kept_schemas, migrations_complete

    schemas = kept_schemas()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.columns WHERE column_name = 'probe_note' "
            "AND table_name = 'surveys_agency' AND table_schema = ANY(%s)",
            [schemas],
        )
        assert cursor.fetchone()[0] == len(schemas), "a schema lacks the new column"
    assert migrations_complete()


def measure(size: int, with_library: bool, folder: Path) -> dict[str, float]:
    from sukma.tenants.migration_state import code_fingerprint
    from tests.tenants.probe import probe_migration

    figures = {
        "no-op, sequential": timed(ours(1)),
        "no-op, parallel": timed(ours(None)),
    }
    if with_library:
        figures["no-op, django-tenants"] = timed(library())
    before = code_fingerprint()
    with probe_migration(folder, package=f"bench_probe_{size}") as name:
        for label, run in [("sequential", ours(1)), ("parallel", ours(None))]:
            figures[f"new migration, {label}"] = timed(run)
            new_migration_check(name)
            new_migration_undo(name, before)
        if with_library:
            # django-tenants leaves the template behind: it was at the new migration only
            # through ours, so it is migrated by ours afterwards (not timed) for the undo.
            figures["new migration, django-tenants"] = timed(library())
            timed(ours(None))
            new_migration_check(name)
            new_migration_undo(name, before)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 514])
    parser.add_argument("--library-at", type=int, nargs="*", default=[100])
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    with scratch_database("sukma_migrate_bench"), tempfile.TemporaryDirectory() as folder:
        import os

        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        made = 0
        for size in sorted(args.sizes):
            started = time.perf_counter()
            regencies_clone(made + 1, size)
            print(
                f"\n{size} regency schemas (cloned in {time.perf_counter() - started:.0f} s), "
                f"{min(os.cpu_count() or 1, 4)} processes in parallel"
            )
            made = size
            figures = measure(size, size in args.library_at, Path(folder))
            for label, seconds in figures.items():
                print(f"  {label:32} {seconds:7.2f} s")
            for kind in ("no-op", "new migration"):
                sequential = figures[f"{kind}, sequential"]
                parallel = figures[f"{kind}, parallel"]
                print(f"  ratio {kind} parallel / sequential: {parallel / sequential:.2f}")
                if f"{kind}, django-tenants" in figures:
                    base = figures[f"{kind}, django-tenants"]
                    print(f"  ratio {kind} parallel / django-tenants: {parallel / base:.3f}")
            if size == 514:
                noop, new = figures["no-op, parallel"], figures["new migration, parallel"]
                print(f"  target no-op < 10 s: {'met' if noop < 10 else 'NOT MET'}")
                print(f"  target new migration < 60 s: {'met' if new < 60 else 'NOT MET'}")


if __name__ == "__main__":
    main()
