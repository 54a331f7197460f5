"""Tasks of complaints: ids in, one service call, their own retry policy. Each is idempotent.

Escalation runs hourly from beat as a dispatcher (in the public schema) that fans
out one message per active regency, each stamped with that regency's schema in
the ``_schema_name`` header (never a bare "all tenants" entry: see PITFALLS.md).
"""

import datetime

from celery.utils.log import get_task_logger
from django.db import DatabaseError, connection
from django_tenants.utils import tenant_context

from sukma.surveys.complaints.services import cases_escalate_due, cases_notify_arrivals
from sukma.tenants.models import Regency
from sukma.worker.celery import app
from sukma.worker.fan_out import fan_out

log = get_task_logger(__name__)

TRANSIENT = (DatabaseError, ConnectionError, TimeoutError)


def _moment(iso: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(iso) if iso else None


@app.task(
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=5,
    time_limit=120,
)
def escalate_overdue_complaints(now: str | None = None) -> list[str]:
    """Hourly: one escalate_regency_complaints message per active regency, schema stamped."""
    return fan_out(escalate_regency_complaints, kwargs={"now": now})


@app.task(
    acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5, time_limit=120
)
def notify_new_complaints() -> list[str]:
    """Every minute: tell agencies of the cases that arrived, one message per regency."""
    return fan_out(notify_regency_complaints)


@app.task(
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
    time_limit=300,
)
def notify_regency_complaints(regency_id: int) -> list[int]:
    """Mail the agencies of one regency's new cases (each case once); the ids notified."""
    regency = Regency.objects.get(pk=regency_id)
    with tenant_context(regency):
        return cases_notify_arrivals(regency=regency)


@app.task(
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
    time_limit=300,
)
def escalate_regency_complaints(regency_id: int, now: str | None = None) -> list[int]:
    """Escalate one regency's cases past their clocks (once per clock); the ids escalated."""
    regency = Regency.objects.get(pk=regency_id)
    if connection.schema_name != regency.schema_name:
        # The header should have switched us already; never run one regency's work in another.
        log.warning(
            "escalation for %s arrived in schema %s", regency.schema_name, connection.schema_name
        )
    with tenant_context(regency):
        escalated = cases_escalate_due(now=_moment(now), regency=regency)
    if escalated:
        log.info("escalated %s complaints in %s", len(escalated), regency.schema_name)
    return escalated
