"""Tasks of rankings: ids in, one service call, their own retry policy. Each is idempotent.

The dispatchers (refresh_rankings, reconcile_all) run in the public schema and
fan out one task per ACTIVE regency, each message stamped with that regency's
schema (a group sent from the public schema would otherwise stamp `public` on
every member), then a final step stamped `public` (a chord); an incremental
refresh instead sends one task per REGENCIES_PER_TASK regencies, stamped `public`,
which reads only what changed in their schemas (rollup_changed_run). A per-regency
task checks that the schema it was given is its regency's: a message with a
wrong schema fails loudly instead of rolling up the wrong regency.
"""

from celery import chord
from celery.utils.log import get_task_logger
from django.db import DatabaseError, connection
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from sukma.platform.rankings import reconcile, services
from sukma.platform.rankings.models import RefreshKind, RefreshRun
from sukma.platform.rankings.rollup import rollup_changed_run, rollup_regency_run
from sukma.tenants.models import Regency
from sukma.worker.celery import app

log = get_task_logger(__name__)

PUBLIC = {"_schema_name": "public"}
REGENCIES_PER_TASK = 200
# Database and broker hiccups are worth retrying; a bug is not.
TRANSIENT = (
    DatabaseError,
    ConnectionError,
    TimeoutError,
    RedisConnectionError,
    RedisTimeoutError,
    BrokerError,
)
RETRY = dict(
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=6,
)


def on_schema(signature, schema: str):
    """The signature with its own schema header, whatever schema sends it."""
    return signature.set(headers={"_schema_name": schema})


def _regency_of_this_message(regency_id: int) -> Regency:
    regency = Regency.objects.get(pk=regency_id)
    if connection.schema_name != regency.schema_name:
        raise RuntimeError(
            f"message for regency {regency_id} ran in schema {connection.schema_name!r}, "
            f"not {regency.schema_name!r}"
        )
    return regency


class RefreshStepTask(app.Task):
    """A step of a refresh: when it fails for good (retries spent), the run says so."""

    abstract = True

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        run_id = kwargs.get("run_id")
        if run_id:
            services.refresh_fail(run_id, f"{self.name}: {type(exc).__name__}: {exc}")


# ------------------------------------------------------------------------------ refresh
@app.task(base=RefreshStepTask, bind=True, soft_time_limit=600, time_limit=660, **RETRY)
def rollup_regency(self, regency_id: int, *, run_id: str | None = None, full: bool = False):
    """Roll one regency's changed totals into the public schema (in its own schema)."""
    regency = _regency_of_this_message(regency_id)
    if run_id:
        services.refresh_heartbeat(run_id)
    result = rollup_regency_run(regency=regency, full=full, run_id=run_id)
    if run_id:
        services.refresh_heartbeat(run_id)
    return {"regency": regency_id, "rows": result.rows}


@app.task(base=RefreshStepTask, bind=True, soft_time_limit=600, time_limit=660, **RETRY)
def rollup_regencies(self, regency_ids: list[int], *, run_id: str | None = None):
    """An incremental rollup of some regencies, in the public schema: only what changed is
    read and copied (sukma.platform.rankings.rollup.rollup_changed_run)."""
    regencies = list(Regency.objects.filter(pk__in=regency_ids).order_by("pk"))
    summary = rollup_changed_run(regencies=regencies, run_id=run_id)
    return {"regencies": summary.regencies, "rows": summary.rows}


@app.task(base=RefreshStepTask, bind=True, soft_time_limit=600, time_limit=660, **RETRY)
def refresh_finish(self, *, run_id: str) -> str:
    """The final step of a refresh, in the public schema: the rankings from the rollup."""
    services.refresh_heartbeat(run_id)
    return services.refresh_finish(run_id).state


@app.task(base=RefreshStepTask, bind=True, soft_time_limit=60, time_limit=90, **RETRY)
def refresh_rankings(self, run_id: str | None = None) -> int:
    """Dispatcher: one rollup per active regency, then refresh_finish. Without run_id (beat),
    an incremental run is recorded first, unless a recent one is still going."""
    if run_id is None:
        scheduled = services.refresh_start_scheduled()
        if scheduled is None:
            log.info("a refresh is still going; beat's refresh skipped")
            return 0
        run_id = str(scheduled.pk)
    run = RefreshRun.objects.get(pk=run_id)
    regencies = services.refresh_claim(run.pk)
    if regencies is None:
        return 0  # a redelivered dispatcher: the fan-out was sent already
    full = run.kind == RefreshKind.FULL
    final = on_schema(refresh_finish.si(run_id=run_id), "public")
    if not regencies:
        final.apply_async()
        return 0
    if full:
        steps = (
            on_schema(rollup_regency.si(regency_id, run_id=run_id, full=True), schema)
            for regency_id, schema in regencies
        )
    else:
        # Most regencies have nothing new: a task per regency would cost more than its work.
        ids = [regency_id for regency_id, _schema in regencies]
        steps = (
            on_schema(rollup_regencies.si(ids[n : n + REGENCIES_PER_TASK], run_id=run_id), "public")
            for n in range(0, len(ids), REGENCIES_PER_TASK)
        )
    chord(steps)(final)
    return len(regencies)


# ------------------------------------------------------------------------------ reconciliation
@app.task(bind=True, soft_time_limit=1800, time_limit=1900, **RETRY)
def reconcile_regency(self, run_id: int, regency_id: int) -> int:
    """Compare one regency's raw responses with the rollup; store the differences in the run."""
    regency = _regency_of_this_message(regency_id)
    return reconcile.reconciliation_record(run_id=run_id, regency=regency)


@app.task(bind=True, soft_time_limit=60, time_limit=90, **RETRY)
def reconcile_finish(self, run_id: int, regencies_checked: int) -> bool:
    return reconcile.reconciliation_finish(run_id=run_id, regencies_checked=regencies_checked).ok


@app.task(bind=True, soft_time_limit=60, time_limit=90, **RETRY)
def reconcile_all(self) -> int:
    """Dispatcher (nightly): one reconciliation per active regency, then reconcile_finish."""
    from sukma.platform.rankings.rollup import active_regencies

    run = reconcile.reconciliation_start()
    regencies = list(active_regencies().values_list("pk", "schema_name"))
    final = on_schema(reconcile_finish.si(run.pk, len(regencies)), "public")
    if not regencies:
        final.apply_async()
        return run.pk
    chord(
        on_schema(reconcile_regency.si(run.pk, regency_id), schema)
        for regency_id, schema in regencies
    )(final)
    return run.pk
