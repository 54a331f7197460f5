"""What beat sends, and when. Entries that concern every regency go to a dispatcher
task that fans out with an explicit schema per message (never a bare 'all tenants' entry)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "expire-agreements-daily": {
        "task": "sukma.worker.tasks.expire_agreements",
        "schedule": crontab(hour=0, minute=5),
    },
}
