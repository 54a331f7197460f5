"""Services send work by task name (sukma.background): every name must be a task the worker runs,
and every task must wait in a queue the deployment's workers read (deploy/)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

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


def _consumed_queues(commands: list[str]) -> set[str]:
    """The queues the worker commands of a deployment file consume (`-Q a,b`)."""
    consumed = set()
    for command in commands:
        words = command.split()
        if "worker" not in words:
            continue
        assert "-Q" in words, f"a worker consumes only the default queue: {command}"
        consumed |= set(words[words.index("-Q") + 1].split(","))
    return consumed


def _deployments() -> dict[str, set[str]]:
    """The queues each way of deploying consumes: compose's services, systemd's units."""
    services = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]
    units = sorted((ROOT / "deploy" / "systemd").glob("sukma-*.service"))
    starts = [
        line.split("=", 1)[1]
        for unit in units
        for line in unit.read_text().splitlines()
        if line.startswith("ExecStart=")
    ]
    return {
        "compose.yaml": _consumed_queues(
            [
                " ".join(s["command"])
                for s in services.values()
                if isinstance(s.get("command"), list)
            ]
        ),
        "systemd": _consumed_queues(starts),
    }


def test_every_registered_task_goes_to_a_queue_every_deployment_consumes():
    """A task routed to a queue no worker reads waits forever: each one, Celery's own too."""
    app.loader.import_default_modules()
    deployments = _deployments()
    for deployment, consumed in deployments.items():
        assert consumed == set(settings.SUKMA_QUEUES), deployment
    routed = {}
    for name in app.tasks:
        queue = app.amqp.router.route({}, name)["queue"].name
        routed[name] = queue
        for deployment, consumed in deployments.items():
            assert queue in consumed, f"{name} waits in {queue!r}, which {deployment} never reads"
    # The kinds the issue names are apart.
    assert routed[background.PROVISION_REGENCY] == "provisioning"
    assert routed[background.REFRESH_RANKINGS] == routed[background.RECONCILE_ALL] == "rollups"
    assert routed["sukma.worker.tasks_rankings.rollup_regency"] == "rollups"
    assert routed[background.GENERATE_REPORT] == "reports"
    assert routed["sukma.worker.tasks_complaints.notify_regency_complaints"] == "mail"
    assert routed["sukma.worker.tasks_jobs.sweep_stale_jobs"] == "default"
