"""Refreshing the rankings: a run, its progress, and its steps (the workers call these).

A refresh is a RefreshRun: it rolls up every active regency (one task each,
fanned out by sukma.worker.tasks_rankings), then, in the public schema,
recomputes the rankings from the rollup
(sukma.platform.rankings.ranking.rankings_recompute). The dashboard, the API
and `manage.py refresh_rankings` start one with refresh_start and read
refresh_progress.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from sukma import background
from sukma.access.audit import audit_record
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


def refresh_send(run: RefreshRun) -> None:
    """Send a recorded refresh to the workers once its transaction commits (dashboard, API)."""
    background.send_on_commit(background.REFRESH_RANKINGS, args=[str(run.pk)], schema="public")


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


def refresh_busy() -> bool:
    """A refresh younger than STALE_AFTER is pending or running."""
    return RefreshRun.objects.filter(
        state__in=[RunState.PENDING, RunState.RUNNING],
        created_at__gte=timezone.now() - STALE_AFTER,
    ).exists()


def refresh_claim(run_id) -> list[tuple[int, str]] | None:
    """PENDING -> RUNNING, with the active regencies counted; None if the run was claimed before
    (a redelivered dispatcher does nothing twice). Returns (regency id, schema) pairs."""
    with transaction.atomic():
        regencies = list(active_regencies().values_list("pk", "schema_name"))
        claimed = RefreshRun.objects.filter(pk=run_id, state=RunState.PENDING).update(
            state=RunState.RUNNING, regencies_total=len(regencies)
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
