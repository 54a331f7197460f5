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
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from sukma.access.tokens import token_issue
from sukma.surveys.citizen.forms import HONEYPOT
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


# Input whose shape is right but whose acceptance depends on more than a schema can say:
# the id of a row that may not exist (schemathesis cannot know the ids), a sign-in's
# credentials, a period's number (12 months, but 4 quarters, 2 semesters), and an uploaded
# agreement, which must be a PDF that a PDF parser reads (sukma.uploads), sent as a file;
# an agreement's number and an agency's name, both unique; a device token the server signed.
# A 400 that names only such fields is the right answer to schema-valid input; any other
# refusal of schema-valid input still fails the built-in check.
STORED_REFERENCES = {"agency", "default_service", "period", "regency", "service"}
BEYOND_THE_SCHEMA = {
    "POST /api/v1/auth/token/": {"non_field_errors", "otp"},
    "POST /api/v1/periods/": {"number"},
    # A number is unique; a region code, once registered, names one regency; the validity
    # ends on or after it starts (a rule between two fields, which a schema cannot state).
    "POST /api/v1/agreements/": {"document", "number", "region_code", "valid_until"},
    "POST /api/v1/agreements/{id}/document/": {"document"},
    "POST /api/v1/agencies/": {"name"},  # unique in the regency
    "POST /api/v1/responses/": {"device_token"},  # one the server signed (device-token/)
}


def _error_fields(response) -> set[str]:
    try:
        return set(response.json().get("errors", {}))
    except ValueError:
        return set()


def valid_input_is_accepted(ctx, response, case):
    """Schemathesis's positive_data_acceptance, but for refusals the schema cannot foresee."""
    if response.status_code == 400:
        named = _error_fields(response)
        allowed = STORED_REFERENCES | BEYOND_THE_SCHEMA.get(case.operation.label, set())
        if named and named <= allowed:
            return None
    return positive_data_acceptance(ctx, response, case)


def invalid_input_is_refused(ctx, response, case):
    """Schemathesis's negative_data_rejection, but for a response post that fills the
    honeypot: the API answers it like an accepted one whatever else it holds (and stores
    nothing), so that a bot learns nothing from the answer."""
    body = case.body if isinstance(case.body, dict) else {}
    if case.operation.label == "POST /api/v1/responses/" and str(body.get(HONEYPOT) or "").strip():
        return None
    return negative_data_rejection(ctx, response, case)


def _call_and_validate(case, headers: dict) -> None:
    case.call_and_validate(
        headers=headers,
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
        additional_checks=[valid_input_is_accepted, invalid_input_is_refused],
    )


def _headers(host: str, user=None) -> dict:
    # Schemathesis's WSGI transport asks for gzip (requests' default header) but, unlike an
    # HTTP client, does not decode it: GZipMiddleware's answer then reads as "not JSON".
    headers = {"Host": host, "Accept-Encoding": "identity"}
    if user is not None:
        _token, secret = token_issue(user, name="fuzz")
        headers["Authorization"] = f"Token {secret}"
    return headers


# Each generated request is sent twice: as nobody, then with an admin's token.
@province_api.parametrize()
@BOUNDED
def test_the_provinces_api_holds_for_any_input(case, personas):
    for user in (None, personas.province_admin):
        _call_and_validate(case, _headers(PUBLIC_HOST, user))


@regency_api.parametrize()
@BOUNDED
def test_a_regencys_api_holds_for_any_input(case, personas):
    for user in (None, personas.tulungagung_admin):
        _call_and_validate(case, _headers(TULUNGAGUNG_HOST, user))
