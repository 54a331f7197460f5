"""Responses: posted by anyone with the page's protections; listed and moderated by admins."""

import datetime
import uuid

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from sukma.access.models import AuditEvent
from sukma.surveys.citizen import protection
from sukma.surveys.models import Agency, Period, Questionnaire, ServicePoint
from sukma.surveys.models import Response as SurveyResponse
from sukma.surveys.selectors import regency_figure
from tests.api.conftest import assert_error_shape
from tests.conftest import TULUNGAGUNG_HOST
from tests.second_factor import mark_verified
from tests.surveys.conftest import submit

pytestmark = pytest.mark.django_db
URL = "/api/v1/responses/"
VARIED = [4, 3, 4, 3, 4, 3, 4, 3, 4]


def answers(values=VARIED) -> list[dict]:
    return [{"element": f"U{i}", "value": v} for i, v in enumerate(values, start=1)]


def body(point, **changes) -> dict:
    """A well-formed post for the point, answering Tulungagung's current questionnaire."""
    return {
        "service_point": point.code,
        "questionnaire_version": point.questionnaire_version,
        "answers": answers(),
        "started": protection.started_stamp(),
        "submission_key": uuid.uuid4().hex,
        **changes,
    }


def issued_token(client) -> str:
    """A device token as the server issues it: the only kind a response is taken with."""
    response = client.post("/api/v1/device-token/")
    assert response.status_code == 201
    return response.json()["device_token"]


def new_address() -> str:
    """A fresh client address, so no test shares another's rate-limit counter."""
    raw = uuid.uuid4().bytes
    return f"10.{raw[0]}.{raw[1]}.{raw[2]}"


@pytest.fixture
def citizen(tulungagung_host_api):
    """An anonymous app on a phone, at an address of its own."""
    client = tulungagung_host_api()
    client.defaults["REMOTE_ADDR"] = new_address()
    client.defaults["HTTP_X_DEVICE_TOKEN"] = issued_token(client)
    return client


@pytest.fixture
def point(dukcapil):
    point = dukcapil[3]
    point.questionnaire_version = Questionnaire.objects.get(is_current=True).version
    return point


def post(client, data, **headers):
    return client.post(URL, data, format="json", **headers)


# ------------------------------------------------------------------ posting
def test_a_citizen_posts_a_response_and_it_counts(citizen, point, this_year):
    response = post(citizen, body(point, sex="P", age=34, education="SMA"))
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["tracking_code"] is None and len(created["device_token"]) >= 16
    stored = SurveyResponse.objects.get(pk=created["id"])
    assert stored.answers() == {f"U{i}": v for i, v in enumerate(VARIED, start=1)}
    assert (stored.sex, stored.age_band, stored.service_id) == (
        "P",
        "26-35",
        point.default_service_id,
    )
    assert stored.address_hash and "10." not in stored.address_hash
    assert regency_figure(this_year).responses == 1


def test_a_suggestion_gets_a_tracking_code(citizen, point):
    response = post(citizen, body(point, suggestion="Antrean terlalu panjang."))
    code = response.json()["tracking_code"]
    assert code and SurveyResponse.objects.get(tracking_code=code).suggestion.startswith("Antrean")


def test_the_service_can_be_chosen_among_the_agencys(citizen, dukcapil, point):
    kk = dukcapil[2]
    response = post(citizen, body(point, service=kk.pk))
    assert SurveyResponse.objects.get(pk=response.json()["id"]).service == kk


def test_a_null_value_is_not_answered(citizen, point):
    values = [4, 3, 4, None, 4, 3, 4, 3, 4]
    response = post(citizen, body(point, answers=answers(values)))
    assert SurveyResponse.objects.get(pk=response.json()["id"]).u4 is None


def test_one_response_per_device_and_service_a_day_by_header(citizen, point):
    token = issued_token(citizen)
    assert post(citizen, body(point), HTTP_X_DEVICE_TOKEN=token).status_code == 201
    again = post(citizen, body(point), HTTP_X_DEVICE_TOKEN=token)
    assert "device" in assert_error_shape(again, 400)["errors"]
    assert SurveyResponse.objects.count() == 1


