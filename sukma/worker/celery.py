"""The one Celery app. Tenant-aware: a message carries its schema in the _schema_name header."""

import os

from tenant_schemas_celery.app import CeleryApp

from sukma.worker.schedule import BEAT_SCHEDULE

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sukma.settings.dev")

app = CeleryApp("sukma")
app.config_from_object("django.conf:settings", namespace="CELERY")
# One module of tasks per area of the product.
app.conf.include = [
    "sukma.worker.tasks",
    "sukma.worker.tasks_rankings",
    "sukma.worker.tasks_complaints",
    "sukma.worker.tasks_reports",
    "sukma.worker.tasks_privacy",
    "sukma.worker.tasks_jobs",
]
app.conf.beat_schedule = BEAT_SCHEDULE

# Task durations and failures, the worker's metrics and its logs (sukma.worker.observe).
from sukma.worker import observe  # noqa: E402, F401
