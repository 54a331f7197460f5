"""/api/v1/agreements/: registering MoUs, their signed PDF, and their status machine."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sukma.access.models import AuditEvent
from sukma.platform.models import AgreementStatus, ReplicationAgreement
from sukma.tenants.models import Regency
from tests.api.conftest import assert_error_shape
from tests.factories import agreement_values, pdf_file, signed_agreement

pytestmark = pytest.mark.django_db
URL = "/api/v1/agreements/"


def _payload(**overrides) -> dict:
    values = agreement_values(**{"region_code": "35.07", "regency_name": "Malang", **overrides})
    return {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in values.items()}


def _draft(personas, **overrides) -> ReplicationAgreement:
    from sukma.platform.services.agreements import agreement_register

    values = agreement_values(**{"region_code": "35.08", "regency_name": "Lumajang", **overrides})
    return agreement_register(acting_user=personas.province_admin, **values)


def _not_a_pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("mou.pdf", b"MZ\x90\x00 definitely not a pdf", "application/pdf")


# ------------------------------------------------------------------ reading
def test_province_admin_lists_agreements_newest_first(province_api, personas):
    newest = _draft(personas)
    body = province_api.get(URL).json()
    assert body["results"][0]["id"] == newest.pk
    numbers = {row["number"] for row in body["results"]}
    assert len(numbers) == body["count"] >= 3


def test_province_admin_reads_one_agreement_with_its_regency(province_api, personas):
    agreement = personas.tulungagung.agreements.get()
    body = province_api.get(f"{URL}{agreement.pk}/").json()
    assert body["regency"] == personas.tulungagung.pk
    assert body["regency_name"] == "Kabupaten Tulungagung"
    assert body["region_code"] == "35.04"
    assert body["status"] == "active"
    assert body["has_document"] is True


def test_unknown_agreement_is_a_404(province_api):
    assert_error_shape(province_api.get(f"{URL}424242/"), 404)


def test_kediri_admin_cannot_list_agreements(kediri_admin_api):
    assert_error_shape(kediri_admin_api.get(URL), 403)


def test_kediri_admin_cannot_read_tulungagung_agreement(kediri_admin_api, personas):
    agreement = personas.tulungagung.agreements.get()
    assert_error_shape(kediri_admin_api.get(f"{URL}{agreement.pk}/"), 403)


def test_anonymous_caller_cannot_list_agreements(anonymous_api):
    assert_error_shape(anonymous_api.get(URL), 401)


# ------------------------------------------------------------------ registering
def test_province_admin_registers_a_draft_agreement_as_json(province_api, personas):
    response = province_api.post(URL, _payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["has_document"] is False
    assert body["regency_name"] == "Kabupaten Malang"
    regency = Regency.objects.get(region_code="35.07")
    assert regency.status == "onboarding"

    actions = set(
        AuditEvent.objects.filter(regency=regency, actor=personas.province_admin).values_list(
            "action", flat=True
        )
    )
    assert actions == {"regency.registered", "agreement.registered"}


def test_province_admin_registers_an_agreement_with_its_pdf_as_multipart(province_api):
    payload = {**_payload(), "document": pdf_file()}
    response = province_api.post(URL, payload, format="multipart")
    assert response.status_code == 201, response.content
    agreement = ReplicationAgreement.objects.get(pk=response.json()["id"])
    assert agreement.document.name.endswith(".pdf")
    assert response.json()["has_document"] is True


def test_an_agreement_for_a_known_regency_is_filed_under_it(province_api, personas):
    payload = _payload(region_code="35.04", kind="kabupaten", regency_name="Tulungagung")
    response = province_api.post(URL, payload, format="json")
    assert response.status_code == 201
    assert response.json()["regency"] == personas.tulungagung.pk


def test_a_non_pdf_document_is_refused_and_nothing_is_registered(province_api):
    audited = AuditEvent.objects.count()
    payload = {**_payload(), "document": _not_a_pdf()}
    error = assert_error_shape(province_api.post(URL, payload, format="multipart"), 400)
    assert list(error["errors"]) == ["document"]
    assert not Regency.objects.filter(region_code="35.07").exists()
    assert AuditEvent.objects.count() == audited


def test_a_duplicate_number_is_refused(province_api, personas):
    existing = personas.kediri.agreements.get()
    payload = _payload(number=existing.number)
    error = assert_error_shape(province_api.post(URL, payload, format="json"), 400)
    assert list(error["errors"]) == ["number"]


def test_validity_ending_before_it_starts_is_refused(province_api):
    payload = _payload(valid_from="2027-01-01", valid_until="2026-01-01")
    error = assert_error_shape(province_api.post(URL, payload, format="json"), 400)
    assert list(error["errors"]) == ["valid_until"]


def test_a_region_code_that_belongs_to_another_regency_is_refused(province_api):
    payload = _payload(region_code="35.04", kind="kota", regency_name="Blitar")
    error = assert_error_shape(province_api.post(URL, payload, format="json"), 400)
    assert list(error["errors"]) == ["region_code"]


def test_missing_fields_are_all_named_in_indonesian(province_api):
    error = assert_error_shape(province_api.post(URL, {}, format="json"), 400)
    assert error["detail"] == "Bidang ini harus diisi."
    assert {"region_code", "number", "scope", "valid_from", "valid_until"} <= set(error["errors"])
    assert "signed_on" not in error["errors"] and "document" not in error["errors"]


@pytest.mark.parametrize(
    ("override", "field", "indonesian"),
    [
        ({"valid_from": "kemarin"}, "valid_from", "Format tanggal salah"),
        ({"valid_until": 20301231}, "valid_until", "Format tanggal salah"),
        ({"kind": "desa"}, "kind", "tidak ada dalam daftar pilihan"),
        ({"number": "1" * 10_000}, "number", "tidak boleh melebihi 100 karakter"),
        ({"scope": "x" * 1_000_000}, "scope", "tidak boleh melebihi"),
        ({"region_code": ["35.07"]}, "region_code", ""),
        ({"document": "not a file"}, "document", ""),
        ({"signed_on": "2026-02-30"}, "signed_on", "Format tanggal salah"),
    ],
    ids=[
        "word-date",
        "number-date",
        "unknown-kind",
        "huge-number",
        "huge-scope",
        "list",
        "string-file",
        "impossible-date",
    ],
)
def test_wrong_types_and_sizes_are_a_clear_400(province_api, override, field, indonesian):
    response = province_api.post(URL, _payload(**override), format="json")
    error = assert_error_shape(response, 400)
    assert field in error["errors"]
    assert indonesian in error["errors"][field][0]
    assert not ReplicationAgreement.objects.filter(regency__region_code="35.07").exists()


@pytest.mark.parametrize("raw", [b"{", b"[1, 2]", b"42", b"\xff\xfe"])
def test_malformed_json_body_is_a_400(province_api, raw):
    assert_error_shape(province_api.post(URL, raw, content_type="application/json"), 400)


def test_an_unsupported_content_type_is_a_415(province_api):
    response = province_api.post(URL, b"<xml/>", content_type="application/xml")
    assert_error_shape(response, 415)


def test_tulungagung_admin_cannot_register_an_agreement(tulungagung_admin_api):
    assert_error_shape(tulungagung_admin_api.post(URL, _payload(), format="json"), 403)
    assert not Regency.objects.filter(region_code="35.07").exists()


# ------------------------------------------------------------------ the signed PDF
def test_province_admin_uploads_the_signed_pdf(province_api, personas):
    agreement = _draft(personas)
    response = province_api.post(
        f"{URL}{agreement.pk}/document/", {"document": pdf_file()}, format="multipart"
    )
    assert response.status_code == 200, response.content
    assert response.json()["has_document"] is True
    agreement.refresh_from_db()
    assert agreement.document
    event = AuditEvent.objects.get(action="agreement.document_attached", target_id=agreement.pk)
    assert event.actor == personas.province_admin
    assert event.before["document"] == "" and event.after["document"] == agreement.document.name


def test_uploading_a_non_pdf_is_refused(province_api, personas):
    agreement = _draft(personas)
    response = province_api.post(
        f"{URL}{agreement.pk}/document/", {"document": _not_a_pdf()}, format="multipart"
    )
    assert list(assert_error_shape(response, 400)["errors"]) == ["document"]
    agreement.refresh_from_db()
    assert not agreement.document


def test_uploading_an_empty_file_is_refused(province_api, personas):
    agreement = _draft(personas)
    empty = SimpleUploadedFile("mou.pdf", b"", "application/pdf")
    response = province_api.post(
        f"{URL}{agreement.pk}/document/", {"document": empty}, format="multipart"
    )
    assert list(assert_error_shape(response, 400)["errors"]) == ["document"]


def test_uploading_a_pdf_over_the_size_limit_is_refused(province_api, personas, settings):
    settings.AGREEMENT_DOCUMENT_MAX_BYTES = 1024 * 1024
    agreement = _draft(personas)
    response = province_api.post(
        f"{URL}{agreement.pk}/document/",
        {"document": pdf_file(size=1024 * 1024 + 1)},
        format="multipart",
    )
    assert list(assert_error_shape(response, 400)["errors"]) == ["document"]


def test_uploading_without_a_file_names_the_field_in_indonesian(province_api, personas):
    agreement = _draft(personas)
    response = province_api.post(f"{URL}{agreement.pk}/document/", {}, format="multipart")
    error = assert_error_shape(response, 400)
    assert error["errors"] == {"document": ["Pilih berkas terlebih dahulu."]}


def test_uploading_as_json_is_a_415(province_api, personas):
    agreement = _draft(personas)
    response = province_api.post(f"{URL}{agreement.pk}/document/", {"document": "x"}, format="json")
    assert_error_shape(response, 415)


def test_the_document_of_an_active_agreement_cannot_change(province_api, personas):
    agreement = personas.tulungagung.agreements.get()
    before = agreement.document.name
    response = province_api.post(
        f"{URL}{agreement.pk}/document/", {"document": pdf_file()}, format="multipart"
    )
    assert list(assert_error_shape(response, 400)["errors"]) == ["document"]
    agreement.refresh_from_db()
    assert agreement.document.name == before


def test_kediri_admin_cannot_upload_a_document(kediri_admin_api, personas):
    agreement = _draft(personas)
    response = kediri_admin_api.post(
        f"{URL}{agreement.pk}/document/", {"document": pdf_file()}, format="multipart"
    )
    assert_error_shape(response, 403)


# ------------------------------------------------------------------ transitions
def test_province_admin_marks_an_agreement_signed(province_api, personas):
    agreement = _draft(personas, document=pdf_file())
    response = province_api.post(
        f"{URL}{agreement.pk}/transition/",
        {"to": "signed", "signed_on": "2026-01-05"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "signed"
    assert response.json()["signed_on"] == "2026-01-05"
    event = AuditEvent.objects.get(action="agreement.signed", target_id=agreement.pk)
    assert event.actor == personas.province_admin
    assert (event.before["status"], event.after["status"]) == ("draft", "signed")


def test_province_admin_terminates_an_agreement(province_api, personas):
    agreement = _draft(personas)
    response = province_api.post(
        f"{URL}{agreement.pk}/transition/", {"to": "terminated"}, format="json"
    )
    assert response.json()["status"] == "terminated"
    assert AuditEvent.objects.filter(action="agreement.terminated").exists()


def test_an_illegal_transition_is_refused_and_changes_nothing(province_api, personas):
    agreement = _draft(personas, document=pdf_file())
    audited = AuditEvent.objects.count()
    response = province_api.post(
        f"{URL}{agreement.pk}/transition/", {"to": "active"}, format="json"
    )
    error = assert_error_shape(response, 400)
    assert list(error["errors"]) == ["status"]
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT
    assert AuditEvent.objects.count() == audited


def test_signing_without_the_pdf_is_refused(province_api, personas):
    agreement = _draft(personas)
    response = province_api.post(
        f"{URL}{agreement.pk}/transition/",
        {"to": "signed", "signed_on": "2026-01-05"},
        format="json",
    )
    assert list(assert_error_shape(response, 400)["errors"]) == ["document"]
    agreement.refresh_from_db()
    assert (agreement.status, agreement.signed_on) == ("draft", None)


def test_signing_without_a_date_is_refused(province_api, personas):
    agreement = _draft(personas, document=pdf_file())
    response = province_api.post(
        f"{URL}{agreement.pk}/transition/", {"to": "signed"}, format="json"
    )
    assert list(assert_error_shape(response, 400)["errors"]) == ["signed_on"]


def test_a_terminated_agreement_cannot_come_back(province_api, personas):
    agreement = signed_agreement(personas.province_admin, region_code="35.09")
    url = f"{URL}{agreement.pk}/transition/"
    assert province_api.post(url, {"to": "terminated"}, format="json").status_code == 200
    for target in ("draft", "signed", "active", "expired"):
        assert_error_shape(province_api.post(url, {"to": target}, format="json"), 400)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"to": "bogus"}, "to"),
        ({}, "to"),
        ({"to": ["signed"]}, "to"),
        ({"to": "signed", "signed_on": "5 Januari"}, "signed_on"),
    ],
)
def test_a_malformed_transition_is_a_400(province_api, personas, body, field):
    agreement = _draft(personas)
    response = province_api.post(f"{URL}{agreement.pk}/transition/", body, format="json")
    assert field in assert_error_shape(response, 400)["errors"]


def test_transition_of_an_unknown_agreement_is_a_404(province_api):
    response = province_api.post(f"{URL}999999/transition/", {"to": "signed"}, format="json")
    assert_error_shape(response, 404)


def test_kediri_admin_cannot_transition_an_agreement(kediri_admin_api, personas):
    agreement = _draft(personas)
    response = kediri_admin_api.post(
        f"{URL}{agreement.pk}/transition/", {"to": "terminated"}, format="json"
    )
    assert_error_shape(response, 403)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT
