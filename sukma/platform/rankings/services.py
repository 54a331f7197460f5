"""Refreshing the rankings: a run, its progress, and its steps (the workers call these).

A refresh is a RefreshRun: it rolls up every active regency (one task each,
fanned out by sukma.worker.tasks_rankings), then, in the public schema,
recomputes the rankings from the rollup
(sukma.platform.rankings.ranking.rankings_recompute). The dashboard, the API
and `manage.py refresh_rankings` start one with refresh_start and read
refresh_progress; people ask through refresh_request, which merges and limits.
"""

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy

from sukma import background
from sukma.access.audit import audit_record
from sukma.access.work_limits import work_limit_check
from sukma.platform.rankings.models import RefreshKind, RefreshRun, RunState
from sukma.platform.rankings.rollup import (
    active_regencies,
    rollup_changed_run,
    rollup_regency_run,
)

# Beat does not start a refresh while a younger one is still going.
STALE_AFTER = timedelta(minutes=15)


@transaction.atomic
def refresh_start(*, acting_user, kind: str = RefreshKind.INCREMENTAL) -> RefreshRun:
    """Record a refresh (audited); the caller sends it to a worker or runs it in-process."""
    if kind not in RefreshKind.values:
        raise ValueError(f"unknown refresh kind {kind!r}")
    run = RefreshRun.objects.create(
        kind=kind, started_by=acting_user if getattr(acting_user, "pk", None) else None
    )
    audit_record(
        actor=acting_user,
        action="rankings.refresh_requested",
        target=run,
        after={"id": str(run.pk), "kind": run.kind},
    )
    return run


# What a job row says when the worker queue refused it: failed at once, never left pending.
QUEUE_UNREACHABLE = "the worker queue could not be reached; nothing was started"


def refresh_send(run: RefreshRun) -> None:
    """Send a recorded (committed) refresh to the workers (dashboard, API, the sweeper).

    Raises background.BrokerUnavailable after marking the run failed, so nothing waits
    for a message that was never sent and asking again starts a new run."""
    try:
        background.send(background.REFRESH_RANKINGS, args=[str(run.pk)], schema="public")
    except background.BrokerUnavailable:
        refresh_fail(run.pk, QUEUE_UNREACHABLE)
        raise


def refresh_progress(run: RefreshRun) -> dict:
    """What the dashboard and the API show of a run."""
    run.refresh_from_db()
    total, done = run.regencies_total, run.regencies_done
    return {
        "id": str(run.pk),
        "kind": run.kind,
        "state": run.state,
        "regencies_total": total,
        "regencies_done": done,
        "percent": 100 if run.state == RunState.DONE else (int(100 * done / total) if total else 0),
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "error": run.error,
    }


def _live_runs():
    """Pending or running runs, with the last sign of life of each (`last_sign`)."""
    return RefreshRun.objects.filter(state__in=[RunState.PENDING, RunState.RUNNING]).annotate(
        last_sign=Coalesce("heartbeat_at", "created_at")
    )


def refresh_busy() -> bool:
    """A refresh that showed a sign of life within STALE_AFTER is pending or running."""
    return _live_runs().filter(last_sign__gte=timezone.now() - STALE_AFTER).exists()


# Two beats started by mistake send every scheduled refresh twice: the second waits for
# this lock, then finds the first's run and starts none (refresh_start_scheduled). People's
# requests take it too (refresh_request), so at most one run is ever waiting or running.
SCHEDULED_REFRESH_LOCK = 0x5375_4B4D_5246  # "SuKMRF"


def _lock_refreshes() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEDULED_REFRESH_LOCK])


# What the page and the API say to a request that joined a run already going.
REFRESH_JOINED = gettext_lazy(
    "A refresh was already waiting or running, so no new one was started: "
    "your request joined that refresh."
)


def refresh_request(*, acting_user, kind: str = RefreshKind.INCREMENTAL) -> tuple[RefreshRun, bool]:
    """A person asks for a refresh (dashboard, API): (the run to watch, whether it is new).

    One run at a time: while one is pending or running (whoever started it, whatever its
    kind), the request joins it: no new run, no message. Otherwise a new run is recorded
    (audited), unless this person started SUKMA_REFRESH_LIMIT runs within
    SUKMA_REFRESH_WINDOW seconds (TooManyRequests). The caller sends a new run once this
    has committed (refresh_send)."""
    if kind not in RefreshKind.values:
        raise ValueError(f"unknown refresh kind {kind!r}")
    with transaction.atomic():
        _lock_refreshes()
        going = RefreshRun.objects.filter(state__in=[RunState.PENDING, RunState.RUNNING])
        joined = going.order_by("created_at").first()
        if joined is not None:
            return joined, False
        if getattr(acting_user, "pk", None):
            work_limit_check(
                what="refresh",
                # A run the queue refused started nothing: asking again after an outage is free.
                started=RefreshRun.objects.filter(started_by=acting_user).exclude(
                    error=QUEUE_UNREACHABLE
                ),
                limit=settings.SUKMA_REFRESH_LIMIT,
                window=settings.SUKMA_REFRESH_WINDOW,
            )
        return refresh_start(acting_user=acting_user, kind=kind), True


