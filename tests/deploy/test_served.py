"""The product installed from its wheel, served by gunicorn behind nginx over TLS (conftest.py).

A citizen's page on a regency's subdomain, a regency's API and the province's
site, through the wildcard certificate; the client's address reaches the app
(and an address the client made up does not); the access logs keep neither
addresses nor query strings.
"""

import json
import secrets
import ssl
import subprocess
import time

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django_otp.plugins.otp_totp.models import TOTPDevice

from sukma.access.models import ApiToken, AuditEvent, User
from tests.cleanup import remove_agency
from tests.conftest import PASSWORD
from tests.deploy.conftest import BASE, CLIENT, TULUNGAGUNG, https
from tests.factories import counter_create
from tests.second_factor import code_for, device_for
from tests.serving.conftest import _database_url

MADE_UP = "198.51.100.77"  # what a client may write into X-Forwarded-For itself
PRIVATE_QUERY = "tampilan=besar&rahasia=nik-3504012345670001"


def _logged(log, path: str, seconds: float = 10) -> list[str]:
    """The lines of `log` about `path`: a server writes its line once the answer has gone, so
    the client may hold the answer a moment before the line is there."""
    deadline = time.monotonic() + seconds
    while True:
        lines = [line for line in log.read_text().splitlines() if path in line]
        if lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


@pytest.fixture
def counter(personas, committed):
    point = counter_create(personas.tulungagung, "DP")
    yield point
    remove_agency(personas.tulungagung, point.agency_id)


def test_the_wheel_runs_from_its_own_environment_with_its_static_files(served):
    installed = served.installation
    sukma = installed.venv / "lib"
    assert list(sukma.glob("python3*/site-packages/sukma/templates/base.html"))
    assert list(sukma.glob("python3*/site-packages/sukma/locale/id/LC_MESSAGES/django.mo"))
    # collectstatic's compressed copies, which whitenoise serves as they are
    assert (installed.static_root / "sukma" / "sukma.css").exists()
    assert (installed.static_root / "sukma" / "sukma.css.gz").exists()


def test_a_citizen_opens_the_form_on_the_regency_subdomain_over_tls(served, counter):
    answer = https(served, TULUNGAGUNG, f"/s/{counter.code}/?{PRIVATE_QUERY}")
    assert answer.status == 200, answer.body[:500]
    assert counter.agency.name in answer.body
    assert "includeSubDomains" in answer.headers["Strict-Transport-Security"]
    cookies = answer.headers.get_all("Set-Cookie")
    assert cookies, "the form sets its security and display cookies"
    assert all("Secure" in cookie for cookie in cookies), cookies
    static = https(served, TULUNGAGUNG, "/static/sukma/sukma.css")
    assert static.status == 200 and "body" in static.body


def test_the_province_site_answers_on_the_base_domain(served):
    answer = https(served, BASE, "/")
    assert answer.status == 200, answer.body[:500]
    assert "Strict-Transport-Security" in answer.headers


def test_plain_http_is_sent_to_https(served):
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", served.http_port, timeout=30)
    connection.request("GET", "/s/ABC/", headers={"Host": TULUNGAGUNG})
    answer = connection.getresponse()
    assert (answer.status, answer.headers["Location"]) == (301, f"https://{TULUNGAGUNG}/s/ABC/")


def test_a_name_outside_the_base_domain_gets_no_certificate(served):
    with pytest.raises(ssl.SSLError):
        https(served, "sukma.example.org", "/")


