"""What beat sends, and when. Entries that concern every regency go to a dispatcher
task that fans out with an explicit schema per message (never a bare 'all tenants' entry)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "expire-agreements-daily": {
        "task": "sukma.worker.tasks.expire_agreements",
        "schedule": crontab(hour=0, minute=5),
    },
    # Rankings: the incremental rollup of every active regency, then the rankings.
    "refresh-rankings-incremental": {
        "task": "sukma.worker.tasks_rankings.refresh_rankings",
        "schedule": crontab(minute="*/5"),
        "options": {"headers": {"_schema_name": "public"}, "expires": 280},
    },
    # Jobs whose worker was lost (SIGKILL, a lost machine): resumed or failed, every minute.
    "sweep-stale-jobs": {
        "task": "sukma.worker.tasks_jobs.sweep_stale_jobs",
        "schedule": crontab(),
        "options": {"headers": {"_schema_name": "public"}, "expires": 55},
    },
    # Rankings: the rollup recomputed from every regency's raw responses, nightly.
    "reconcile-rankings-nightly": {
        "task": "sukma.worker.tasks_rankings.reconcile_all",
        "schedule": crontab(hour=2, minute=30),
        "options": {"headers": {"_schema_name": "public"}},
    },
    # Respondents' device and address hashes: expired keys deleted, old hashes cleared.
    "purge-respondent-hashes-daily": {
        "task": "sukma.worker.tasks_privacy.purge_hashes",
        "schedule": crontab(hour=0, minute=20),
        "options": {"headers": {"_schema_name": "public"}, "expires": 3600},
    },
    # Staff: old sign-in records and audit addresses (sukma/access/retention.py).
    "purge-staff-records-daily": {
        "task": "sukma.worker.tasks_privacy.purge_staff_records",
        "schedule": crontab(hour=0, minute=25),
        "options": {"headers": {"_schema_name": "public"}, "expires": 3600},
    },
    # Complaints: agencies told of new cases within a minute, per regency.
    "notify-new-complaints": {
        "task": "sukma.worker.tasks_complaints.notify_new_complaints",
        "schedule": crontab(),
        "options": {"headers": {"_schema_name": "public"}, "expires": 55},
    },
    # Complaints: cases past their SP4N-LAPOR! clocks escalated, hourly, per regency.
    "escalate-overdue-complaints-hourly": {
        "task": "sukma.worker.tasks_complaints.escalate_overdue_complaints",
        "schedule": crontab(minute=17),
        "options": {"headers": {"_schema_name": "public"}, "expires": 3000},
    },
}
