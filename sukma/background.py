"""Handing work to the worker, by task name.

A task is a thin face over a service, so the worker imports the services;
a service or a view that imported the worker back would close a circle.
They send by name instead, through the one Celery app, which the worker app
makes current when Django starts (sukma.worker.apps). Every name below is
checked against the worker's registered tasks by tests/worker/test_task_names.py.

A message carries the schema it runs in: the sender's current schema unless
`schema` says otherwise (tenant-schemas-celery stamps it).

Sending fails fast. Left to its defaults, Celery retries a publish for about 19 s while
Redis is down and then raises whatever broke last (kombu's OperationalError, or a
RuntimeError from the result backend's subscription): a request would hang and then
answer 500. Here a publish is tried once, on connections that give up within the
connect timeouts of settings (CELERY_BROKER_TRANSPORT_OPTIONS), results are not
subscribed to (nothing on the request path waits for one: the job rows say how a job
goes), and every failure is one exception, BrokerUnavailable, that the callers turn
into "try again" after failing or removing the row they made.
"""

import contextlib
import logging

from celery import current_app
from celery.result import AsyncResult
from django.db import transaction

from sukma.errors import BrokerUnavailable

log = logging.getLogger(__name__)

PROVISION_REGENCY = "sukma.worker.tasks.provision_regency"
GENERATE_REPORT = "sukma.worker.tasks_reports.generate_report"
REFRESH_RANKINGS = "sukma.worker.tasks_rankings.refresh_rankings"
RECONCILE_ALL = "sukma.worker.tasks_rankings.reconcile_all"

TASK_NAMES = (PROVISION_REGENCY, GENERATE_REPORT, REFRESH_RANKINGS, RECONCILE_ALL)


def send(
    name: str, *, args=(), schema: str | None = None, task_id: str | None = None
) -> AsyncResult:
    """Queue task `name` now; raises BrokerUnavailable (within seconds) when it cannot."""
    headers = {"_schema_name": schema} if schema else None
    try:
        return current_app.send_task(
            name,
            args=list(args),
            headers=headers,
            task_id=task_id,
            retry=False,
            ignore_result=True,
        )
    except Exception as error:  # kombu, redis-py and the result backend each raise their own
        log.warning("could not queue %s: %s: %s", name, type(error).__name__, error)
        raise BrokerUnavailable(str(error)) from error


def send_on_commit(name: str, **options) -> None:
    """Queue task `name` once the current transaction commits, so a worker sees what it wrote.

    For senders with nothing to undo (a failure is logged): a caller that made a job row
    sends after its commit with `send` and fails the row itself when that raises."""

    def _send():
        with contextlib.suppress(BrokerUnavailable):  # logged by send
            send(name, **options)

    transaction.on_commit(_send)
