"""A Kediri admin cannot read or change anything of Tulungagung, through any page or endpoint.

The routes are not listed by hand: every pattern of both URL confs is
walked, so a page added tomorrow is covered by this test tomorrow. Path
parameters are filled with ids and codes that really exist in Tulungagung,
so a refusal means "refused", not "no such object".
"""

import re
import uuid

import pytest
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver

from sukma.access.models import AuditEvent
from sukma.access.tokens import token_issue
from sukma.platform.models import ProvisioningJob
from tests.conftest import KEDIRI_HOST, PUBLIC_HOST, TULUNGAGUNG_HOST, host_client

pytestmark = pytest.mark.django_db

OBJECT_ID = 424242  # every Tulungagung object below is made with this primary key
SERVICE_POINT_CODE = "ISO7K2M9"
TRACKING_CODE = "ISOTRACK23"

# Routes any visitor may use, on purpose: sign-in, language, docs, citizen pages.
OPEN_TO_ALL = {
    "home",
    "login",
    "logout",
    "set_password",
    # A person's own account, the same on every host: nothing of the regency on it.
    "account",
    "password_forgot",
    "password_forgot_sent",
    "password_reset_confirm",
    "password_change",
    "second_factor_verify",
    "second_factor_setup",
    "second_factor_codes",
    "api-tokens",  # one's own API tokens (and those one may revoke), the same on every host
    "api-token-detail",
    "set_language",
    "schema",
    "api-docs",
    "api-token",
    "citizen_survey",
    "citizen_thanks",
    "kiosk",  # a tablet's pages: its own credential decides, not a user
    "kiosk_pair",
    "kiosk_thanks",
    "public_results",
    "province_results",  # the province's published rankings, for everyone
    "complaints_track",
    "complaints_track_form",
    "javascript-catalog",
    "api-questionnaire",  # citizens' apps read the questionnaire, as the page shows it
    "api-questionnaire-version",
    "api-device-token",  # a citizen's app asks for its anonymous device token
    "pwa_worker",  # the citizen page's service worker and web app manifest
    "pwa_manifest",
    "favicon",  # the site's icon, for browsers that ask /favicon.ico
}
REFUSALS = {301, 302, 400, 401, 403, 404, 405}
CONVERTER_VALUE = re.compile(r"<(?:(\w+):)?(\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + _route_text(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + _route_text(entry.pattern), entry.name


def _route_text(pattern) -> str:
    text = str(pattern)
    if text.startswith("^"):
        text = REGEX_GROUP.sub(lambda m: f"<{m.group(1)}>", text).lstrip("^").rstrip("$")
        text = text.replace("\\", "").replace("(?:", "").replace(")?", "").replace(")", "")
    return text


def _fill(route: str, values: dict) -> str | None:
    def value(match):
        converter, name = match.group(1) or "str", match.group(2)
        if converter == "uuid":
            return str(values["uuid"])
        if converter == "int" or name in {"pk", "object_id", "id"} or name.endswith("_id"):
            return str(values.get("int_override", OBJECT_ID))
        if "code" in name:
            return TRACKING_CODE if "track" in name else SERVICE_POINT_CODE
        return values.get(name, "1")

    path = "/" + CONVERTER_VALUE.sub(value, route)
    return None if any(ch in path for ch in "^$?*+[]|") else path


def routes(urlconf: str) -> list[tuple[str, str]]:
    return sorted(set(_walk(get_resolver(urlconf).url_patterns)))


@pytest.fixture
def tulungagung_data(personas):
    """One of everything in Tulungagung's schema, all with primary key OBJECT_ID."""
    from sukma.surveys import models as m

    connection.set_tenant(personas.tulungagung)
    agency = m.Agency.objects.create(pk=OBJECT_ID, name="Dinas Rahasia", kind="dinas")
    service = m.Service.objects.create(pk=OBJECT_ID, agency=agency, name="Layanan Rahasia")
    point = m.ServicePoint.objects.create(
        pk=OBJECT_ID,
        agency=agency,
        name="Loket Rahasia",
        code=SERVICE_POINT_CODE,
        default_service=service,
    )
    m.Period.objects.create(
        pk=OBJECT_ID, kind="year", year=2026, number=1, starts_on="2026-01-01", ends_on="2026-12-31"
    )
    m.Response.objects.create(
        pk=OBJECT_ID,
        questionnaire=m.Questionnaire.objects.get(is_current=True),
        service=service,
        service_point=point,
        service_date="2026-11-20",
        submitted_at="2026-11-20T10:00Z",
        u1=4,
        suggestion="Keluhan rahasia warga Tulungagung",
        tracking_code=TRACKING_CODE,
    )
    connection.set_schema_to_public()
    return personas.tulungagung


def _tenant_state(regency) -> dict:
    """Row counts and a checksum of every table in a regency's schema, plus the audit log."""
    connection.set_tenant(regency)
    state = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            [regency.schema_name],
        )
        for (table,) in cursor.fetchall():
            cursor.execute(
                f"SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) "
                f'FROM "{regency.schema_name}"."{table}" t'
            )
            state[table] = cursor.fetchone()[0]
    connection.set_schema_to_public()
    state["audit"] = AuditEvent.objects.count()
    return state


