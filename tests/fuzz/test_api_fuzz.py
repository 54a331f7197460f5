"""The API, fuzzed from its own OpenAPI schema: no input makes a 500 or breaks the schema.

Schemathesis generates requests from each plane's schema (the province's on the base
domain, a regency's on its host), anonymous and with an admin's token, and checks every
answer: never a server error, always the documented status codes, content types and
shapes. Bounded: a few examples per operation, so the run takes minutes, not hours.
Everything runs inside the test's transaction, so nothing it creates survives.
"""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from sukma.access.tokens import token_issue
from tests.conftest import PUBLIC_HOST, TULUNGAGUNG_HOST

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _connection_kept_between_requests():
    """Django closes the database connection around each request; the test's transaction
    lives on it. Its test client disconnects those signals too while it runs."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


EXAMPLES = 8  # per operation and identity


def _schema(urlconf: str):
    document = SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(document)
    schema.app = WSGIHandler()
    return schema


# Built at collection: pytest-django has set Django up by then, and no database is needed.
province_api = _schema("sukma.urls.public")
regency_api = _schema("sukma.urls.tenant")
BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


def _headers(host: str, user=None) -> dict:
    headers = {"Host": host}
    if user is not None:
        _token, secret = token_issue(user, name="fuzz")
        headers["Authorization"] = f"Token {secret}"
    return headers


# Each generated request is sent twice: as nobody, then with an admin's token.
@province_api.parametrize()
@BOUNDED
def test_the_provinces_api_holds_for_any_input(case, personas):
    for user in (None, personas.province_admin):
        case.call_and_validate(headers=_headers(PUBLIC_HOST, user))


@regency_api.parametrize()
@BOUNDED
def test_a_regencys_api_holds_for_any_input(case, personas):
    for user in (None, personas.tulungagung_admin):
        case.call_and_validate(headers=_headers(TULUNGAGUNG_HOST, user))