def test_the_device_token_sent_back_as_a_field_is_refused_the_same_day(citizen, point):
    token = post(citizen, body(point)).json()["device_token"]
    other_phone = APIClient(HTTP_HOST=TULUNGAGUNG_HOST, REMOTE_ADDR=new_address())
    again = post(other_phone, body(point, device_token=token))
    assert "device" in assert_error_shape(again, 400)["errors"]


def test_the_page_cookie_counts_as_the_device(point):
    phone = APIClient(HTTP_HOST=TULUNGAGUNG_HOST, REMOTE_ADDR=new_address())
    phone.get(f"/s/{point.code}/")  # the page hands the phone its signed device cookie
    assert post(phone, body(point)).status_code == 201
    assert "device" in assert_error_shape(post(phone, body(point)), 400)["errors"]


@pytest.mark.parametrize(
    "token", ["short", "app-device-0123456789", "app-device-0123456789:" + "0" * 64]
)
def test_a_device_token_the_server_did_not_issue_is_refused(citizen, point, token):
    response = post(citizen, body(point), HTTP_X_DEVICE_TOKEN=token)
    assert "device_token" in assert_error_shape(response, 400)["errors"]
    assert SurveyResponse.objects.count() == 0


def test_without_any_device_token_the_post_is_refused(point):
    app = APIClient(HTTP_HOST=TULUNGAGUNG_HOST, REMOTE_ADDR=new_address())
    response = post(app, body(point))
    assert "device_token" in assert_error_shape(response, 400)["errors"]
    assert SurveyResponse.objects.count() == 0


def test_the_same_submission_key_twice_stores_once_and_answers_the_same(citizen, point):
    sent = body(point, suggestion="Loket 2 tutup terlalu cepat.")
    first = post(citizen, sent)
    again = post(citizen, sent)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["tracking_code"] == again.json()["tracking_code"]
    assert SurveyResponse.objects.count() == 1


@pytest.mark.parametrize("key", [None, "", "short", "x" * 65, "kunci dengan spasi 12345"])
def test_a_missing_or_malformed_submission_key_is_refused(citizen, point, key):
    sent = body(point, submission_key=key)
    if key is None:
        del sent["submission_key"]
    response = post(citizen, sent)
    assert "submission_key" in assert_error_shape(response, 400)["errors"]
    assert SurveyResponse.objects.count() == 0


def test_an_answer_kept_offline_is_dated_when_it_was_given(citizen, point):
    answered = timezone.now() - datetime.timedelta(days=2)
    response = post(citizen, body(point, answered_at=answered.isoformat()))
    stored = SurveyResponse.objects.get(pk=response.json()["id"])
    assert stored.answered_at == answered
    assert stored.service_date == timezone.localdate(answered)


@pytest.mark.parametrize("days", [-1, 31])
def test_an_answer_dated_in_the_future_or_too_long_ago_is_refused(citizen, point, days):
    answered = timezone.now() - datetime.timedelta(days=days)
    response = post(citizen, body(point, answered_at=answered.isoformat()))
    assert "answered_at" in assert_error_shape(response, 400)["errors"]
    assert SurveyResponse.objects.count() == 0


def test_a_filled_honeypot_stores_nothing_but_looks_accepted(citizen, point):
    response = post(citizen, body(point, catatan_petugas="http://spam.example"))
    assert response.status_code == 201
    assert response.json()["id"] is None
    assert SurveyResponse.objects.count() == 0


def test_the_address_rate_limit_answers_429_in_the_error_shape(citizen, point, monkeypatch):
    monkeypatch.setattr(protection, "RATE_LIMIT", 2)
    for _n in range(2):
        token = issued_token(citizen)
        assert post(citizen, body(point), HTTP_X_DEVICE_TOKEN=token).status_code == 201
    refused = post(citizen, body(point), HTTP_X_DEVICE_TOKEN=issued_token(citizen))
    assert_error_shape(refused, 429)
    assert int(refused.headers["Retry-After"]) > 0
    assert SurveyResponse.objects.count() == 2