def _check_refused(response, path):
    assert response.status_code in REFUSALS, f"{path} answered {response.status_code}"
    body = response.content.decode(errors="replace")
    assert "Keluhan rahasia" not in body and "Dinas Rahasia" not in body, path
    if response.status_code in {301, 302}:
        location = response.headers["Location"]
        assert "masuk" in location or "login" in location, f"{path} redirected to {location}"


def test_kediri_admin_cannot_read_or_change_tulungagung_pages_or_endpoints(
    personas, tulungagung_data
):
    session = host_client(TULUNGAGUNG_HOST, personas.kediri_admin)
    _token, secret = token_issue(personas.kediri_admin)  # audited: before the state is taken
    api = host_client(TULUNGAGUNG_HOST, HTTP_AUTHORIZATION=f"Token {secret}")
    before = _tenant_state(personas.tulungagung)
    checked = 0
    for route, name in routes("sukma.urls.tenant"):
        path = _fill(route, {"uuid": uuid.uuid4()})
        if path is None or name in OPEN_TO_ALL:
            continue
        for client in (session, api):
            _check_refused(client.get(path), path)
            for method in (client.post, client.put, client.patch, client.delete):
                _check_refused(method(path, {}, content_type="application/json"), path)
            checked += 1
    assert checked >= 2
    assert _tenant_state(personas.tulungagung) == before


def test_kediri_admin_cannot_use_any_province_page_or_endpoint(personas, tulungagung_data):
    job = ProvisioningJob.objects.filter(regency=personas.tulungagung).first()
    agreement = personas.tulungagung.agreements.first()
    session = host_client(PUBLIC_HOST, personas.kediri_admin)
    _token, secret = token_issue(personas.kediri_admin)  # audited: before the state is taken
    api = host_client(PUBLIC_HOST, HTTP_AUTHORIZATION=f"Token {secret}")
    before = _tenant_state(personas.tulungagung)
    checked = 0
    for route, name in routes("sukma.urls.public"):
        if name in OPEN_TO_ALL:
            continue
        for object_id in (personas.tulungagung.pk, agreement.pk):
            path = _fill(route, {"uuid": job.pk, "int_override": object_id})
            if path is None:
                continue
            for client in (session, api):
                _check_refused(client.get(path), path)
                _check_refused(client.post(path, {}), path)
                checked += 1
    assert checked >= 10
    assert _tenant_state(personas.tulungagung) == before


def _body(response) -> str:
    """A response's text, whether sent at once or streamed (the desk's CSV export)."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode(errors="replace")


def test_kediri_admin_on_its_own_host_sees_nothing_of_tulungagung(personas, tulungagung_data):
    session = host_client(KEDIRI_HOST, personas.kediri_admin)
    for route, _name in routes("sukma.urls.tenant"):
        path = _fill(route, {"uuid": uuid.uuid4()})
        if path is None:
            continue
        body = _body(session.get(path))
        assert "Keluhan rahasia" not in body and "Dinas Rahasia" not in body, path
