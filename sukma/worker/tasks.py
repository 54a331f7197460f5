"""Tasks: ids in, one service call, their own retry policy. Each is idempotent."""

from celery.utils.log import get_task_logger
from django.db import DatabaseError
from django.utils import timezone

from sukma.platform.services.agreements import agreements_expire_due
from sukma.platform.services.provisioning import provisioning_run
from sukma.worker.celery import app

log = get_task_logger(__name__)

# Database and broker hiccups are worth retrying; a bug is not.
TRANSIENT = (DatabaseError, ConnectionError, TimeoutError)


@app.task(
    bind=True,
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
    soft_time_limit=300,
    time_limit=360,
)
def provision_regency(self, job_id: str) -> str:
    """Run or resume a provisioning job; steps already done are skipped."""
    job = provisioning_run(job_id=job_id)
    return job.state


@app.task(
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=5,
    time_limit=120,
)
def expire_agreements() -> list[int]:
    """Daily: agreements past their validity become expired."""
    expired = agreements_expire_due(today=timezone.localdate())
    if expired:
        log.info("expired agreements %s", expired)
    return expired
