"""A flood of one kind of work never starves another (issue 21: a report asked for after 900
refresh runs stayed pending behind 19,384 queued tasks, all in one queue).

Real workers, as deploy/compose.yaml runs them: one subprocess per group of queues (its `-Q`), on
the test database and Redis, each with one pool process to spare this machine. For every
kind, FLOOD messages of that kind are queued, then one task of each other kind is sent: each
must finish within BOUND seconds while the flood is still waiting. With one shared queue the
others would wait behind the whole flood (FIFO), so the flood would be drained first.

Each message is a real task of its kind on a job that is already done (a refresh run, a
report, a provisioning job; complaints with nothing new; agreements with none due): the task
runs through its worker, its schema and its database queries, and changes nothing.
"""

import os
import socket
import subprocess
import sys
import time

import pytest
import redis
import yaml
from django.conf import settings
from django_tenants.utils import schema_context

from sukma import background
from sukma.platform.models import JobState, ProvisioningJob
from sukma.platform.rankings.models import RefreshRun, RunState
from sukma.surveys.models import Period, PeriodKind
from sukma.surveys.reports.models import ReportFile, ReportState
from sukma.worker.celery import app
from tests.serving.conftest import _database_url

pytestmark = pytest.mark.worker

FLOOD = 500
BOUND = 30  # seconds: a task of another kind finishes within this, whatever the flood
COMPOSE = settings.BASE_DIR / "deploy" / "compose.yaml"


def _groups() -> dict[str, str]:
    """The deployment's workers: name -> the queues it reads (`-Q`), from deploy/compose.yaml."""
    groups = {}
    for name, service in yaml.safe_load(COMPOSE.read_text())["services"].items():
        words = service.get("command") or []
        if "worker" in words:
            groups[name] = words[words.index("-Q") + 1]
    return groups


def _start(name: str, queues: str, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sukma.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
    }
    command = [
        sys.executable, "-m", "celery", "-A", "sukma.worker.celery", "worker",
        "-Q", queues, "--concurrency", "1", "-n", f"flood-{name}@%h", "--loglevel", "WARNING",
        "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    return subprocess.Popen(
        command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=log, start_new_session=True
    )


@pytest.fixture(scope="module")
def deployed_workers(personas, tmp_path_factory):
    """The deployment's workers, started once for this module and stopped after it."""
    log = open(tmp_path_factory.mktemp("flood") / "workers.log", "w")  # noqa: SIM115
    groups = _groups()
    processes = [_start(name, queues, log) for name, queues in groups.items()]
    try:
        names = [f"flood-{name}@{socket.gethostname()}" for name in groups]
        deadline = time.monotonic() + 120
        while True:
            answered = {n for reply in app.control.ping(names, timeout=1) for n in reply}
            if answered >= set(names):
                break
            assert time.monotonic() < deadline, f"workers not up: {set(names) - answered}"
            assert all(p.poll() is None for p in processes), "a worker exited"
        yield groups
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


@pytest.fixture
def done_jobs(personas, committed):
    """One finished job of every kind, committed for the workers to read: kind -> message."""
    tulungagung = personas.tulungagung
    run = RefreshRun.objects.create(state=RunState.DONE)
    job = ProvisioningJob.objects.filter(state=JobState.SUCCEEDED).first()
    schema = tulungagung.schema_name
    with schema_context(schema):
        year, _new = Period.objects.get_or_create(
            kind=PeriodKind.YEAR,
            year=2031,
            number=1,
            defaults={"starts_on": "2031-01-01", "ends_on": "2031-12-31"},
        )
        report = ReportFile.objects.create(
            scope="regency", period=year, fmt="pdf", fingerprint="flood", state=ReportState.DONE
        )
    yield {
        "provisioning": (background.PROVISION_REGENCY, [str(job.pk)], "public"),
        "rollups": (background.REFRESH_RANKINGS, [str(run.pk)], "public"),
        "reports": (background.GENERATE_REPORT, [report.pk], schema),
        "mail": (
            "sukma.worker.tasks_complaints.notify_regency_complaints",
            [tulungagung.pk],
            schema,
        ),
        "default": ("sukma.worker.tasks.expire_agreements", [], "public"),
    }
    with schema_context(schema):
        report.delete()
        year.delete()
    run.delete()


def _send(message, **options):
    name, args, schema = message
    return app.send_task(name, args=args, headers={"_schema_name": schema}, **options)


def _waiting(queue: str) -> int:
    """Messages waiting in a queue: the length of its Redis list, named as the queue."""
    return redis.Redis.from_url(settings.REDIS_URL).llen(queue)


@pytest.mark.parametrize("flooded", ["provisioning", "rollups", "reports", "mail", "default"])
def test_a_flood_of_one_kind_leaves_every_other_kind_finishing(
    deployed_workers, done_jobs, flooded
):
    queue = app.amqp.router.route({}, done_jobs[flooded][0])["queue"].name
    assert queue == flooded
    try:
        with app.producer_or_acquire() as producer:
            for _ in range(FLOOD):
                _send(done_jobs[flooded], ignore_result=True, producer=producer)
        started = time.monotonic()
        probes = {kind: _send(m) for kind, m in done_jobs.items() if kind != flooded}

        finished = {kind: probe.get(timeout=BOUND) for kind, probe in probes.items()}

        took = time.monotonic() - started
        still_waiting = _waiting(flooded)
        print(f"flood of {FLOOD} {flooded}: the others finished in {took:.2f} s "
              f"with {still_waiting} {flooded} messages still waiting")  # fmt: skip
        assert took < BOUND
        assert still_waiting > 0, "the flood was drained before the others ran"
        assert finished["reports" if flooded != "reports" else "rollups"] in {"done", 0}
    finally:
        redis.Redis.from_url(settings.REDIS_URL).delete(flooded)  # the rest of the flood
