"""The regency pages: the list with agreements and sites, one regency, its status buttons."""

import pytest
from django.urls import reverse

from sukma.access.models import AuditEvent
from sukma.tenants.models import RegencyStatus
from tests.conftest import PUBLIC_HOST, host_client
from tests.factories import signed_agreement

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(name, urlconf="sukma.urls.public", args=args)


@pytest.fixture
def client(personas):
    return host_client(PUBLIC_HOST, personas.province_admin, HTTP_ACCEPT_LANGUAGE="en")


def test_list_shows_each_regency_with_status_agreement_and_site(personas, client):
    response = client.get(url("regency_list"))

    rows = {row["regency"].region_code: row for row in response.context["rows"]}
    tulungagung = rows["35.04"]
    assert tulungagung["regency"].status == RegencyStatus.ACTIVE
    assert tulungagung["agreement"] == personas.tulungagung.agreements.get()
    assert tulungagung["site_url"] == "http://tulungagungkab.localhost:8000/"
    body = response.content.decode()
    assert 'href="http://kedirikota.localhost:8000/"' in body
    assert tulungagung["agreement"].number in body


def test_list_shows_a_regency_still_onboarding_without_a_site(personas, client):
    signed_agreement(personas.province_admin, region_code="35.03", regency_name="Trenggalek")
    rows = {r["regency"].region_code: r for r in client.get(url("regency_list")).context["rows"]}
    assert rows["35.03"]["regency"].status == RegencyStatus.ONBOARDING
    assert rows["35.03"]["agreement"].status == "signed"
    assert rows["35.03"]["site_url"] is None


def test_list_reads_agreements_and_domains_in_a_fixed_number_of_queries(
    personas, client, django_assert_max_num_queries
):
    for code, name in [("35.01", "Pacitan"), ("35.02", "Ponorogo"), ("35.03", "Trenggalek")]:
        signed_agreement(personas.province_admin, region_code=code, regency_name=name)
    with django_assert_max_num_queries(12):
        client.get(url("regency_list"))


def test_detail_shows_agreements_and_provisioning_jobs(personas, client):
    response = client.get(url("regency_detail", personas.kediri.pk))
    assert response.status_code == 200
    assert [a.pk for a in response.context["agreements"]] == [personas.kediri.agreements.get().pk]
    assert len(response.context["jobs"]) == 1
    assert 'name="provision"' not in response.content.decode()  # already provisioned


def test_detail_of_a_regency_still_onboarding_offers_the_provision_form(personas, client):
    regency = signed_agreement(
        personas.province_admin, region_code="35.72", kind="kota", regency_name="Blitar"
    ).regency
    response = client.get(url("regency_detail", regency.pk))
    assert response.context["provision_form"].initial == {"subdomain": "blitarkota"}
    assert 'name="provision"' in response.content.decode()


def test_suspending_and_resuming_a_regency(personas, client):
    regency = personas.tulungagung
    client.post(url("regency_status", regency.pk), {"action": "suspend"})
    regency.refresh_from_db()
    assert regency.status == RegencyStatus.SUSPENDED

    client.post(url("regency_status", regency.pk), {"action": "resume"})
    regency.refresh_from_db()
    assert regency.status == RegencyStatus.ACTIVE
    actions = AuditEvent.objects.filter(regency=regency).values_list("action", flat=True)
    assert {"regency.suspended", "regency.active"} <= set(actions)


def test_resuming_a_regency_that_is_not_suspended_is_shown_as_an_error(personas, client):
    agreement = signed_agreement(
        personas.province_admin, region_code="35.03", regency_name="Trenggalek"
    )
    regency = agreement.regency
    response = client.post(url("regency_status", regency.pk), {"action": "resume"})
    assert response.status_code == 200
    assert response.context["status_form"].non_field_errors()
    regency.refresh_from_db()
    assert regency.status == RegencyStatus.ONBOARDING


def test_offboarding_needs_the_confirmation_box(personas, client):
    regency = personas.kediri
    response = client.post(url("regency_status", regency.pk), {"action": "offboard"})
    assert response.status_code == 200
    assert "confirm" in response.content.decode()
    regency.refresh_from_db()
    assert regency.status == RegencyStatus.ACTIVE

    client.post(url("regency_status", regency.pk), {"action": "offboard", "confirm": "on"})
    regency.refresh_from_db()
    assert regency.status == RegencyStatus.OFFBOARDED


def test_an_offboarded_regency_cannot_be_suspended(personas, client):
    regency = personas.kediri
    client.post(url("regency_status", regency.pk), {"action": "offboard", "confirm": "on"})
    response = client.post(url("regency_status", regency.pk), {"action": "suspend"})
    assert response.status_code == 200
    assert "cannot become suspended" in response.content.decode()
    regency.refresh_from_db()
    assert regency.status == RegencyStatus.OFFBOARDED


def test_status_change_by_get_is_not_allowed(personas, client):
    assert client.get(url("regency_status", personas.kediri.pk)).status_code == 405


def test_unknown_regency_is_404(client):
    assert client.get(url("regency_detail", 999999)).status_code == 404
