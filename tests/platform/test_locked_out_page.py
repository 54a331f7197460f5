"""The page a refused sign-in gets says how long to wait, in seconds or minutes as it is."""

import pytest
from django.conf import settings

from sukma.access import throttle
from tests.conftest import PUBLIC_HOST, host_client

pytestmark = pytest.mark.django_db


def attempt(address: str, email: str, password: str = "salah-sekali-2026"):
    client = host_client(PUBLIC_HOST, REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")
    return client.post("/masuk/", {"username": email, "password": password})


def test_a_lock_on_one_address_says_minutes(personas):
    email = personas.kediri_admin.email
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt("198.51.100.40", email).status_code == 200
    refused = attempt("198.51.100.40", email)  # the failure that reaches the limit locks
    assert refused.status_code == 429
    assert "Try again in 60 minutes." in refused.content.decode()
    assert int(refused["Retry-After"]) > 3000


def test_an_account_slowed_from_everywhere_says_seconds(personas):
    email = personas.kediri_admin.email
    for n in range(throttle.ACCOUNT_FREE):
        assert attempt(f"198.51.100.{60 + n}", email).status_code == 200
    refused = attempt("198.51.100.99", email)
    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert wait < 120
    assert f"Try again in {wait} second" in refused.content.decode()
