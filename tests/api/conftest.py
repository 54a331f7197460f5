"""API clients for the personas: token-authenticated, on a given host, in a given language."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from sukma.access.models import Membership, Role, User
from sukma.access.tokens import token_issue
from sukma.surveys.models import Period, PeriodKind
from tests.conftest import PASSWORD, PUBLIC_HOST, TULUNGAGUNG_HOST


def api_client(host: str, user=None, language: str = "id") -> APIClient:
    """A client that sends `Authorization: Token ...` for `user`, as a script would."""
    client = APIClient(HTTP_HOST=host, HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        _token, secret = token_issue(user, name="test")
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
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


# ---------------------------------------------------------------- a regency's survey
# Tulungagung's Dukcapil (two services, one service point) and the year 2026, from the
# survey tests; fixtures imported here are fixtures of every API test.
from tests.surveys.conftest import dukcapil, in_tulungagung, year_2026  # noqa: E402, F401


@pytest.fixture
def this_year(in_tulungagung):  # noqa: F811
    """This calendar year as a period of Tulungagung, so figures of today's responses count."""
    year = timezone.localdate().year
    return Period.objects.create(
        kind=PeriodKind.YEAR,
        year=year,
        number=1,
        starts_on=datetime.date(year, 1, 1),
        ends_on=datetime.date(year, 12, 31),
    )


@pytest.fixture
def operator_of(personas, db):
    """A new agency operator of Tulungagung for the given agency."""

    def make(agency, email: str = "operator@dukcapil.tulungagungkab.go.id"):
        user = User.objects.create_user(email, PASSWORD)
        Membership.objects.create(
            user=user, role=Role.AGENCY_OPERATOR, regency=personas.tulungagung, agency_id=agency.pk
        )
        return user

    return make
