"""Agencies, services, service points and periods on a regency's own host."""

import pytest
from django.db import connection

from sukma.access.models import AuditEvent
from sukma.surveys.models import Agency, Period, Service, ServicePoint
from tests.api.conftest import api_client, assert_error_shape
from tests.conftest import KEDIRI_HOST

pytestmark = pytest.mark.django_db

STRUCTURE_URLS = ["/api/v1/agencies/", "/api/v1/services/", "/api/v1/service-points/"]
ALL_URLS = [*STRUCTURE_URLS, "/api/v1/periods/"]


@pytest.fixture
def bapenda(in_tulungagung):
    agency = Agency.objects.create(name="Badan Pendapatan Daerah", kind="badan")
    pbb = Service.objects.create(agency=agency, name="PBB", annual_users=3000)
    ServicePoint.objects.create(agency=agency, name="Loket PBB", code="BPD2K7M9")
    return agency, pbb


def test_regency_admin_lists_every_agency(tulungagung_host_api, personas, dukcapil, bapenda):
    response = tulungagung_host_api(personas.tulungagung_admin).get("/api/v1/agencies/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert {a["short_name"] for a in body["results"]} == {"Dukcapil", ""}
    assert set(body["results"][0]) == {"id", "name", "short_name", "kind", "active", "created_at"}


def test_operator_sees_only_their_agency(
    tulungagung_host_api, dukcapil, bapenda, operator_of, year_2026
):
    agency, ktp, kk, point = dukcapil
    client = tulungagung_host_api(operator_of(agency))
    assert [a["id"] for a in client.get("/api/v1/agencies/").json()["results"]] == [agency.pk]
    services = client.get("/api/v1/services/").json()["results"]
    assert {s["id"] for s in services} == {ktp.pk, kk.pk}
    points = client.get("/api/v1/service-points/").json()["results"]
    assert [(p["code"], p["survey_path"]) for p in points] == [(point.code, "/s/TA7K2M9Q/")]
    other_agency, pbb = bapenda
    assert_error_shape(client.get(f"/api/v1/agencies/{other_agency.pk}/"), 404)
    assert_error_shape(client.get(f"/api/v1/services/{pbb.pk}/"), 404)
    # Periods are the whole regency's.
    assert client.get("/api/v1/periods/").json()["count"] == 1


def test_operator_cannot_write(tulungagung_host_api, dukcapil, operator_of):
    agency = dukcapil[0]
    client = tulungagung_host_api(operator_of(agency))
    response = client.post("/api/v1/agencies/", {"name": "Dinas Baru", "kind": "dinas"})
    assert_error_shape(response, 403)
    assert_error_shape(client.patch(f"/api/v1/agencies/{agency.pk}/", {"active": False}), 403)


def test_services_filter_by_agency(tulungagung_host_api, personas, dukcapil, bapenda):
    other_agency, pbb = bapenda
    client = tulungagung_host_api(personas.tulungagung_admin)
    response = client.get("/api/v1/services/", {"agency": other_agency.pk})
    assert [s["id"] for s in response.json()["results"]] == [pbb.pk]
    assert_error_shape(client.get("/api/v1/services/", {"agency": "x"}), 400)


def test_admin_creates_an_agency_through_the_audited_service(tulungagung_host_api, personas):
    client = tulungagung_host_api(personas.tulungagung_admin)
    response = client.post(
        "/api/v1/agencies/",
        {"name": "RSUD dr. Iskak", "short_name": "RSUD", "kind": "rsud"},
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["name"] == "RSUD dr. Iskak" and created["active"] is True
    event = AuditEvent.objects.get(action="agency.created")
    assert event.regency == personas.tulungagung
    assert event.target_id == str(created["id"])


def test_duplicate_agency_name_is_a_400_on_the_field(tulungagung_host_api, personas, dukcapil):
    client = tulungagung_host_api(personas.tulungagung_admin, language="en")
    response = client.post(
        "/api/v1/agencies/",
        {"name": "Dinas Kependudukan dan Pencatatan Sipil", "kind": "dinas"},
        format="json",
    )
    assert "name" in assert_error_shape(response, 400)["errors"]


def test_admin_updates_an_agency(tulungagung_host_api, personas, dukcapil):
    agency = dukcapil[0]
    client = tulungagung_host_api(personas.tulungagung_admin)
    response = client.patch(f"/api/v1/agencies/{agency.pk}/", {"active": False}, format="json")
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert response.json()["name"] == agency.name
    assert AuditEvent.objects.filter(action="agency.updated").count() == 1


@pytest.mark.parametrize("active", [0, 1, "no", "off", "false", None])
def test_active_is_json_true_or_false_and_nothing_else(
    tulungagung_host_api, personas, dukcapil, active
):
    """DRF's BooleanField took 0, "no" and "off" as false, which the schema refuses."""
    agency = dukcapil[0]
    client = tulungagung_host_api(personas.tulungagung_admin)
    response = client.patch(f"/api/v1/agencies/{agency.pk}/", {"active": active}, format="json")
    assert "active" in assert_error_shape(response, 400)["errors"]
    agency.refresh_from_db()
    assert agency.active is True


def test_a_form_encoded_client_still_sends_true_or_false(tulungagung_host_api, personas, dukcapil):
    agency = dukcapil[0]
    client = tulungagung_host_api(personas.tulungagung_admin)
    response = client.patch(f"/api/v1/agencies/{agency.pk}/", {"active": "false"})
    assert response.status_code == 200, response.content
    assert response.json()["active"] is False


def test_admin_adds_and_changes_a_service(tulungagung_host_api, personas, dukcapil):
    agency = dukcapil[0]
    client = tulungagung_host_api(personas.tulungagung_admin)
    response = client.post(
        "/api/v1/services/",
        {"agency": agency.pk, "name": "Akta Kelahiran", "annual_users": 4000},
        format="json",
    )
    assert response.status_code == 201, response.content
    service_id = response.json()["id"]
    response = client.patch(f"/api/v1/services/{service_id}/", {"annual_users": 0}, format="json")
    assert "annual_users" in assert_error_shape(response, 400)["errors"]
    response = client.patch(
        f"/api/v1/services/{service_id}/", {"annual_users": None}, format="json"
    )
    assert response.status_code == 200 and response.json()["annual_users"] is None


def test_admin_adds_a_service_point_with_a_fresh_code(tulungagung_host_api, personas, dukcapil):
    agency, ktp, _kk, _point = dukcapil
    client = tulungagung_host_api(personas.tulungagung_admin)
    response = client.post(
        "/api/v1/service-points/",
        {"agency": agency.pk, "name": "Loket 2", "default_service": ktp.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    point = response.json()
    assert len(point["code"]) == 8 and point["survey_path"] == f"/s/{point['code']}/"
    assert point["default_service"] == ktp.pk


def test_a_preset_service_of_another_agency_is_refused(
    tulungagung_host_api, personas, dukcapil, bapenda
):
    agency = dukcapil[0]
    pbb = bapenda[1]
    client = tulungagung_host_api(personas.tulungagung_admin)
    response = client.post(
        "/api/v1/service-points/",
        {"agency": agency.pk, "name": "Loket 3", "default_service": pbb.pk},
        format="json",
    )
    assert "default_service" in assert_error_shape(response, 400)["errors"]


def test_admin_creates_and_locks_a_period(tulungagung_host_api, personas):
    client = tulungagung_host_api(personas.tulungagung_admin)
    response = client.post(
        "/api/v1/periods/", {"kind": "quarter", "year": 2025, "number": 2}, format="json"
    )
    assert response.status_code == 201, response.content
    period = response.json()
    assert (period["starts_on"], period["ends_on"], period["label"]) == (
        "2025-04-01",
        "2025-06-30",
        "TW2 2025",
    )
    locked = client.post(f"/api/v1/periods/{period['id']}/lock/")
    assert locked.status_code == 200 and locked.json()["locked"] is True
    assert AuditEvent.objects.filter(action="period.locked").count() == 1


def test_a_period_that_has_not_ended_cannot_be_locked(tulungagung_host_api, personas):
    client = tulungagung_host_api(personas.tulungagung_admin)
    period = client.post(
        "/api/v1/periods/", {"kind": "year", "year": 2099, "number": 1}, format="json"
    ).json()
    assert (
        "period"
        in assert_error_shape(client.post(f"/api/v1/periods/{period['id']}/lock/"), 400)["errors"]
    )


def test_periods_filter_by_kind_and_year(tulungagung_host_api, personas, year_2026):
    Period.objects.create(
        kind="month", year=2026, number=1, starts_on="2026-01-01", ends_on="2026-01-31"
    )
    client = tulungagung_host_api(personas.tulungagung_admin)
    response = client.get("/api/v1/periods/", {"kind": "month", "year": 2026})
    assert [p["label"] for p in response.json()["results"]] == ["2026-01"]


@pytest.mark.parametrize("url", ALL_URLS)
def test_kediri_admin_is_refused_everything_on_tulungagung(
    tulungagung_host_api, personas, dukcapil, year_2026, url
):
    client = tulungagung_host_api(personas.kediri_admin)
    assert_error_shape(client.get(url), 403)
    assert_error_shape(client.post(url, {"name": "x"}, format="json"), 403)
    object_id = Period.objects.get().pk if "periods" in url else dukcapil[0].pk
    assert_error_shape(client.get(f"{url}{object_id}/"), 403)


@pytest.mark.parametrize("url", ALL_URLS)
def test_anonymous_callers_must_sign_in(tulungagung_host_api, url):
    assert_error_shape(tulungagung_host_api().get(url), 401)


def test_each_regency_sees_only_its_own_agencies(personas, dukcapil):
    connection.set_tenant(personas.kediri)
    Agency.objects.create(name="Dinas Kesehatan Kota Kediri", kind="dinas")
    connection.set_schema_to_public()
    response = api_client(KEDIRI_HOST, personas.kediri_admin).get("/api/v1/agencies/")
    assert [a["name"] for a in response.json()["results"]] == ["Dinas Kesehatan Kota Kediri"]


@pytest.mark.parametrize("short_name", [0, 1.5, True, ["Dukcapil"], {"a": 1}])
def test_a_text_field_takes_text_only(tulungagung_host_api, personas, short_name):
    """DRF stored `"short_name": 0` as "0"; the schema says a string."""
    client = tulungagung_host_api(personas.tulungagung_admin)
    body = {"name": "Dinas Baru", "kind": "dinas", "short_name": short_name}
    response = client.post("/api/v1/agencies/", body, format="json")
    assert "short_name" in assert_error_shape(response, 400)["errors"]
    assert not Agency.objects.filter(name="Dinas Baru").exists()
