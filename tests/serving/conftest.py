"""The product behind gunicorn, as deployed: a separate process, real sockets, real workers.

The server is started once per session against the test database and the
test Redis; the test plays the deployment's proxy (TRUSTED_PROXIES names
127.0.0.1) and says in X-Forwarded-For which client address a request comes
from. What a test writes for the server to read must be committed
(``committed``), and it cleans up after itself (``counter``).
"""

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from tests.cleanup import remove_agency
from tests.conftest import TULUNGAGUNG_HOST
from tests.factories import counter_create


def _database_url() -> str:
    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    auth = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    if host.startswith("/"):  # the embedded server's Unix socket
        return f"postgresql://{auth}@/{db['NAME']}?host={quote(host)}"
    return f"postgresql://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/", headers={"Host": TULUNGAGUNG_HOST})
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within a minute")


@contextlib.contextmanager
def _serving(django_db_blocker, trusted_proxies: str, **extra_env: str):
    """A gunicorn on a free port that believes X-Forwarded-For only from `trusted_proxies`
    (and whose environment has `extra_env` on top)."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sukma.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "TRUSTED_PROXIES": trusted_proxies,
        **extra_env,
    }
    command = [
        sys.executable, "-m", "gunicorn", "sukma.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4",
        "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, start_new_session=True)
    try:
        with django_db_blocker.unblock():
            _wait_ready(port, process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def gunicorn(personas, django_db_blocker):
    """The port of a gunicorn serving the product (2 workers x 4 threads).

    deploy/ runs one thread per process by default (sukma/gunicorn_conf.py); threads here
    also exercise what a process shares between its requests, as SUKMA_THREADS > 1 would.
    """
    with _serving(django_db_blocker, "127.0.0.1") as port:
        yield port


@pytest.fixture(scope="session")
def gunicorn_untrusting(personas, django_db_blocker):
    """The same product, whose only trusted proxy is some other address: the test's
    X-Forwarded-For comes from an untrusted peer and must change nothing."""
    with _serving(django_db_blocker, "192.0.2.1") as port:
        yield port


@pytest.fixture
def counter(personas, committed):
    """A committed agency with a counter in Tulungagung; its responses and totals removed after."""
    point = counter_create(personas.tulungagung, "GU")
    yield point
    remove_agency(personas.tulungagung, point.agency_id)
    cache.clear()  # the rate-limit counters of the addresses the test used
