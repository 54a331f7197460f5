"""Bringing schemas up to the code's migrations: one schema per transaction, many in parallel.

django-tenants runs Django's whole `migrate` command in every schema, even with nothing to
do: system checks, the migration graph read from disk, the project state rebuilt from the
first migration, signals. Here a process reads the graph once and builds the state "before
the pending migrations" once per distinct set of applied migrations (in practice once: the
schemas were all at the same migrations before the deploy), then for each schema only runs
what is pending. Each migration commits on its own (as with Django's migrate) and the
schema's recorded state (SchemaMigrationState) moves only when all are in, so a failure
leaves every other schema done and a rerun finishes the rest.

Processes are forked after the parent has migrated the template, so they inherit the graph
and the state already built; each opens its own database connection.

An import of a regency exported by an older SuKMa uses the other two entry points, at the end:
a schema built at given migrations and migrated forward, both inside the caller's one
transaction.
"""

import multiprocessing
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.util import Finalize

from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.utils import quote_schema_name

from sukma.tenants.migration_state import code_fingerprint, schema_state_record


@dataclass(frozen=True)
class SchemaResult:
    schema: str
    applied: int
    seconds: float
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


_executor: MigrationExecutor | None = None
_states: dict[frozenset, object] = {}


def _migration_executor() -> MigrationExecutor:
    """One executor per process: its loader reads the migration files once."""
    global _executor
    if _executor is None or _executor.loader.graph is None:
        _executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    return _executor


def forget_cached_graph(*, setting: str = "MIGRATION_MODULES", **kwargs) -> None:
    """For a process whose migration files changed (a test injecting a migration module)."""
    global _executor
    if setting in {"MIGRATION_MODULES", "INSTALLED_APPS"}:
        _executor = None
        _states.clear()


setting_changed.connect(forget_cached_graph)


def _state_before(executor: MigrationExecutor, applied: frozenset):
    """The project state with exactly `applied` migrations, built once and cloned per use:
    rendering it from the first migration is most of what a migrate costs."""
    if applied not in _states:
        state = executor._create_project_state(with_applied_migrations=True)
        state.apps  # render the models now, so that clones of it are cheap  # noqa: B018
        _states[applied] = state
    return _states[applied].clone()


def schema_migrate(schema: str) -> SchemaResult:
    """Apply the pending migrations to one schema and record its state, in one transaction.

    Never raises: a failure is rolled back, recorded on the schema's state with the error,
    and returned, so the caller can carry on with the other schemas."""
    started = time.perf_counter()
    conn = connections[DEFAULT_DB_ALIAS]
    try:
        # django_migrations must be made in this schema, not found in public.
        conn.set_schema(schema, include_public=False)
        MigrationRecorder(conn).ensure_schema()
        conn.set_schema(schema)
        applied = _schema_pending_applied(schema, conn)
        return SchemaResult(schema, applied, time.perf_counter() - started)
    except Exception as error:  # one schema's failure must not stop the others
        message = f"{type(error).__name__}: {error}".strip()
        detail = traceback.format_exc(limit=-3)
        try:
            conn.set_schema_to_public()
            schema_state_record(schema, fingerprint=None, failure=f"{message}\n{detail}")
        except Exception:  # the database may be the failure; report it anyway
            pass
        return SchemaResult(schema, 0, time.perf_counter() - started, message)
    finally:
        conn.set_schema_to_public()


def _schema_pending_applied(schema: str, conn) -> int:
    executor = _migration_executor()
    loader = executor.loader
    if loader.replacements:
        loader.build_graph()  # squashed migrations: the graph depends on what is applied
    else:
        loader.applied_migrations = executor.recorder.applied_migrations()
    targets = loader.graph.leaf_nodes()
    plan = executor.migration_plan(targets)
    if plan:
        # Each migration in its own transaction, as Django runs them: a data migration may
        # leave deferred foreign-key checks pending, which a later ALTER TABLE in the same
        # transaction refuses (measured on the demo's database from before issue 16).
        applied = frozenset(k for k in loader.applied_migrations if k in loader.graph.nodes)
        executor.migrate(targets, plan=plan, state=_state_before(executor, applied))
    # Recorded only once every migration is in: a failure leaves the migrations done so far
    # recorded in the schema (the truth) and the state behind, so a rerun finishes it.
    schema_state_record(schema, fingerprint=code_fingerprint())
    return len(plan)


def _worker_start() -> None:
    # Forked with the parent's connection closed: each worker opens its own, and closes it
    # when the pool ends so the server sees a clean goodbye.
    Finalize(None, connections.close_all, exitpriority=10)