def refresh_start_scheduled() -> RefreshRun | None:
    """Beat's refresh: a new incremental run, unless one is already pending or running."""
    with transaction.atomic():
        _lock_refreshes()
        if refresh_busy():
            return None
        return refresh_start(acting_user=None, kind=RefreshKind.INCREMENTAL)


def refresh_claim(run_id) -> list[tuple[int, str]] | None:
    """PENDING -> RUNNING, with the active regencies counted; None if the run was claimed before
    (a redelivered dispatcher does nothing twice). Returns (regency id, schema) pairs."""
    with transaction.atomic():
        regencies = list(active_regencies().values_list("pk", "schema_name"))
        claimed = RefreshRun.objects.filter(pk=run_id, state=RunState.PENDING).update(
            state=RunState.RUNNING, regencies_total=len(regencies), heartbeat_at=timezone.now()
        )
    return regencies if claimed else None


def refresh_finish(run_id) -> RefreshRun:
    """The final step, in the public schema: recompute the rankings the rollup changed
    (a full refresh: every ranking)."""
    from sukma.platform.rankings.ranking import rankings_recompute, rankings_refresh

    run = RefreshRun.objects.get(pk=run_id)
    if run.kind == RefreshKind.FULL:
        rankings_recompute()
    else:
        rankings_refresh()
    RefreshRun.objects.filter(pk=run_id).exclude(state=RunState.FAILED).update(
        state=RunState.DONE, finished_at=timezone.now()
    )
    return RefreshRun.objects.get(pk=run_id)


def refresh_heartbeat(run_id) -> None:
    """A step of a running refresh is alive (each step calls this as it starts and ends)."""
    RefreshRun.objects.filter(pk=run_id, state=RunState.RUNNING).update(heartbeat_at=timezone.now())


# A run whose worker was lost this many times is failed rather than resumed once more:
# something in it (a regency too big for the worker's memory) kills every worker.
MAX_RESUMES = 2
WORKER_LOST = "its worker was lost %d times; start a new refresh"


def refresh_sweep(*, stale_after: timedelta) -> dict[str, int]:
    """Runs nobody is working on: resumed (sent again) or, after MAX_RESUMES, failed.

    Stale: running with no heartbeat for `stale_after` (longer than any step may take, so
    no live worker still holds it), or pending that long (its message was lost). A resumed
    run is claimed again by the dispatcher and rolls up every regency again: the rollup is
    idempotent (a cursor per regency), and the final step recomputes the rankings whole,
    so the result is a clean run's. Beat sends the sweeper every minute."""
    stale = _live_runs().filter(last_sign__lt=timezone.now() - stale_after)
    counts = {"resumed": 0, "failed": 0}
    for run_id, state, resumed in stale.values_list("pk", "state", "resumed"):
        if resumed >= MAX_RESUMES:
            refresh_fail(run_id, WORKER_LOST % resumed)
            counts["failed"] += 1
            continue
        # Conditional on what was read, so two sweepers (two beats) resume it once.
        taken = RefreshRun.objects.filter(pk=run_id, state=state, resumed=resumed).update(
            state=RunState.PENDING, resumed=resumed + 1, heartbeat_at=timezone.now()
        )
        if taken:
            refresh_send(RefreshRun.objects.get(pk=run_id))
            counts["resumed"] += 1
    return counts


def refresh_fail(run_id, error: str) -> None:
    RefreshRun.objects.filter(pk=run_id).exclude(state=RunState.DONE).update(
        state=RunState.FAILED, finished_at=timezone.now(), error=error[:2000]
    )


def refresh_run_here(run: RefreshRun, *, progress=None) -> RefreshRun:
    """Run a refresh in this process, regency after regency (no broker needed)."""
    regencies = refresh_claim(run.pk)
    if regencies is None:
        raise RuntimeError(f"refresh {run.pk} was already started")
    from sukma.tenants.models import Regency

    try:
        chosen = Regency.objects.filter(pk__in=[r for r, _ in regencies])
        if run.kind == RefreshKind.FULL:
            for n, regency in enumerate(chosen, 1):
                rollup_regency_run(regency=regency, full=True, run_id=run.pk)
                if progress:
                    progress(n, len(regencies))
        else:
            rollup_changed_run(regencies=list(chosen), run_id=run.pk, progress=progress)
        return refresh_finish(run.pk)
    except Exception as exc:
        refresh_fail(run.pk, f"{type(exc).__name__}: {exc}")
        raise
