"""Tasks of privacy (docs/data-inventory.md): daily purges of what is kept only for a while.

Beat sends `purge_hashes` in the public schema; it fans out one message per active regency
(sukma/worker/fan_out.py) to clear respondents' device and address hashes and their keys.
`purge_staff_records` runs in the public schema. Idempotent: a second run finds nothing.
"""

import datetime

from django.db import DatabaseError
from django.utils import timezone
from django_tenants.utils import tenant_context

from sukma.access.retention import staff_records_purge
from sukma.surveys.recording.hash_keys import hashes_purge
from sukma.tenants.models import Regency
from sukma.worker.celery import app
from sukma.worker.fan_out import fan_out

TRANSIENT = (DatabaseError, ConnectionError, TimeoutError)


@app.task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def purge_hashes(today: str | None = None) -> list[str]:
    """Daily: one purge_regency_hashes message per active regency, schema stamped."""
    return fan_out(purge_regency_hashes, kwargs={"today": today})


@app.task(
    acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5, time_limit=600
)
def purge_regency_hashes(regency_id: int, today: str | None = None) -> dict[str, int]:
    """Delete one regency's expired hash keys and clear its old hashes; what was removed."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    regency = Regency.objects.get(pk=regency_id)
    with tenant_context(regency):
        return hashes_purge(today=day)


@app.task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def purge_staff_records() -> dict[str, int]:
    """Daily: old sign-in records deleted, old audit addresses cleared."""
    return staff_records_purge(now=timezone.now())
