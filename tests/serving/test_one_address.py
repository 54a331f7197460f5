"""Many people behind one address are all counted; a script behind one is counted not at all.

Through gunicorn, as a carrier's shared address or an office's Wi-Fi reaches
the product: every request comes from the same client address, named by our
proxy in X-Forwarded-For.
"""

import http.client
import re
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from django.db import connection

from sukma.surveys.citizen.submission import FAST_SECONDS
from sukma.surveys.models import DailyServiceTotals, Response
from sukma.surveys.recording.statement import BURST_WINDOW
from tests.conftest import TULUNGAGUNG_HOST

SHARED = "203.0.113.9"  # one address for everybody
HIDDEN = re.compile(r'<input type="hidden" name="(csrfmiddlewaretoken|version|started|key)"'
                    r' value="([^"]*)"')  # fmt: skip
ANSWERS = {"U1": "4", "U2": "3", "U3": "4", "U4": "3", "U5": "4", "U6": "3", "U7": "4"}


@dataclass
class Phone:
    """One citizen's phone: its own cookies; the form it was served."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, body: bytes | None = None) -> int:
        status, _page = self._exchange(method, path, body)
        return status

    def fetch(self, path: str) -> str:
        status, page = self._exchange("GET", path)
        assert status == 200, (path, status)
        return page

    def _exchange(self, method: str, path: str, body: bytes | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {
            "Host": TULUNGAGUNG_HOST,
            "X-Forwarded-For": SHARED,
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        answer = conn.getresponse()
        page = answer.read().decode()
        for header in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        if method == "GET":
            self.form = dict(HIDDEN.findall(page))
        return answer.status, page

    def open_form(self, code: str) -> None:
        assert self.request("GET", f"/s/{code}/") == 200
        assert {"csrfmiddlewaretoken", "started", "key"} <= set(self.form)

    def send(self, code: str) -> int:
        body = urllib.parse.urlencode({**self.form, **ANSWERS}).encode()
        return self.request("POST", f"/s/{code}/", body)


def all_at_once(calls, threads: int = 8) -> list:
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda call: call(), calls))


def stored(point, regency) -> tuple[int, int, int]:
    """(responses stored, of them held, responses counted in the day's totals)."""
    connection.set_tenant(regency)
    rows = Response.objects.filter(service_point_id=point.pk)
    totals = DailyServiceTotals.objects.filter(service_id=point.default_service_id)
    result = (
        rows.count(),
        rows.filter(held=True).count(),
        sum(totals.values_list("responses", flat=True)),
    )
    connection.set_schema_to_public()
    return result


def test_two_hundred_phones_behind_one_address_at_one_counter_all_count(
    gunicorn, counter, personas
):
    phones = [Phone(gunicorn) for _ in range(200)]
    all_at_once([lambda p=p: p.open_form(counter.code) for p in phones])
    # People take a while to answer nine questions; then they all send within seconds.
    time.sleep(FAST_SECONDS + 1.5)
    statuses = all_at_once([lambda p=p: p.send(counter.code) for p in phones])
    assert statuses == [302] * 200
    assert stored(counter, personas.tulungagung) == (200, 0, 200)


def test_a_script_sending_two_hundred_in_ten_seconds_gets_none_counted(gunicorn, counter, personas):
    started = time.monotonic()

    def scripted() -> int:  # a new phone each time: a fresh form, sent at once
        phone = Phone(gunicorn)
        phone.open_form(counter.code)
        return phone.send(counter.code)

    statuses = all_at_once([scripted] * 200, threads=16)
    # About ten seconds here; on a machine this busy, at least within one burst's window.
    assert time.monotonic() - started < BURST_WINDOW.total_seconds()
    assert statuses == [302] * 200  # answered like anyone, so nothing tells the script
    assert stored(counter, personas.tulungagung) == (200, 200, 0)


def test_a_script_without_the_forms_stamp_gets_none_counted(gunicorn, counter, personas):
    template = Phone(gunicorn)
    template.open_form(counter.code)

    def forged(n: int) -> int:
        phone = Phone(gunicorn, cookies={"csrftoken": template.cookies["csrftoken"]})
        phone.form = {**template.form, "started": "", "key": f"script-key-{n:012d}"}
        return phone.send(counter.code)

    statuses = all_at_once([lambda n=n: forged(n) for n in range(50)])
    assert statuses == [302] * 50
    assert stored(counter, personas.tulungagung) == (50, 50, 0)
