"""Handing work to the worker, by task name.

A task is a thin face over a service, so the worker imports the services;
a service or a view that imported the worker back would close a circle.
They send by name instead, through the one Celery app, which the worker app
makes current when Django starts (sukma.worker.apps). Every name below is
checked against the worker's registered tasks by tests/worker/test_task_names.py.

A message carries the schema it runs in: the sender's current schema unless
`schema` says otherwise (tenant-schemas-celery stamps it).
"""

from celery import current_app
from celery.result import AsyncResult
from django.db import transaction

PROVISION_REGENCY = "sukma.worker.tasks.provision_regency"
GENERATE_REPORT = "sukma.worker.tasks_reports.generate_report"
REFRESH_RANKINGS = "sukma.worker.tasks_rankings.refresh_rankings"
RECONCILE_ALL = "sukma.worker.tasks_rankings.reconcile_all"

TASK_NAMES = (PROVISION_REGENCY, GENERATE_REPORT, REFRESH_RANKINGS, RECONCILE_ALL)


def send(
    name: str, *, args=(), schema: str | None = None, task_id: str | None = None
) -> AsyncResult:
    """Queue task `name` now; raises when the broker cannot be reached."""
    headers = {"_schema_name": schema} if schema else None
    return current_app.send_task(name, args=list(args), headers=headers, task_id=task_id)


def send_on_commit(name: str, **options) -> None:
    """Queue task `name` once the current transaction commits, so a worker sees what it wrote."""
    transaction.on_commit(lambda: send(name, **options))
