"""Every page carries a Content-Security-Policy without 'unsafe-inline'; what a page inlines
carries that response's nonce. (The browser tests fail on anything the policy refuses.)"""

import re

import pytest

from tests.conftest import PUBLIC_HOST, TULUNGAGUNG_HOST, host_client

pytestmark = pytest.mark.django_db

PAGES = [
    (PUBLIC_HOST, "/"),
    (PUBLIC_HOST, "/hasil/"),
    (PUBLIC_HOST, "/masuk/"),
    (PUBLIC_HOST, "/api/docs/"),
    (TULUNGAGUNG_HOST, "/"),
    (TULUNGAGUNG_HOST, "/hasil/"),
    (TULUNGAGUNG_HOST, "/lacak/"),
    (TULUNGAGUNG_HOST, "/tidak-ada/"),
]


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("host,path", PAGES)
def test_every_page_has_a_policy_without_unsafe_inline(personas, host, path):
    response = host_client(host).get(path)
    policy = _policy(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]


def test_the_citizens_inlined_css_and_script_carry_the_responses_nonce(personas, dukcapil):
    response = host_client(TULUNGAGUNG_HOST).get(f"/s/{dukcapil[3].code}/")
    assert response.status_code == 200
    page = response.content.decode()
    nonces = set(re.findall(r'<(?:style|script) nonce="([^"]+)"', page))
    assert len(nonces) == 1
    (nonce,) = nonces
    assert f"'nonce-{nonce}'" in _policy(response)["script-src"]
    assert f"'nonce-{nonce}'" in _policy(response)["style-src"]
    assert "<style>" not in page and "<script>" not in page
    assert ' style="' not in page
    again = host_client(TULUNGAGUNG_HOST).get(f"/s/{dukcapil[3].code}/")
    assert nonce not in again.content.decode()  # a new nonce for every response