@pytest.mark.parametrize("value", [5, 0, -1])
def test_a_value_outside_the_scale_is_refused(citizen, point, value):
    values = [value, 3, 4, 3, 4, 3, 4, 3, 4]
    response = post(citizen, body(point, answers=answers(values)))
    assert "answers" in assert_error_shape(response, 400)["errors"]
    assert SurveyResponse.objects.count() == 0


def test_a_value_that_is_no_number_is_refused_on_its_item(citizen, point):
    items = answers()
    items[2]["value"] = "banyak"
    response = post(citizen, body(point, answers=items))
    assert "answers.2.value" in assert_error_shape(response, 400)["errors"]


def test_an_element_given_twice_is_refused(citizen, point):
    items = [*answers(), {"element": "u3", "value": 1}]
    error = assert_error_shape(post(citizen, body(point, answers=items)), 400)
    assert "U3" in error["errors"]["answers"][0]
    assert SurveyResponse.objects.count() == 0


def test_an_unknown_element_is_refused(citizen, point):
    items = [*answers(), {"element": "U10", "value": 4}]
    assert "answers" in assert_error_shape(post(citizen, body(point, answers=items)), 400)["errors"]


def test_no_answer_at_all_is_refused(citizen, point):
    response = post(citizen, body(point, answers=answers([None] * 9)))
    assert "answers" in assert_error_shape(response, 400)["errors"]


def test_a_kediri_service_point_on_tulungagungs_host_is_refused(citizen, personas, point):
    connection.set_tenant(personas.kediri)
    kediri_agency = Agency.objects.create(name="Dinas Kesehatan Kota Kediri", kind="dinas")
    ServicePoint.objects.create(agency=kediri_agency, name="Loket A", code="KDR7K2M9")
    data = body(point, service_point="KDR7K2M9")
    response = post(citizen, data)
    assert "service_point" in assert_error_shape(response, 400)["errors"]
    connection.set_tenant(personas.kediri)
    assert SurveyResponse.objects.count() == 0


def test_a_day_in_a_locked_period_is_refused(citizen, point):
    today = timezone.localdate()
    Period.objects.create(
        kind="year",
        year=today.year,
        number=1,
        starts_on=today.replace(month=1, day=1),
        ends_on=today.replace(month=12, day=31),
        locked=True,
    )
    response = post(citizen, body(point))
    assert "period" in assert_error_shape(response, 400)["errors"]


def test_an_unknown_questionnaire_version_is_refused(citizen, point):
    response = post(citizen, body(point, questionnaire_version=9999))
    assert "questionnaire_version" in assert_error_shape(response, 400)["errors"]


def test_a_future_service_date_is_refused(citizen, point):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = post(citizen, body(point, service_date=tomorrow.isoformat()))
    assert "service_date" in assert_error_shape(response, 400)["errors"]


def test_missing_fields_are_named(citizen, dukcapil):
    error = assert_error_shape(post(citizen, {}), 400)
    assert {"service_point", "questionnaire_version", "answers"} <= set(error["errors"])


@pytest.mark.parametrize("stamp", [None, "", "1700000000:forged"])
def test_without_a_genuine_started_stamp_it_is_held_not_refused(citizen, point, stamp, this_year):
    sent = body(point, started=stamp)
    if stamp is None:
        del sent["started"]
    response = post(citizen, sent)
    assert response.status_code == 201
    stored = SurveyResponse.objects.get(pk=response.json()["id"])
    assert stored.held and stored.excluded and "unstamped" in stored.flags
    assert regency_figure(this_year).responses == 0