@pytest.fixture
def admin_with_production_password(personas, committed, django_db_blocker):
    """The Tulungagung admin, whose password is hashed as production hashes (the test settings'
    MD5 is unknown there), with an authenticator of a known secret; all restored after."""
    admin = personas.tulungagung_admin
    with django_db_blocker.unblock():
        before = User.objects.get(pk=admin.pk).password
        hasher = PBKDF2PasswordHasher()
        User.objects.filter(pk=admin.pk).update(password=hasher.encode(PASSWORD, hasher.salt()))
        had_device = TOTPDevice.objects.filter(user=admin).exists()
        device = device_for(admin)
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
        device.refresh_from_db()
        tokens_before = set(ApiToken.objects.values_list("pk", flat=True))
    yield admin, device
    with django_db_blocker.unblock():
        ApiToken.objects.exclude(pk__in=tokens_before).delete()
        User.objects.filter(pk=admin.pk).update(password=before)
        if not had_device:
            device.delete()


def test_the_regency_api_through_nginx_records_the_clients_address(
    served, admin_with_production_password
):
    admin, device = admin_with_production_password
    asked = https(
        served,
        TULUNGAGUNG,
        "/api/v1/auth/token/",
        method="POST",
        body=json.dumps(
            {"email": admin.email, "password": PASSWORD, "otp": code_for(device)}
        ).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": MADE_UP},
    )
    assert asked.status == 201, asked.body
    issued = json.loads(asked.body)
    token = ApiToken.objects.get(pk=issued["id"])
    event = AuditEvent.objects.get(action="api_token.issue", target_id=str(token.pk))
    # nginx vouches for the address that connected to it; the made-up one is nobody's.
    assert (token.created_from, event.address) == (CLIENT, CLIENT)

    regency = https(
        served,
        TULUNGAGUNG,
        "/api/v1/regency/",
        headers={"Authorization": f"Token {issued['token']}"},
    )
    assert regency.status == 200, regency.body
    assert json.loads(regency.body)["name"] == "Kabupaten Tulungagung"


def test_the_access_logs_hold_no_address_and_no_query_string(served, counter):
    path = f"/s/{counter.code}/"
    assert https(served, TULUNGAGUNG, f"{path}?{PRIVATE_QUERY}").status == 200
    for log in (served.gunicorn_access_log, served.nginx_access_log):
        lines = _logged(log, path)
        assert lines, f"{log.name} did not record the request"
        for line in lines:
            assert CLIENT not in line and "127.0.0.1" not in line, line
            assert "rahasia" not in line and "tampilan" not in line and "?" not in line, line


def test_the_access_logs_hold_no_tracking_code(served):
    code = "K7QX2M9P"  # whoever holds it reads the citizen's suggestion and its replies
    https(served, TULUNGAGUNG, f"/pengaduan/lacak/{code}/")
    for log in (served.gunicorn_access_log, served.nginx_access_log):
        lines = _logged(log, "/pengaduan/lacak/*/")
        assert lines, f"{log.name} did not record the request"
        assert code not in log.read_text()


def test_the_worker_of_the_units_and_compose_starts_from_the_wheel_and_answers(served, tmp_path):
    """deploy/systemd/sukma-worker.service's command, from the installed wheel with the
    production settings, on a queue of its own (it must take no other test's work)."""
    installed = served.installation
    celery = str(installed.venv / "bin" / "celery")
    environment = {**installed.environment, "DATABASE_URL": _database_url()}
    name = f"deploy-check-{secrets.token_hex(3)}@localhost"
    worker = subprocess.Popen(
        [celery, "-A", "sukma.worker.celery", "worker", "--loglevel", "INFO", "--pool", "solo",
         "-Q", name, "-n", name],
        cwd=installed.state_dir, env=environment, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        answer = ""
        while "pong" not in answer and time.monotonic() < deadline:
            assert worker.poll() is None, f"the worker exited with {worker.returncode}"
            answer = subprocess.run(
                [celery, "-A", "sukma.worker.celery", "inspect", "ping", "-d", name,
                 "--timeout", "5"],
                cwd=installed.state_dir, env=environment, capture_output=True, text=True,
            ).stdout  # fmt: skip
        assert "pong" in answer, answer
    finally:
        worker.terminate()
        worker.wait(timeout=60)
