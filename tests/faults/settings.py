"""The test settings, with the tasks' hard time limits cut to seconds (Celery annotations):
the sweeper calls a job stale after its task's limit plus a grace, so a test need not wait
the production minutes to see a killed worker's job resumed."""

from sukma.settings.test import *  # noqa: F403

CELERY_TASK_ANNOTATIONS = {
    name: {"time_limit": 20, "soft_time_limit": 15}
    for name in (
        "sukma.worker.tasks_rankings.refresh_rankings",
        "sukma.worker.tasks_rankings.rollup_regency",
        "sukma.worker.tasks_rankings.refresh_finish",
        "sukma.worker.tasks_reports.generate_report",
        "sukma.worker.tasks.provision_regency",
    )
}
SUKMA_STALE_JOB_GRACE_SECONDS = 2

# The worker's mail, readable by the test (the locmem outbox of the test settings lives and
# dies inside the worker's process).
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = str(BASE_DIR / "var" / "faults" / "mail")  # noqa: F405
