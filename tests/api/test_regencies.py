"""/api/v1/regencies/: the province's regencies, and suspending, resuming, offboarding them."""

import pytest

from sukma.access.models import AuditEvent
from sukma.tenants.models import Regency, RegencyStatus
from tests.api.conftest import assert_error_shape
from tests.conftest import TULUNGAGUNG_HOST, host_client
from tests.factories import signed_agreement

pytestmark = pytest.mark.django_db


def _url(regency, action: str = "") -> str:
    return f"/api/v1/regencies/{regency.pk}/" + (f"{action}/" if action else "")


def test_province_admin_lists_every_regency_with_domain_and_agreements(province_api, personas):
    response = province_api.get("/api/v1/regencies/")
    assert response.status_code == 200
    body = response.json()
    by_code = {row["code"]: row for row in body["results"]}
    assert body["count"] == len(by_code) >= 2
    tulungagung = by_code["35.04"]
    assert tulungagung["name"] == "Kabupaten Tulungagung"
    assert tulungagung["kind"] == "kabupaten"
    assert tulungagung["status"] == "active"
    assert tulungagung["primary_domain"] == TULUNGAGUNG_HOST
    [agreement] = tulungagung["agreements"]
    assert agreement["status"] == "active"
    assert set(agreement) == {"id", "number", "status", "signed_on", "valid_from", "valid_until"}
    assert by_code["35.71"]["name"] == "Kota Kediri"


def test_an_onboarding_regency_has_no_primary_domain_yet(province_api, personas):
    regency = signed_agreement(personas.province_admin, region_code="35.05").regency
    body = province_api.get(_url(regency)).json()
    assert body["status"] == "onboarding"
    assert body["primary_domain"] is None
    assert body["agreements"][0]["status"] == "signed"


def test_province_admin_reads_one_regency(province_api, personas):
    body = province_api.get(_url(personas.kediri)).json()
    assert body["id"] == personas.kediri.pk
    assert body["code"] == "35.71"


@pytest.mark.parametrize("pk", ["999999", "99999999999999999999999", "abc"])
def test_unknown_regency_is_a_404_in_indonesian(province_api, pk):
    response = province_api.get(f"/api/v1/regencies/{pk}/")
    assert assert_error_shape(response, 404)["detail"] == "Data tidak ditemukan."


def test_kediri_admin_cannot_list_regencies(kediri_admin_api):
    response = kediri_admin_api.get("/api/v1/regencies/")
    error = assert_error_shape(response, 403)
    assert error["detail"] == "Anda tidak memiliki izin untuk melakukan tindakan ini."


def test_kediri_admin_cannot_tell_an_existing_regency_from_a_missing_one(
    kediri_admin_api, personas
):
    existing = kediri_admin_api.get(_url(personas.tulungagung))
    missing = kediri_admin_api.get("/api/v1/regencies/999999/")
    assert existing.status_code == missing.status_code == 403
    assert existing.json() == missing.json()


def test_anonymous_caller_is_asked_to_authenticate(anonymous_api):
    response = anonymous_api.get("/api/v1/regencies/")
    assert assert_error_shape(response, 401)["detail"] == "Data autentikasi tidak diberikan."
    assert response["WWW-Authenticate"] == "Token"


def test_anonymous_caller_gets_english_when_asking_for_it(personas, db):
    from tests.api.conftest import api_client
    from tests.conftest import PUBLIC_HOST

    response = api_client(PUBLIC_HOST, language="en").get("/api/v1/regencies/")
    error = assert_error_shape(response, 401)
    assert error["detail"] == "Authentication credentials were not provided."


def test_control_plane_is_not_served_on_a_regency_host(tulungagung_host_api, personas):
    client = tulungagung_host_api(personas.province_admin)
    assert client.get("/api/v1/regencies/").status_code == 404


def test_province_admin_suspends_a_regency_and_its_site_answers_503(province_api, personas):
    response = province_api.post(_url(personas.tulungagung, "suspend"))
    assert response.status_code == 200
    assert response.json()["status"] == "suspended"
    assert response.json()["primary_domain"] == TULUNGAGUNG_HOST
    assert Regency.objects.get(pk=personas.tulungagung.pk).status == RegencyStatus.SUSPENDED
    assert host_client(TULUNGAGUNG_HOST).get("/").status_code == 503

    event = AuditEvent.objects.get(action="regency.suspended")
    assert event.actor == personas.province_admin
    assert event.regency_id == personas.tulungagung.pk
    assert (event.before["status"], event.after["status"]) == ("active", "suspended")


def test_province_admin_resumes_a_suspended_regency(province_api, personas):
    province_api.post(_url(personas.kediri, "suspend"))
    response = province_api.post(_url(personas.kediri, "resume"))
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert AuditEvent.objects.filter(
        action="regency.active", regency=personas.kediri, actor=personas.province_admin
    ).exists()


def test_province_admin_offboards_a_regency(province_api, personas):
    response = province_api.post(_url(personas.kediri, "offboard"))
    assert response.json()["status"] == "offboarded"
    assert AuditEvent.objects.filter(action="regency.offboarded", regency=personas.kediri).exists()


def test_resuming_an_active_regency_is_refused_and_changes_nothing(province_api, personas):
    audited = AuditEvent.objects.count()
    response = province_api.post(_url(personas.tulungagung, "resume"))
    error = assert_error_shape(response, 400)
    assert list(error["errors"]) == ["status"]
    assert Regency.objects.get(pk=personas.tulungagung.pk).status == RegencyStatus.ACTIVE
    assert AuditEvent.objects.count() == audited


def test_an_onboarding_regency_cannot_be_activated_by_resuming_it(province_api, personas):
    """Only provisioning makes a regency active: it has no schema or domain before."""
    regency = signed_agreement(personas.province_admin, region_code="35.06").regency
    response = province_api.post(_url(regency, "resume"))
    assert_error_shape(response, 400)
    assert Regency.objects.get(pk=regency.pk).status == RegencyStatus.ONBOARDING


def test_an_offboarded_regency_stays_offboarded(province_api, personas):
    province_api.post(_url(personas.kediri, "offboard"))
    for action in ("resume", "suspend", "offboard"):
        assert_error_shape(province_api.post(_url(personas.kediri, action)), 400)


def test_kediri_admin_cannot_suspend_tulungagung(kediri_admin_api, personas):
    response = kediri_admin_api.post(_url(personas.tulungagung, "suspend"))
    assert_error_shape(response, 403)
    assert Regency.objects.get(pk=personas.tulungagung.pk).status == RegencyStatus.ACTIVE
    assert not AuditEvent.objects.filter(action="regency.suspended").exists()


def test_tulungagung_admin_cannot_suspend_their_own_regency_through_the_control_plane(
    tulungagung_admin_api, personas
):
    assert_error_shape(tulungagung_admin_api.post(_url(personas.tulungagung, "suspend")), 403)


def test_regencies_cannot_be_created_or_deleted_through_the_api(province_api, personas):
    assert province_api.post("/api/v1/regencies/", {}, format="json").status_code == 405
    assert province_api.delete(_url(personas.kediri)).status_code == 405
    assert Regency.objects.filter(pk=personas.kediri.pk).exists()
