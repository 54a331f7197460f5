"""The OpenAPI schema and its interactive docs: complete, warning-free, with no outside assets."""

import re
from urllib.parse import urlsplit

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from tests.conftest import PUBLIC_HOST, TULUNGAGUNG_HOST, host_client

pytestmark = pytest.mark.django_db

CONTROL_PLANE_PATHS = {
    "/api/v1/auth/token/": {"post", "delete"},
    "/api/v1/auth/tokens/": {"get"},
    "/api/v1/auth/tokens/{id}/": {"delete"},
    "/api/v1/regencies/": {"get"},
    "/api/v1/regencies/{id}/": {"get"},
    "/api/v1/regencies/{id}/suspend/": {"post"},
    "/api/v1/regencies/{id}/resume/": {"post"},
    "/api/v1/regencies/{id}/offboard/": {"post"},
    "/api/v1/agreements/": {"get", "post"},
    "/api/v1/agreements/{id}/": {"get"},
    "/api/v1/agreements/{id}/document/": {"post"},
    "/api/v1/agreements/{id}/transition/": {"post"},
    "/api/v1/provisioning/": {"post"},
    "/api/v1/provisioning/{id}/": {"get"},
    "/api/v1/audit-events/": {"get"},
    "/api/v1/audit-events/{id}/": {"get"},
    "/api/v1/rankings/": {"get"},
    "/api/v1/rankings/refresh/": {"post"},
    "/api/v1/rankings/refresh/{id}/": {"get"},
}
REGENCY_PATHS = {
    "/api/v1/auth/token/": {"post", "delete"},
    "/api/v1/auth/tokens/": {"get"},
    "/api/v1/auth/tokens/{id}/": {"delete"},
    "/api/v1/regency/": {"get"},
    "/api/v1/agencies/": {"get", "post"},
    "/api/v1/agencies/{id}/": {"get", "patch"},
    "/api/v1/services/": {"get", "post"},
    "/api/v1/services/{id}/": {"get", "patch"},
    "/api/v1/service-points/": {"get", "post"},
    "/api/v1/service-points/{id}/": {"get", "patch"},
    "/api/v1/periods/": {"get", "post"},
    "/api/v1/periods/{id}/": {"get"},
    "/api/v1/periods/{id}/lock/": {"post"},
    "/api/v1/questionnaire/": {"get"},
    "/api/v1/questionnaire/{version}/": {"get"},
    "/api/v1/device-token/": {"post"},
    "/api/v1/responses/": {"get", "post"},
    "/api/v1/responses/{id}/": {"get"},
    "/api/v1/responses/{id}/exclude/": {"post"},
    "/api/v1/responses/{id}/include/": {"post"},
    "/api/v1/ikm/": {"get"},
    "/api/v1/reports/": {"post"},
    "/api/v1/reports/{id}/": {"get"},
    "/api/v1/reports/{id}/download/": {"get"},
}
# Open to anyone on purpose: citizens' apps read the questionnaire and post responses.
REGENCY_PUBLIC_OPERATIONS = {
    ("get", "/api/v1/questionnaire/"),
    ("get", "/api/v1/questionnaire/{version}/"),
    ("post", "/api/v1/device-token/"),
    ("post", "/api/v1/responses/"),
}


def _generate(urlconf: str) -> dict:
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)
    problems = dict(GENERATOR_STATS._warn_cache) | dict(GENERATOR_STATS._error_cache)
    GENERATOR_STATS.reset()
    assert not problems, "\n".join(problems)
    return schema


@pytest.mark.parametrize(
    ("urlconf", "expected"),
    [("sukma.urls.public", CONTROL_PLANE_PATHS), ("sukma.urls.tenant", REGENCY_PATHS)],
    ids=["control-plane", "regency"],
)
def test_schema_generates_without_warnings_and_has_every_path(urlconf, expected):
    schema = _generate(urlconf)
    paths = {path: set(ops) for path, ops in schema["paths"].items()}
    assert paths == expected


def test_every_operation_documents_its_errors_in_the_one_error_shape():
    schema = _generate("sukma.urls.public")
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"detail", "errors"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            if path != "/api/v1/auth/token/":
                assert {"401", "403"} <= codes, (method, path)
            if method == "post":
                assert "400" in codes, (method, path)


def test_every_regency_operation_documents_its_errors_and_who_may_call_it():
    schema = _generate("sukma.urls.tenant")
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            public = (method, path) in REGENCY_PUBLIC_OPERATIONS
            if path != "/api/v1/auth/token/" and not public:
                assert {"401", "403"} <= codes, (method, path)
            if public:
                assert operation.get("security") in (None, [])
            if method in {"post", "patch"} and "requestBody" in operation:
                assert "400" in codes, (method, path)


def test_the_response_post_documents_its_protections():
    schema = _generate("sukma.urls.tenant")
    operation = schema["paths"]["/api/v1/responses/"]["post"]
    assert {"201", "400", "429"} <= set(operation["responses"])
    assert any(p["name"] == "X-Device-Token" for p in operation["parameters"])
    fields = schema["components"]["schemas"]["ResponseCreateRequest"]["properties"]
    assert {"answers", "device_token", "catatan_petugas", "started"} <= set(fields)


