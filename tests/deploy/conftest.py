"""SuKMa installed and served as deploy/ says, without a container engine.

What the image does (deploy/Containerfile), step by step: a wheel of this
repository, installed with its dependencies into a fresh virtual environment,
static files collected with the production settings; then what the machine
does (deploy/systemd/, deploy/nginx/): gunicorn with sukma.gunicorn_conf and
the production settings, behind Debian's nginx serving the very site template
of deploy/nginx/ with a self-signed wildcard certificate made here.

nginx runs as a plain process with its own configuration, pid and logs in a
temporary folder, on free ports. The product is served on its own base domain
(``sukma.test``: OpenSSL accepts no wildcard directly under a single label such
as ``localhost``), so Tulungagung is given one more domain under it for the
duration. Clients connect from 127.0.0.2 while nginx reaches gunicorn from
127.0.0.1 (the only trusted proxy): the app must see 127.0.0.2.
"""

import contextlib
import http.client
import os
import resource
import secrets
import shutil
import socket
import ssl
import string
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from sukma.tenants.models import Domain
from tests.serving.conftest import _database_url, _free_port

BASE = "sukma.test"
TULUNGAGUNG = f"tulungagungkab.{BASE}"
CLIENT = "127.0.0.2"  # the citizen's address as nginx sees it
DEPLOY = Path(settings.BASE_DIR) / "deploy"
NOT_SOURCE = shutil.ignore_patterns(
    ".venv", ".git", "var", "build", "dist", "*.egg-info", "__pycache__", "bench", "tests"
)


@dataclass(frozen=True)
class Installation:
    venv: Path
    static_root: Path
    state_dir: Path
    environment: dict


@dataclass(frozen=True)
class Served:
    https_port: int
    http_port: int
    certificate: Path
    gunicorn_access_log: Path
    nginx_access_log: Path
    installation: Installation


def _say(pytestconfig, message: str) -> None:
    """Printed even under pytest's capture: how long each step of the deployment took."""
    capture = pytestconfig.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\n[deploy] {message}", flush=True)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(command: list, **kwargs) -> None:
    run = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert run.returncode == 0, f"{command} failed:\n{run.stdout}\n{run.stderr}"


def _production_environment(state_dir: Path, static_root: Path) -> dict:
    """What the units and compose set (deploy/env.example), for this machine's test servers;
    DATABASE_URL is the test database's, added once it exists (``served``)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "sukma.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "REDIS_URL": settings.REDIS_URL,
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:9/not-needed-to-collect-static",
        "BASE_DOMAIN": BASE,
        "TRUSTED_PROXIES": "127.0.0.1",
        "SUKMA_STATE_DIR": str(state_dir),
        "STATIC_ROOT": str(static_root),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }


@pytest.fixture(scope="session")
def installation(tmp_path_factory, pytestconfig) -> Installation:
    """The wheel of this repository in a fresh virtual environment, static files collected."""
    root = tmp_path_factory.mktemp("installed")
    started, cpu_before = time.monotonic(), _children_cpu()
    source = root / "source"
    shutil.copytree(settings.BASE_DIR, source, ignore=NOT_SOURCE)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
          "--wheel-dir", str(root / "dist"), str(source)])  # fmt: skip
    (wheel,) = (root / "dist").glob("sukma-*.whl")
    built = time.monotonic()
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)])
    installed = time.monotonic()
    environment = _production_environment(root / "state", root / "static")
    (root / "state").mkdir()
    # Run from an empty folder: the checkout must not be importable, only the wheel.
    _run([str(venv / "bin" / "django-admin"), "collectstatic", "--noinput", "--verbosity", "0"],
         cwd=root / "state", env=environment)  # fmt: skip
    _say(
        pytestconfig,
        f"wheel {built - started:.1f} s, fresh venv with dependencies "
        f"{installed - built:.1f} s, collectstatic {time.monotonic() - installed:.1f} s "
        f"(wall clock; {_children_cpu() - cpu_before:.0f} s of CPU in all)",
    )
    return Installation(venv, root / "static", root / "state", environment)


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for the base domain and every subdomain (the wildcard)."""
    cert, key = folder / "wildcard.crt", folder / "wildcard.key"
    _run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
          "-nodes", "-days", "2", "-subj", f"/CN={BASE}", "-keyout", str(key), "-out", str(cert),
          "-addext", f"subjectAltName=DNS:{BASE},DNS:*.{BASE}"])  # fmt: skip
    return cert, key