def schemas_migrate(
    schemas: list[str],
    *,
    processes: int,
    progress: Callable[[int, int, SchemaResult], None] | None = None,
) -> list[SchemaResult]:
    """Migrate these schemas, `processes` at a time, calling progress(done, total, result)."""
    results = []
    for done, result in enumerate(_results(schemas, processes), start=1):
        results.append(result)
        if progress:
            progress(done, len(schemas), result)
    return results


def _results(schemas: list[str], processes: int) -> Iterator[SchemaResult]:
    if processes <= 1 or len(schemas) <= 1:
        yield from map(schema_migrate, schemas)
        return
    connections.close_all()  # never share a socket with the children
    context = multiprocessing.get_context("fork")
    pool = context.Pool(min(processes, len(schemas)), initializer=_worker_start)
    try:
        yield from _unordered(pool, schemas)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def _unordered(pool, schemas: Iterable[str]) -> Iterator[SchemaResult]:
    yield from pool.imap_unordered(schema_migrate, schemas, chunksize=1)


# ------------------------------------------------------------------ inside the caller's transaction
# A regency restored from an export made by an older SuKMa (sukma.platform.services.transfer):
# its schema is built at the migrations the export recorded, the rows are loaded, then it is
# brought to the code's migrations, all in the import's one transaction.


def schema_create_at(schema: str, applied: set[tuple[str, str]]) -> int:
    """Create `schema` empty and migrate it to exactly the migrations `applied` (the records
    of a schema made by an older SuKMa), as a regency schema is migrated: Django's executor
    with the connection on that schema, so the router runs the tenant apps' operations and
    every app's migrations are recorded. In the caller's transaction; returns the migrations
    applied. ValueError if `applied` is not a state the code's graph reaches on its own (a
    migration unknown here, or recorded without one it depends on)."""
    conn = connections[DEFAULT_DB_ALIAS]
    with conn.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {quote_schema_name(schema)}")
    try:
        # django_migrations must be made in this schema, not found in public.
        conn.set_schema(schema, include_public=False)
        MigrationRecorder(conn).ensure_schema()
        conn.set_schema(schema)
        executor = MigrationExecutor(conn)  # its loader reads this schema's (no) records
        graph = executor.loader.graph
        unknown = sorted(applied - set(graph.nodes))
        if unknown:
            raise ValueError(f"migration {unknown[0]} is not in the code's graph")
        # Per app, its recorded migrations that no recorded one of the same app follows.
        targets = sorted(
            key
            for key in applied
            if not any(
                c.key in applied and c.key[0] == key[0] for c in graph.node_map[key].children
            )
        )
        plan = executor.migration_plan(targets)
        needed = sorted({(migration.app_label, migration.name) for migration, _ in plan} - applied)
        if needed:
            raise ValueError(f"migration {needed[0]} is needed by the recorded ones")
        _migrate_in_transaction(executor, targets, plan)
        return len(plan)
    finally:
        conn.set_schema_to_public()


def schema_migrate_in_transaction(schema: str) -> int:
    """Apply every migration `schema` lacks, in the caller's transaction (so a failure undoes
    all of them with the rest of it), and record its state; returns the migrations applied."""
    conn = connections[DEFAULT_DB_ALIAS]
    try:
        conn.set_schema(schema)
        executor = MigrationExecutor(conn)  # its loader reads this schema's records
        targets = executor.loader.graph.leaf_nodes()
        plan = executor.migration_plan(targets)
        if plan:
            _migrate_in_transaction(executor, targets, plan)
    finally:
        conn.set_schema_to_public()
    schema_state_record(schema, fingerprint=code_fingerprint())
    return len(plan)


def _migrate_in_transaction(executor: MigrationExecutor, targets, plan) -> None:
    """executor.migrate within the caller's transaction: each migration's own atomic block is
    a savepoint of it. Before each migration the deferred foreign-key checks are run (and
    deferred again): rows just loaded, or written by a data migration, leave such checks
    pending, and PostgreSQL refuses to ALTER a table that has pending trigger events."""
    conn = executor.connection
    if not conn.in_atomic_block:
        raise RuntimeError("_migrate_in_transaction needs the caller's transaction")

    def settle(action, migration=None, fake=False):
        if action == "apply_start":
            conn.check_constraints()

    executor.progress_callback = settle  # the executor is the caller's own, made for this
    executor.migrate(targets, plan=plan)