def test_the_token_endpoint_takes_email_and_password():
    schema = _generate("sukma.urls.public")
    body = schema["components"]["schemas"]["SignInRequest"]
    assert set(body["required"]) == {"email", "password"}
    assert {"otp", "name"} <= set(body["properties"])
    operation = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert "security" not in operation  # no credentials needed to ask for a token
    issued = schema["components"]["schemas"]["IssuedToken"]["properties"]
    assert {"token", "prefix", "expires_at"} <= set(issued)


def test_a_bad_token_is_documented_as_a_401():
    schema = _generate("sukma.urls.tenant")
    operation = schema["paths"]["/api/v1/auth/tokens/"]["get"]
    assert "revoked" in operation["responses"]["401"]["description"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_agreement_creation_accepts_json_and_multipart():
    schema = _generate("sukma.urls.public")
    content = schema["paths"]["/api/v1/agreements/"]["post"]["requestBody"]["content"]
    assert set(content) == {"application/json", "multipart/form-data"}


@pytest.mark.parametrize(
    ("host", "present", "absent"),
    [
        (PUBLIC_HOST, "/api/v1/agreements/", "/api/v1/regency/"),
        (TULUNGAGUNG_HOST, "/api/v1/regency/", "/api/v1/agreements/"),
    ],
)
def test_each_host_serves_its_own_schema(personas, host, present, absent):
    response = host_client(host).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert present in paths and absent not in paths


def _asset_urls(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)


@pytest.mark.parametrize("host", [PUBLIC_HOST, TULUNGAGUNG_HOST])
def test_docs_load_every_asset_from_this_site(personas, host):
    client = host_client(host)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"""["'(]\s*(https?:)?//""", html), "the docs reference another host"

    assets = _asset_urls(html)
    assert any(url.endswith(".js") for url in assets)
    assert any(url.endswith(".css") for url in assets)
    for url in assets:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, url
        assert client.get(url).status_code == 200, url


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", operation


def _documented_as_error(operation: dict, code: str) -> bool:
    content = operation["responses"].get(code, {}).get("content", {})
    return content.get("application/json", {}).get("schema") == {
        "$ref": "#/components/schemas/Error"
    }


@pytest.mark.parametrize("urlconf", ["sukma.urls.public", "sukma.urls.tenant"])
def test_every_operation_documents_the_errors_the_layers_under_it_answer(urlconf):
    """The fuzzer met each of these undocumented: a 503 of a suspended regency, a 415 of a
    body in another media type, a 400 of an unreadable query."""
    for label, operation in _operations(_generate(urlconf)):
        expected = {"503"}
        if "requestBody" in operation:
            expected |= {"400", "413", "415"}
        if any(p["in"] == "query" for p in operation.get("parameters", [])):
            expected.add("400")
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            expected.add("404")
        if operation.get("security") and {} not in operation["security"]:
            expected |= {"401", "403"}
        for code in expected:
            assert _documented_as_error(operation, code), (label, code)


UPLOADS = {"POST /api/v1/agreements/", "POST /api/v1/agreements/{id}/document/"}


@pytest.mark.parametrize("urlconf", ["sukma.urls.public", "sukma.urls.tenant"])
def test_request_bodies_are_json_but_for_uploads(urlconf):
    """A form cannot send null ("null" is text) and DRF read its "0" as false: bodies the
    schema promised in form encodings were refused, or loosely read."""
    for label, operation in _operations(_generate(urlconf)):
        if "requestBody" in operation and label not in UPLOADS:
            assert set(operation["requestBody"]["content"]) == {"application/json"}, label


def test_a_multipart_agreement_leaves_its_signing_date_out_rather_than_null():
    schema = _generate("sukma.urls.public")
    content = schema["paths"]["/api/v1/agreements/"]["post"]["requestBody"]["content"]
    form = content["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
    signed_on = schema["components"]["schemas"][form]["properties"]["signed_on"]
    assert not signed_on.get("nullable")


def test_a_new_periods_year_and_number_are_bounded_as_the_service_bounds_them():
    from sukma.surveys.structure.services import FIRST_YEAR, LAST_YEAR, PERIODS_IN_YEAR

    schema = _generate("sukma.urls.tenant")
    fields = schema["components"]["schemas"]["PeriodCreateRequest"]["properties"]
    assert (fields["year"]["minimum"], fields["year"]["maximum"]) == (FIRST_YEAR, LAST_YEAR)
    assert fields["number"]["maximum"] == max(PERIODS_IN_YEAR.values())


@pytest.mark.parametrize(
    ("breakdown", "valid"),
    [
        ("sex", True),
        (" sex , age_band,", True),
        ("all", True),
        ("channel,disability", True),
        ("", True),
        ("0000", False),
        ("all,sex", False),
        ("sex age_band", False),
    ],
)
def test_the_ikm_breakdown_pattern_says_what_the_serializer_takes(breakdown, valid):
    from sukma.api.serializers_survey import IkmQuerySerializer

    schema = _generate("sukma.urls.tenant")
    parameters = schema["paths"]["/api/v1/ikm/"]["get"]["parameters"]
    pattern = next(p for p in parameters if p["name"] == "breakdown")["schema"]["pattern"]
    assert bool(re.match(pattern, breakdown)) is valid
    given = IkmQuerySerializer(data={"breakdown": breakdown})
    given.is_valid()
    assert ("breakdown" not in given.errors) is valid