def _nginx_configuration(folder: Path, cert: Path, key: str, ports: dict) -> Path:
    """deploy/nginx's site, filled in as deploy/README.md does with envsubst, inside a main
    configuration that keeps every file nginx writes in `folder`."""
    template = string.Template((DEPLOY / "nginx" / "sukma.conf.template").read_text())
    site = template.safe_substitute(
        BASE_DOMAIN=BASE,
        TLS_CERTIFICATE=cert,
        TLS_CERTIFICATE_KEY=key,
        HTTPS_PORT=ports["https"],
        HTTP_PORT=ports["http"],
        UPSTREAM=f"127.0.0.1:{ports['gunicorn']}",
        NGINX_LOG_DIR=folder,
    )
    (folder / "sukma.conf").write_text(site)
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy"))
    main = folder / "nginx.conf"
    main.write_text(
        f"""daemon off;
worker_processes 1;
{"user root;" if os.geteuid() == 0 else ""}
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 64; }}
http {{
{temp}
    fastcgi_temp_path {folder / "fastcgi"};
    uwsgi_temp_path {folder / "uwsgi"};
    scgi_temp_path {folder / "scgi"};
    include {folder / "sukma.conf"};
}}
"""
    )
    return main


def _wait_for_port(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{what} exited with {process.returncode}"
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not listen on {port} within a minute")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def _domain_for_tulungagung(personas, django_db_blocker):
    with django_db_blocker.unblock():
        domain = Domain.objects.create(domain=TULUNGAGUNG, tenant=personas.tulungagung)
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            domain.delete()


@pytest.fixture(scope="module")
def served(installation, personas, django_db_blocker, tmp_path_factory, pytestconfig) -> Served:
    """gunicorn (production settings, sukma.gunicorn_conf) behind nginx over TLS."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert os.path.exists(nginx), "nginx is missing: `make test` installs Debian's (debian-deps)"
    folder = tmp_path_factory.mktemp("served")
    ports = {"https": _free_port(), "http": _free_port(), "gunicorn": _free_port()}
    cert, key = _certificate(folder)
    main = _nginx_configuration(folder, cert, key, ports)
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / kind).mkdir()
    gunicorn_log = folder / "gunicorn.access.log"
    started = time.monotonic()
    with _domain_for_tulungagung(personas, django_db_blocker):
        gunicorn = subprocess.Popen(
            [str(installation.venv / "bin" / "gunicorn"), "-c", "python:sukma.gunicorn_conf",
             "sukma.wsgi", "--bind", f"127.0.0.1:{ports['gunicorn']}", "--workers", "2",
             "--access-logfile", str(gunicorn_log),
             "--error-logfile", str(folder / "gunicorn.error.log")],
            cwd=installation.state_dir, start_new_session=True,
            env={**installation.environment, "DATABASE_URL": _database_url()},
        )  # fmt: skip
        proxy = subprocess.Popen(
            [nginx, "-p", str(folder), "-c", str(main), "-e", str(folder / "error.log")],
            start_new_session=True,
        )
        try:
            _wait_for_port(ports["gunicorn"], gunicorn, "gunicorn")
            _wait_for_port(ports["https"], proxy, "nginx")
            _say(pytestconfig, f"gunicorn and nginx up in {time.monotonic() - started:.1f} s")
            yield Served(
                https_port=ports["https"],
                http_port=ports["http"],
                certificate=cert,
                gunicorn_access_log=gunicorn_log,
                nginx_access_log=folder / "sukma.access.log",
                installation=installation,
            )
        finally:
            _stop(proxy)
            _stop(gunicorn)
            cache.clear()  # the sign-in counters of the addresses used


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: str


def https(
    served: Served,
    host: str,
    path: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict | None = None,
) -> Answer:
    """A request to nginx from CLIENT over TLS for `host` (SNI and certificate checked)."""
    context = ssl.create_default_context(cafile=str(served.certificate))
    raw = socket.create_connection(
        ("127.0.0.1", served.https_port), timeout=60, source_address=(CLIENT, 0)
    )
    connection = http.client.HTTPConnection(host, served.https_port, timeout=60)
    connection.sock = context.wrap_socket(raw, server_hostname=host)
    try:
        connection.request(method, path, body=body, headers={"Host": host, **(headers or {})})
        answer = connection.getresponse()
        return Answer(answer.status, answer.headers, answer.read().decode())
    finally:
        connection.close()
