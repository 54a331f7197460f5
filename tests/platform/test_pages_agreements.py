"""The agreement pages: registering, the signed PDF, and the status buttons."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sukma.access.models import AuditEvent
from sukma.platform.models import AgreementStatus, ReplicationAgreement
from sukma.tenants.models import Regency
from tests.conftest import PUBLIC_HOST, host_client
from tests.factories import agreement_values, pdf_file
from tests.second_factor import mark_verified

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(name, urlconf="sukma.urls.public", args=args)


def form_data(**overrides) -> dict:
    values = agreement_values(**{"region_code": "35.03", "regency_name": "Trenggalek", **overrides})
    return {key: str(value) for key, value in values.items()}


def draft(province_admin, **overrides) -> ReplicationAgreement:
    from sukma.platform.services.agreements import agreement_register

    return agreement_register(acting_user=province_admin, **agreement_values(**overrides))


@pytest.fixture
def client(personas):
    return host_client(PUBLIC_HOST, personas.province_admin, HTTP_ACCEPT_LANGUAGE="en")


def test_registering_an_agreement_with_its_pdf_adds_the_regency_and_a_draft(personas, client):
    data = form_data(number="120/77/35/2026")
    response = client.post(url("agreement_create"), {**data, "document": pdf_file()})

    agreement = ReplicationAgreement.objects.get(number="120/77/35/2026")
    assert response.status_code == 302
    assert response["Location"] == url("agreement_detail", agreement.pk)
    assert agreement.status == AgreementStatus.DRAFT
    assert agreement.document.name.endswith(".pdf")
    assert agreement.regency.name == "Kabupaten Trenggalek"
    assert AuditEvent.objects.filter(
        action="agreement.registered", actor=personas.province_admin
    ).exists()


def test_registering_with_a_file_that_is_not_a_pdf_shows_the_error_and_creates_nothing(client):
    fake = SimpleUploadedFile("mou.pdf", b"<html>not a pdf</html>", "application/pdf")
    events_before = AuditEvent.objects.count()

    response = client.post(url("agreement_create"), {**form_data(), "document": fake})

    assert response.status_code == 200
    assert "must be a PDF file" in response.content.decode()
    assert not Regency.objects.filter(region_code="35.03").exists()
    assert not ReplicationAgreement.objects.filter(regency__region_code="35.03").exists()
    assert AuditEvent.objects.count() == events_before


def test_registering_with_validity_ending_before_it_starts_is_refused(client):
    data = form_data(valid_from=datetime.date(2027, 1, 1), valid_until=datetime.date(2026, 1, 1))
    response = client.post(url("agreement_create"), data)
    assert response.status_code == 200
    assert "comes before its start" in response.content.decode()
    assert not Regency.objects.filter(region_code="35.03").exists()


def test_registering_a_code_that_belongs_to_another_regency_is_refused(personas, client):
    data = form_data(region_code="35.04", regency_name="Blitar")
    response = client.post(url("agreement_create"), data)
    assert response.status_code == 200
    assert "already belongs to Kabupaten Tulungagung" in response.content.decode()


def test_new_agreement_form_for_a_known_regency_starts_with_its_names(personas, client):
    response = client.get(url("agreement_create"), {"regency": personas.kediri.pk})
    form = response.context["form"]
    assert form.initial == {"kind": "kota", "region_code": "35.71", "regency_name": "Kota Kediri"}


def test_uploading_the_signed_pdf_attaches_it(personas, client):
    agreement = draft(personas.province_admin)
    response = client.post(url("agreement_document", agreement.pk), {"document": pdf_file()})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.document


def test_uploading_a_file_that_is_not_a_pdf_leaves_the_agreement_as_it_was(personas, client):
    agreement = draft(personas.province_admin)
    fake = SimpleUploadedFile("mou.pdf", b"GIF89a", "application/pdf")
    response = client.post(url("agreement_document", agreement.pk), {"document": fake})
    assert response.status_code == 200
    assert "must be a PDF file" in response.content.decode()
    agreement.refresh_from_db()
    assert not agreement.document


def test_the_signed_pdf_is_served_to_the_province_admin(personas, client):
    agreement = personas.tulungagung.agreements.get()
    response = client.get(url("agreement_document", agreement.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_detail_page_offers_only_the_allowed_transitions(personas, client):
    agreement = draft(personas.province_admin)
    response = client.get(url("agreement_detail", agreement.pk))
    offered = [value for value, _label in response.context["transitions"]]
    assert offered == ["signed", "terminated"]


def test_marking_signed_with_pdf_and_date_signs_it(personas, client):
    agreement = draft(personas.province_admin, number="120/88/35/2026")
    client.post(url("agreement_document", agreement.pk), {"document": pdf_file()})

    response = client.post(
        url("agreement_status", agreement.pk), {"to": "signed", "signed_on": "2026-02-03"}
    )

    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SIGNED
    assert agreement.signed_on == datetime.date(2026, 2, 3)


def test_marking_signed_without_the_pdf_shows_the_error(personas, client):
    agreement = draft(personas.province_admin)
    response = client.post(
        url("agreement_status", agreement.pk), {"to": "signed", "signed_on": "2026-02-03"}
    )
    assert response.status_code == 200
    assert "Upload the signed PDF" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT


def test_an_illegal_transition_is_shown_as_an_error_and_changes_nothing(personas, client):
    agreement = draft(personas.province_admin)
    events_before = AuditEvent.objects.count()

    response = client.post(url("agreement_status", agreement.pk), {"to": "active"})

    assert response.status_code == 200
    assert "An agreement that is draft cannot become active" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT
    assert AuditEvent.objects.count() == events_before


def test_an_unknown_status_is_refused_without_a_server_error(personas, client):
    agreement = draft(personas.province_admin)
    response = client.post(url("agreement_status", agreement.pk), {"to": "approved"})
    assert response.status_code == 200
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT


def test_every_form_on_the_detail_page_carries_a_csrf_token(personas, client):
    agreement = draft(personas.province_admin)
    body = client.get(url("agreement_detail", agreement.pk)).content.decode()
    assert body.count('method="post"') == body.count("csrfmiddlewaretoken")


def test_a_post_without_csrf_token_is_refused(personas):
    from django.test import Client

    agreement = draft(personas.province_admin)
    client = Client(HTTP_HOST=PUBLIC_HOST, enforce_csrf_checks=True)
    client.force_login(personas.province_admin)
    mark_verified(client, personas.province_admin)
    response = client.post(url("agreement_status", agreement.pk), {"to": "terminated"})
    assert response.status_code == 403
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT
