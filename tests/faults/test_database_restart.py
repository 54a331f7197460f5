"""PostgreSQL restarted (or away) while citizens answer, through gunicorn.

Every answer a phone sent is stored exactly once (a phone whose post failed sends the same
form again, as a citizen pressing "try again" does: the form's submission key makes the
copy store nothing new), the day's totals still equal the raw responses, and every request
that failed was answered 503 "try again in a moment" with Retry-After, never a bare 500:
also when the database is gone before any view runs (the regency's lookup in the first
middleware, sessions).
"""

import http.client
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie

import pytest
from django.db import connection

from sukma.surveys.models import DailyServiceTotals, Response
from tests.conftest import PUBLIC_HOST, TULUNGAGUNG_HOST
from tests.faults.conftest import pg_restart, pg_start, pg_stop
from tests.serving.test_one_address import ANSWERS, HIDDEN, Phone

# What the 503 page says (Indonesian): the 500 page says "coba lagi" too, so the status and
# Retry-After are what tell them apart.
TRY_AGAIN = "coba lagi"
PHONES = 8


class Citizen(threading.Thread):
    """Opens the form and sends it, again and again; a failed post is sent again as it was."""

    def __init__(self, port: int, code: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.code, self.stop = port, code, stop
        self.accepted: list[str] = []  # the submission keys of answers answered 302
        self.failures: list[tuple[str, int, str, str]] = []  # (method, status, retry, body)

    def run(self) -> None:
        while not self.stop.is_set():
            phone = Phone(self.port)
            if not self._open(phone):
                continue
            body = urllib.parse.urlencode({**phone.form, **ANSWERS}).encode()
            # Until it is accepted, however long the outage: a citizen's answer is not dropped.
            while not self._post(phone, body):
                time.sleep(0.2)
            self.accepted.append(phone.form["key"])

    def _open(self, phone: Phone) -> bool:
        status, page, retry = _exchange(phone, "GET", f"/s/{self.code}/")
        if status == 200:
            return True
        self.failures.append(("GET", status, retry, page))
        time.sleep(0.2)
        return False

    def _post(self, phone: Phone, body: bytes) -> bool:
        status, page, retry = _exchange(phone, "POST", f"/s/{self.code}/", body)
        if status == 302:
            return True
        self.failures.append(("POST", status, retry, page))
        return False


def _exchange(phone: Phone, method: str, path: str, body: bytes | None = None):
    """(status, page, Retry-After) of one request; the form's fields kept from a 200 GET."""
    conn = http.client.HTTPConnection("127.0.0.1", phone.port, timeout=60)
    headers = {
        "Host": TULUNGAGUNG_HOST,
        "X-Forwarded-For": "203.0.113.20",
        "Cookie": "; ".join(f"{k}={v}" for k, v in phone.cookies.items()),
    }
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    answer = conn.getresponse()
    page = answer.read().decode(errors="replace")
    retry = answer.headers.get("Retry-After") or ""
    for header in answer.headers.get_all("Set-Cookie") or []:
        for name, morsel in SimpleCookie(header).items():
            phone.cookies[name] = morsel.value
    if method == "GET" and answer.status == 200:
        phone.form = dict(HIDDEN.findall(page))
    return answer.status, page, retry


def _stored(point, regency) -> tuple[list[str], int, int]:
    """(the submission keys stored, responses not held, responses counted in the totals)."""
    connection.close()  # the test's own connection did not survive the restart
    connection.set_tenant(regency)
    rows = Response.objects.filter(service_point_id=point.pk)
    keys = list(rows.values_list("submission_key", flat=True))
    counted = rows.filter(held=False).count()
    totals = DailyServiceTotals.objects.filter(service_id=point.default_service_id)
    total = sum(totals.values_list("responses", flat=True))
    connection.set_schema_to_public()
    return keys, counted, total


def _assert_try_again(failures) -> None:
    for method, status, retry, page in failures:
        assert status == 503, (method, status, page[:2000])
        assert retry == "10", (method, status, retry)
        assert TRY_AGAIN in page.lower(), page[:2000]


def test_a_database_restart_under_citizen_load_loses_nothing_doubles_nothing_and_says_try_again(
    served,
    counter,
    personas,
):
    stop = threading.Event()
    citizens = [Citizen(served, counter.code, stop) for _ in range(PHONES)]
    for citizen in citizens:
        citizen.start()
    time.sleep(4)
    took = pg_restart()
    time.sleep(6)
    stop.set()
    for citizen in citizens:
        citizen.join(timeout=120)
        assert not citizen.is_alive()

    accepted = [key for citizen in citizens for key in citizen.accepted]
    failures = [failure for citizen in citizens for failure in citizen.failures]
    keys, counted, total = _stored(counter, personas.tulungagung)
    print(f"restart {took:.1f} s: {len(accepted)} accepted, {len(keys)} stored, "
          f"{len(failures)} failed requests")  # fmt: skip
    assert len(accepted) > PHONES
    assert sorted(keys) == sorted(accepted)  # each accepted answer stored, and once
    assert total == counted
    assert failures, "the restart failed no request: it did not happen under load"
    _assert_try_again(failures)


@pytest.fixture
def database_down():
    pg_stop()
    try:
        yield
    finally:
        pg_start()
        connection.close()


def test_with_the_database_gone_every_page_says_try_again_before_any_view_runs(
    served, personas, database_down
):
    pages = [
        (TULUNGAGUNG_HOST, "GET", "/"),
        (TULUNGAGUNG_HOST, "GET", "/s/NOSUCH1/"),
        (TULUNGAGUNG_HOST, "POST", "/s/NOSUCH1/"),
        (PUBLIC_HOST, "GET", "/"),
        (PUBLIC_HOST, "GET", "/masuk/"),
    ]
    for host, method, path in pages:
        conn = http.client.HTTPConnection("127.0.0.1", served, timeout=60)
        conn.request(method, path, body=b"" if method == "POST" else None, headers={
            "Host": host, "Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345",
        })  # fmt: skip
        answer = conn.getresponse()
        page = answer.read().decode(errors="replace")
        assert answer.status == 503, (host, method, path, answer.status, page[:1500])
        assert answer.headers.get("Retry-After") == "10"
        assert TRY_AGAIN in page.lower()

    conn = http.client.HTTPConnection("127.0.0.1", served, timeout=60)
    conn.request("GET", "/api/v1/", headers={"Host": TULUNGAGUNG_HOST})
    answer = conn.getresponse()
    assert answer.status == 503
    assert TRY_AGAIN in answer.read().decode().lower()
