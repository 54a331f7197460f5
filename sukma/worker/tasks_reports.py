"""Tasks of reports: ids in, one service call, their own retry policy. Each is idempotent.

A report request is sent with its regency's schema in the ``_schema_name``
header (sukma.surveys.reports.services), so the task runs in that schema.
"""

from celery.utils.log import get_task_logger
from django.db import DatabaseError, connection

from sukma.surveys.reports.services import report_generate
from sukma.worker.celery import app

log = get_task_logger(__name__)

TRANSIENT = (DatabaseError, ConnectionError, TimeoutError)


@app.task(
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
    soft_time_limit=600,
    time_limit=660,
)
def generate_report(report_id: int) -> str:
    """Make a requested report's file; a request already claimed or done is left alone."""
    report = report_generate(report_id=report_id, regency=connection.tenant)
    return report.state
