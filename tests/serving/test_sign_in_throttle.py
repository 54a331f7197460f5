"""Sign-in throttling through gunicorn, on the web page and the API token endpoint alike.

The test plays the trusted proxy (127.0.0.1) and names the client in
X-Forwarded-For; the numbers are the README's table (settings SIGN_IN_*,
AXES_*): five failures lock one account from one address, twenty failures
from one address limit it across accounts, and ten failures from anywhere
slow an account down by 2, 4, 8 ... seconds, never lock it, and a browser
the owner signed in from before is not slowed at all.
"""

import http.client
import json
import re
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

import pytest
from axes.models import AccessAttempt
from django.conf import settings

from sukma.access.models import Membership, Role, User
from tests.conftest import PASSWORD, PUBLIC_HOST

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SUCCESS, FAILURE, REFUSED = "success", "failure", "refused"


@dataclass
class Browser:
    """One client at one address: its cookies; signs in by the page or by the API."""

    port: int
    address: str | None
    kind: str
    cookies: dict[str, str] = field(default_factory=dict)
    retry_after: int = 0

    def _exchange(self, method, path, body=None, content_type=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": PUBLIC_HOST, "Accept-Language": "id"}
        if self.address:
            headers["X-Forwarded-For"] = self.address
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        conn.request(method, path, body=body, headers=headers)
        answer = conn.getresponse()
        page = answer.read().decode()
        for header in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        self.retry_after = int(answer.headers.get("Retry-After") or 0)
        return answer.status, page

    def sign_in(self, email: str, password: str) -> str:
        if self.kind == "api":
            body = json.dumps({"email": email, "password": password}).encode()
            status, _page = self._exchange("POST", "/api/v1/auth/token/", body, "application/json")
            return {201: SUCCESS, 400: FAILURE, 429: REFUSED}[status]
        status, page = self._exchange("GET", "/masuk/")
        assert status == 200, status
        form = {
            "username": email,
            "password": password,
            "csrfmiddlewaretoken": CSRF.search(page)[1],
        }
        body = urllib.parse.urlencode(form).encode()
        status, _page = self._exchange("POST", "/masuk/", body, "application/x-www-form-urlencoded")
        self.cookies.pop("sessionid", None)  # each sign-in starts signed out
        return {302: SUCCESS, 200: FAILURE, 429: REFUSED}[status]


@pytest.fixture
def owner(committed):
    """An agency operator (no second factor needed), unique per test; axes' rows removed after."""
    email = f"pemilik-{uuid.uuid4().hex[:8]}@dinkes.tulungagungkab.go.id"
    user = User.objects.create_user(email, PASSWORD)
    regency = Membership.objects.filter(role=Role.REGENCY_ADMIN).first().regency
    Membership.objects.create(user=user, role=Role.AGENCY_OPERATOR, regency=regency, agency_id=1)
    yield user
    AccessAttempt.objects.filter(username__contains="@").delete()


def fail_until_locked(browser: Browser, email: str) -> None:
    """AXES_FAILURE_LIMIT wrong passwords: the last one's answer is already the lock."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert browser.sign_in(email, "salah") == FAILURE
    assert browser.sign_in(email, "salah") == REFUSED


def _address(n: int) -> str:
    return f"198.51.100.{n}"


@pytest.mark.parametrize("kind", ["web", "api"])
def test_an_attacker_at_a_b_and_c_does_not_stop_the_owner_at_d(gunicorn, owner, kind):
    email = owner.email
    home = Browser(gunicorn, _address(4), kind)  # D: the owner's office, signed in before
    assert home.sign_in(email, PASSWORD) == SUCCESS
    assert "sukma_dikenal" in home.cookies

    a, b, c = (Browser(gunicorn, _address(n), kind) for n in (1, 2, 3))
    fail_until_locked(a, email)
    assert a.sign_in(email, PASSWORD) == REFUSED  # one account from one address: locked
    assert a.retry_after > 600
    fail_until_locked(b, email)
    # Ten failures from anywhere: the account is slowed down, for C as for anyone new.
    assert c.sign_in(email, "salah") == REFUSED
    assert 0 < c.retry_after <= 2

    # The owner at D, in the browser they signed in from before: in at once.
    assert (
        Browser(gunicorn, _address(4), kind, cookies=dict(home.cookies)).sign_in(email, PASSWORD)
        == SUCCESS
    )
    # The owner on a new browser at E: a short wait, never a lock.
    elsewhere = Browser(gunicorn, _address(5), kind)
    outcome = elsewhere.sign_in(email, PASSWORD)
    if outcome == REFUSED:
        assert elsewhere.retry_after <= settings.SIGN_IN_ACCOUNT_MAX_DELAY
        time.sleep(elsewhere.retry_after)
        outcome = elsewhere.sign_in(email, PASSWORD)
    assert outcome == SUCCESS


@pytest.mark.parametrize("kind", ["web", "api"])
def test_spraying_many_accounts_from_one_address_is_stopped(gunicorn, owner, kind):
    sprayer = Browser(gunicorn, _address(66), kind)
    for n in range(settings.SIGN_IN_ADDRESS_LIMIT):
        assert sprayer.sign_in(f"orang{n}@jatimprov.go.id", "Rahasia123") == FAILURE
    # Even the right password of a real account is not tried from there any more.
    assert sprayer.sign_in(owner.email, PASSWORD) == REFUSED
    assert 0 < sprayer.retry_after <= settings.SIGN_IN_ADDRESS_WINDOW
    # Other addresses are not affected.
    assert Browser(gunicorn, _address(67), kind).sign_in(owner.email, PASSWORD) == SUCCESS


@pytest.mark.parametrize("kind", ["web", "api"])
def test_a_forged_forwarded_header_from_an_untrusted_peer_changes_nothing(
    gunicorn_untrusting, owner, kind
):
    """The peer (127.0.0.1) is not this server's proxy: every request is 127.0.0.1's,
    whatever address it claims, so five failures lock the account for it."""
    outcomes = [
        Browser(gunicorn_untrusting, _address(100 + n), kind).sign_in(owner.email, "salah")
        for n in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert outcomes == [FAILURE] * (settings.AXES_FAILURE_LIMIT - 1) + [REFUSED]
    assert (
        Browser(gunicorn_untrusting, _address(120), kind).sign_in(owner.email, PASSWORD) == REFUSED
    )
    assert AccessAttempt.objects.filter(username=owner.email, ip_address="127.0.0.1").exists()
