"""Services send work by task name (sukma.background): every name must be a task the worker runs."""

import pytest

from sukma import background
from sukma.worker.celery import app


@pytest.mark.parametrize("name", background.TASK_NAMES)
def test_every_name_sent_by_name_is_a_registered_task(name):
    app.loader.import_default_modules()
    assert name in app.tasks


def test_the_web_process_sends_through_the_worker_app():
    from celery import current_app

    assert current_app.main == app.main and current_app.conf.broker_url == app.conf.broker_url
