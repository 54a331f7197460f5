"""What the worker tells about itself: task durations and failures, its logs, its metrics.

Connected to Celery's signals when the Celery app is made (sukma.worker.celery):

- task_prerun/task_postrun time each task run (sukma_task_duration_seconds, by task and
  outcome); with PROMETHEUS_MULTIPROC_DIR set, prefork children write them to files there.
- task_failure counts a failure and records it for the province (TaskFailure). Celery
  sends it only for a failure that is final: a retry sends task_retry instead, and a
  message requeued after its worker was lost sends nothing.
- worker_init serves the worker's metrics over HTTP on WORKER_METRICS_PORT.
- setup_logging: Celery leaves logging to Django's LOGGING (sukma.logs), so the worker's
  lines have the same format as the web's and each carries the task's regency.
"""

import logging
import logging.config
import threading
import time

from celery import signals
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context
from prometheus_client import start_http_server
from tenant_schemas_celery.app import get_schema_name_from_task

from sukma import metrics

log = logging.getLogger(__name__)

_started: dict[str, float] = {}
_started_lock = threading.Lock()
# The port the worker's metrics are served on (0: not served); tests read it.
served_port = 0


@signals.task_prerun.connect
def _task_started(task_id=None, **_):
    with _started_lock:
        _started[task_id] = time.monotonic()


@signals.task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **_):
    with _started_lock:
        started = _started.pop(task_id, None)
    if started is not None and task is not None:
        metrics.TASK_SECONDS.labels(task=task.name, state=state or "UNKNOWN").observe(
            time.monotonic() - started
        )


@signals.task_failure.connect
def _task_failed(sender=None, task_id=None, exception=None, kwargs=None, **_):
    name = getattr(sender, "name", "") or "unknown"
    metrics.TASK_FAILURES.labels(task=name).inc()
    schema = _schema_of(sender, kwargs) or ""
    try:
        # Imported here: the Celery app (and so this module) is imported before Django's apps
        # are ready when the worker starts.
        from sukma.platform.services.task_failures import task_failure_record

        # The task's transaction is over; an aborted one would refuse the insert.
        if connection.in_atomic_block or connection.needs_rollback:
            connection.close()
        with schema_context("public"):
            task_failure_record(
                task_name=name, task_id=task_id or "", schema_name=schema, error=exception or ""
            )
    except Exception:
        # Never fail the worker over its own bookkeeping; the line says what was lost.
        log.exception("could not record the failure of task %s (%s)", name, task_id)


def _schema_of(task, kwargs) -> str | None:
    try:
        return get_schema_name_from_task(task, kwargs or {})
    except Exception:
        return None


@signals.worker_init.connect
def _serve_metrics(**_):
    global served_port
    if not settings.WORKER_METRICS_PORT:
        return
    try:
        server, _thread = start_http_server(
            settings.WORKER_METRICS_PORT,
            addr=settings.WORKER_METRICS_ADDRESS,
            registry=metrics.process_registry(),
        )
    except OSError as exc:
        log.warning("worker metrics not served on port %s: %s", settings.WORKER_METRICS_PORT, exc)
        return
    served_port = server.server_port
    log.info("worker metrics served on %s:%s", settings.WORKER_METRICS_ADDRESS, served_port)


@signals.setup_logging.connect
def _django_logging(**_):
    logging.config.dictConfig(settings.LOGGING)
