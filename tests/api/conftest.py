"""API clients for the personas: token-authenticated, on a given host, in a given language."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import PUBLIC_HOST, TULUNGAGUNG_HOST


def api_client(host: str, user=None, language: str = "id") -> APIClient:
    """A client that sends `Authorization: Token ...` for `user`, as a script would."""
    client = APIClient(HTTP_HOST=host, HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def province_api(personas, db) -> APIClient:
    return api_client(PUBLIC_HOST, personas.province_admin)


@pytest.fixture
def tulungagung_admin_api(personas, db) -> APIClient:
    """The Tulungagung admin, knocking on the control plane."""
    return api_client(PUBLIC_HOST, personas.tulungagung_admin)


@pytest.fixture
def kediri_admin_api(personas, db) -> APIClient:
    return api_client(PUBLIC_HOST, personas.kediri_admin)


@pytest.fixture
def anonymous_api(personas, db) -> APIClient:
    return api_client(PUBLIC_HOST)


@pytest.fixture
def tulungagung_host_api(personas, db):
    """Clients on Tulungagung's own host, for any user."""

    def make(user=None, language: str = "id") -> APIClient:
        return api_client(TULUNGAGUNG_HOST, user, language)

    return make


def assert_error_shape(response, status: int) -> dict:
    """Every API error: the status, and {"detail": str, "errors": {field: [str]}}."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}, body
    assert isinstance(body["detail"], str) and body["detail"]
    for field, messages in body["errors"].items():
        assert isinstance(field, str)
        assert messages and all(isinstance(m, str) for m in messages)
    return body