def test_a_signed_in_browser_posts_without_a_csrf_token(personas, point):
    client = APIClient(
        HTTP_HOST=TULUNGAGUNG_HOST, REMOTE_ADDR=new_address(), enforce_csrf_checks=True
    )
    client.force_login(personas.tulungagung_admin)
    mark_verified(client, personas.tulungagung_admin)
    assert post(client, body(point), HTTP_X_DEVICE_TOKEN=issued_token(client)).status_code == 201


# ------------------------------------------------------------------ listing
@pytest.fixture
def three(dukcapil, this_year):
    """Three responses: one plain, one flagged identical (KK), one excluded."""
    _agency, _ktp, kk, point = dukcapil
    day = timezone.localdate()
    plain = submit(point, dict(zip([f"U{i}" for i in range(1, 10)], VARIED, strict=True)), day=day)
    identical = submit(point, {f"U{i}": 4 for i in range(1, 10)}, day=day, service_id=kk.pk)
    other = submit(point, {"U1": 2}, day=day - datetime.timedelta(days=3))
    SurveyResponse.objects.filter(pk=other.pk).update(excluded=True)
    return plain, identical, other


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {r["id"] for r in response.json()["results"]}


def test_admin_lists_responses_without_any_hash(tulungagung_host_api, personas, three):
    response = tulungagung_host_api(personas.tulungagung_admin).get(URL)
    body_ = response.json()
    assert body_["count"] == 3
    row = body_["results"][0]
    assert "device_hash" not in row and "address_hash" not in row
    assert "hash" not in response.content.decode()
    assert set(row["answers"]) == {f"U{i}" for i in range(1, 10)}


def test_responses_are_filtered(tulungagung_host_api, personas, dukcapil, three, this_year):
    plain, identical, other = three
    agency, _ktp, kk, point = dukcapil
    client = tulungagung_host_api(personas.tulungagung_admin)
    assert ids(client.get(URL, {"flagged": "true"})) == {identical.pk}
    assert ids(client.get(URL, {"flag": "identical"})) == {identical.pk}
    assert ids(client.get(URL, {"flagged": "false"})) == {plain.pk, other.pk}
    assert ids(client.get(URL, {"excluded": "true"})) == {other.pk}
    assert ids(client.get(URL, {"excluded": "false"})) == {plain.pk, identical.pk}
    assert ids(client.get(URL, {"service": kk.pk})) == {identical.pk}
    assert ids(client.get(URL, {"agency": agency.pk})) == {p.pk for p in three}
    assert ids(client.get(URL, {"agency": agency.pk + 1000})) == set()
    assert ids(client.get(URL, {"service_point": point.pk})) == {p.pk for p in three}
    today = timezone.localdate().isoformat()
    assert ids(client.get(URL, {"date_from": today})) == {plain.pk, identical.pk}
    assert ids(client.get(URL, {"date_to": other.service_date.isoformat()})) == {other.pk}
    in_period = {p.pk for p in three if this_year.starts_on <= p.service_date <= this_year.ends_on}
    assert ids(client.get(URL, {"period": this_year.pk})) == in_period


def test_a_malformed_filter_is_a_400(tulungagung_host_api, personas, three):
    client = tulungagung_host_api(personas.tulungagung_admin)
    assert "period" in assert_error_shape(client.get(URL, {"period": 999999}), 400)["errors"]
    assert (
        "date_from" in assert_error_shape(client.get(URL, {"date_from": "kemarin"}), 400)["errors"]
    )


def test_responses_are_paginated(tulungagung_host_api, personas, three):
    response = tulungagung_host_api(personas.tulungagung_admin).get(URL, {"limit": 2})
    page = response.json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]


def test_an_operator_may_not_list_responses(tulungagung_host_api, dukcapil, operator_of, three):
    assert_error_shape(tulungagung_host_api(operator_of(dukcapil[0])).get(URL), 403)


