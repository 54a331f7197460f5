"""Services send work by task name (sukma.background): every name must be a task the worker runs."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sukma import background
from sukma.worker.celery import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", background.TASK_NAMES)
def test_every_name_sent_by_name_is_a_registered_task(name):
    app.loader.import_default_modules()
    assert name in app.tasks


def test_the_web_process_sends_through_the_worker_app():
    """Django alone (as in gunicorn) must make the worker's app current, or send_task would
    go through Celery's default app to a broker nobody runs. A fresh process, since this
    module imports the worker's app itself."""
    code = (
        "import django; django.setup(); from celery import current_app; "
        "from django.conf import settings; "
        "assert current_app.main == 'sukma', current_app.main; "
        "assert current_app.conf.broker_url == settings.CELERY_BROKER_URL"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=os.environ.copy())
