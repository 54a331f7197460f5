"""The Celery app of the fault tests' workers and beats: the product's app, with a pause where
a test means to kill the worker, and beat's schedule cut to seconds.

SUKMA_FAULT_PAUSE names where a worker stops for a while and says so in its log ("fault
pause: <where>"), so the test can SIGKILL it there: `rollup` (a refresh's rollup step about to
start), `finish` (the refresh's final step about to start: every regency rolled up) or
`report` (a report claimed and at 40 %). Only the worker started with it pauses; the worker
started after the kill runs without.

SUKMA_FAULT_BEAT names the beat entries to keep, each sent every SUKMA_FAULT_BEAT_SECONDS:
the production entries and options, on a schedule a test can wait for.
"""

import os
import sys
import time
from datetime import timedelta

from celery.signals import task_prerun

from sukma.worker.celery import app
from sukma.worker.schedule import BEAT_SCHEDULE

__all__ = ["app"]

PAUSE = os.environ.get("SUKMA_FAULT_PAUSE", "")
PAUSE_SECONDS = 60
STEPS = {
    "rollup": "sukma.worker.tasks_rankings.rollup_regency",
    "finish": "sukma.worker.tasks_rankings.refresh_finish",
}


def _pause(where: str) -> None:
    print(f"fault pause: {where}", file=sys.stderr, flush=True)
    time.sleep(PAUSE_SECONDS)


@task_prerun.connect
def _pause_before_step(sender=None, **_):
    if PAUSE in STEPS and sender.name == STEPS[PAUSE]:
        _pause(PAUSE)
    elif PAUSE == "report" and sender.name == "sukma.worker.tasks_reports.generate_report":
        _pause_reports_at_forty()


def _pause_reports_at_forty() -> None:
    """Once the report is claimed and its data read (40 %), as a slow PDF would be."""
    from sukma.surveys.reports import services

    if getattr(services._progress, "paused", False):
        return
    progress = services._progress

    def paused(report_id: int, percent: int) -> None:
        progress(report_id, percent)
        if percent == 40:
            _pause("report")

    paused.paused = True
    services._progress = paused


BEAT_ENTRIES = [name for name in os.environ.get("SUKMA_FAULT_BEAT", "").split(",") if name]
if BEAT_ENTRIES:
    every = timedelta(seconds=float(os.environ.get("SUKMA_FAULT_BEAT_SECONDS", "3")))
    app.conf.beat_schedule = {
        name: {**BEAT_SCHEDULE[name], "schedule": every, "options": {
            **BEAT_SCHEDULE[name].get("options", {}), "expires": every.total_seconds() * 5}}
        for name in BEAT_ENTRIES
    }  # fmt: skip