def test_kediri_admin_cannot_read_tulungagung_responses(tulungagung_host_api, personas, three):
    client = tulungagung_host_api(personas.kediri_admin)
    response = client.get(URL)
    assert_error_shape(response, 403)
    assert "Antrean" not in response.content.decode()
    assert_error_shape(client.get(f"{URL}{three[0].pk}/"), 403)
    assert_error_shape(client.post(f"{URL}{three[0].pk}/exclude/", {"reason": "palsu sekali"}), 403)


def test_anonymous_callers_cannot_list_responses(citizen, three):
    assert_error_shape(citizen.get(URL), 401)


# ------------------------------------------------------------------ moderation
def test_admin_excludes_and_includes_a_response_and_the_index_follows(
    tulungagung_host_api, personas, three, this_year
):
    _plain, identical, _other = three
    client = tulungagung_host_api(personas.tulungagung_admin)
    before = regency_figure(this_year).responses
    response = client.post(
        f"{URL}{identical.pk}/exclude/", {"reason": "Semua jawaban sama, diisi petugas."}
    )
    assert response.status_code == 200, response.content
    assert response.json()["excluded"] is True
    assert response.json()["exclusion_reason"] == "Semua jawaban sama, diisi petugas."
    assert regency_figure(this_year).responses == before - 1
    assert AuditEvent.objects.filter(action="response.excluded").count() == 1

    assert client.post(f"{URL}{identical.pk}/include/").json()["excluded"] is False
    assert regency_figure(this_year).responses == before
    assert AuditEvent.objects.filter(action="response.included").count() == 1


def test_an_exclusion_needs_a_reason(tulungagung_host_api, personas, three):
    client = tulungagung_host_api(personas.tulungagung_admin, language="en")
    response = client.post(f"{URL}{three[0].pk}/exclude/", {"reason": "no"})
    assert "reason" in assert_error_shape(response, 400)["errors"]
    assert (
        "reason"
        in assert_error_shape(client.post(f"{URL}{three[0].pk}/exclude/", {}), 400)["errors"]
    )


def test_including_a_counted_response_is_refused(tulungagung_host_api, personas, three):
    client = tulungagung_host_api(personas.tulungagung_admin)
    assert_error_shape(client.post(f"{URL}{three[0].pk}/include/"), 400)


def test_moderating_an_unknown_response_is_a_404(tulungagung_host_api, personas, three):
    client = tulungagung_host_api(personas.tulungagung_admin)
    assert_error_shape(client.post(f"{URL}999999/exclude/", {"reason": "tidak ada"}), 404)


def test_an_operator_may_not_moderate(tulungagung_host_api, dukcapil, operator_of, three):
    client = tulungagung_host_api(operator_of(dukcapil[0]))
    response = client.post(f"{URL}{three[0].pk}/exclude/", {"reason": "Bukan warga kami."})
    assert_error_shape(response, 403)


# ------------------------------------------------------------------ the schema holds
def _openapi_to_json_schema(node):
    """OpenAPI 3.0's `nullable: true` as JSON Schema's "or null", everywhere in the tree."""
    if isinstance(node, list):
        return [_openapi_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _openapi_to_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def test_listed_responses_match_the_documented_schema_blanks_and_flags_included(
    tulungagung_host_api, personas, point
):
    import jsonschema
    from drf_spectacular.generators import SchemaGenerator

    from sukma.surveys.models import Flag

    submit(point, {f"U{i}": 4 for i in range(1, 10)})  # no profile at all: blanks
    held = submit(point, {f"U{i}": 3 for i in range(1, 10)}, profile={"sex": "L"})
    SurveyResponse.objects.filter(pk=held.pk).update(flags=list(Flag.ALL))
    listed = tulungagung_host_api(personas.tulungagung_admin).get(URL).json()["results"]
    assert len(listed) == 2

    schema = SchemaGenerator(urlconf="sukma.urls.tenant").get_schema(request=None, public=True)
    document = _openapi_to_json_schema(
        {"$ref": "#/components/schemas/Response", "components": schema["components"]}
    )
    for item in listed:
        jsonschema.validate(item, document)
