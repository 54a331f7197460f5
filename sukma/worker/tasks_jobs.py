"""The sweeper: jobs whose worker is gone are resumed or failed, never left "in progress".

A worker killed outright (SIGKILL by the OOM killer, a lost machine) leaves the job it held
marked running, and with Redis as broker its message comes back only after the visibility
timeout (settings: two hours). Beat sends this task every minute. A job is stale when it has
shown no sign of life for longer than its task's hard time limit (after which Celery itself
kills a task, so no live worker can still hold it) plus a grace: the refresh's heartbeat,
a report's claim, a provisioning job's last step. Each kind's service decides what to do:
send it again (every task is idempotent) or, once it was lost before, fail it visibly.
"""

from datetime import timedelta

from celery.utils.log import get_task_logger
from django.conf import settings
from django_tenants.utils import schema_context

from sukma.platform.rankings.rollup import active_regencies
from sukma.platform.rankings.services import refresh_sweep
from sukma.platform.services.provisioning import provisioning_sweep
from sukma.surveys.reports.services import report_sweep
from sukma.worker.celery import app

log = get_task_logger(__name__)

REFRESH_STEPS = (
    "sukma.worker.tasks_rankings.refresh_rankings",
    "sukma.worker.tasks_rankings.rollup_regency",
    "sukma.worker.tasks_rankings.refresh_finish",
)
PROVISION = "sukma.worker.tasks.provision_regency"
REPORT = "sukma.worker.tasks_reports.generate_report"


def stale_after(*task_names: str) -> timedelta:
    """The longest hard time limit of these tasks (as configured, annotations included)
    plus the grace for a message waiting in the queue."""
    limit = max(app.tasks[name].time_limit or app.conf.task_time_limit or 0 for name in task_names)
    return timedelta(seconds=limit + settings.SUKMA_STALE_JOB_GRACE_SECONDS)


@app.task(acks_late=True, soft_time_limit=50, time_limit=55)
def sweep_stale_jobs() -> dict:
    """Resume or fail every stale refresh, provisioning job and report (in the public schema)."""
    swept = {
        "refresh": refresh_sweep(stale_after=stale_after(*REFRESH_STEPS)),
        "provisioning": provisioning_sweep(stale_after=stale_after(PROVISION)),
        "reports": {"resumed": 0, "failed": 0},
    }
    report_limit = stale_after(REPORT)
    for schema in active_regencies().values_list("schema_name", flat=True):
        with schema_context(schema):
            for key, value in report_sweep(stale_after=report_limit).items():
                swept["reports"][key] += value
    if any(n for kind in swept.values() for n in kind.values()):
        log.warning("stale jobs swept: %s", swept)
    return swept
