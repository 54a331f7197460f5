"""Replication agreements: registration, the signed PDF, and the transitions they may make."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from sukma.access.models import AuditEvent
from sukma.platform.models import AgreementStatus, ReplicationAgreement
from sukma.platform.services.agreements import (
    TRANSITIONS,
    agreement_attach_document,
    agreement_register,
    agreement_transition,
)
from sukma.tenants.models import Regency
from tests.factories import agreement_values, pdf_bytes, pdf_file, signed_agreement

pytestmark = pytest.mark.django_db
S = AgreementStatus


def _draft(**overrides):
    return agreement_register(acting_user=None, **agreement_values(**overrides))


def test_registering_an_agreement_registers_its_regency_as_onboarding(personas):
    agreement = _draft(region_code="35.19", regency_name="Madiun")
    regency = agreement.regency
    assert (regency.name, regency.kind, regency.status) == (
        "Kabupaten Madiun",
        "kabupaten",
        "onboarding",
    )
    assert regency.schema_name == "r35_19"
    assert agreement.status == S.DRAFT


def test_same_name_different_code_is_a_different_regency(personas):
    kabupaten = _draft(region_code="35.06", kind="kabupaten", regency_name="Kediri").regency
    assert kabupaten != personas.kediri
    assert kabupaten.name == "Kabupaten Kediri" and personas.kediri.name == "Kota Kediri"


def test_a_code_already_used_by_another_regency_is_refused(personas):
    with pytest.raises(ValidationError) as error:
        _draft(region_code="35.04", regency_name="Blitar")
    assert "region_code" in error.value.message_dict
    assert not ReplicationAgreement.objects.filter(regency__name="Kabupaten Blitar").exists()


@pytest.mark.parametrize("code", ["3504", "35.4", "35.04.01", "", "ab.cd"])
def test_malformed_region_codes_are_refused(personas, code):
    with pytest.raises(ValidationError):
        _draft(region_code=code)
    assert not Regency.objects.filter(region_code=code).exists()


def test_validity_must_end_after_it_starts(personas):
    with pytest.raises(ValidationError) as error:
        _draft(valid_from=datetime.date(2027, 1, 1), valid_until=datetime.date(2026, 1, 1))
    assert "valid_until" in error.value.message_dict


def test_a_duplicate_agreement_number_is_refused(personas):
    first = _draft()
    with pytest.raises(ValidationError):
        _draft(number=first.number)


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("mou.pdf", b"<html>not a pdf</html>", content_type="application/pdf"),
        SimpleUploadedFile("mou.pdf", b"", content_type="application/pdf"),
        SimpleUploadedFile("mou.exe", b"MZ\x90\x00", content_type="application/octet-stream"),
        # An HTML page that says "%PDF-" in its first kilobyte passed the old check.
        SimpleUploadedFile("mou.pdf", b"%PDF-1.7\n<html><script>alert(1)</script></html>"),
        SimpleUploadedFile("mou.pdf", b"<!-- %PDF-1.4 --><html><body>polyglot</body></html>"),
        # A real PDF's start, cut short: no pages to read.
        SimpleUploadedFile("mou.pdf", pdf_bytes()[:200], content_type="application/pdf"),
    ],
)
def test_a_document_that_is_not_a_pdf_is_refused_and_nothing_is_stored(personas, upload):
    before = ReplicationAgreement.objects.count()
    with pytest.raises(ValidationError) as error:
        _draft(document=upload)
    assert "document" in error.value.message_dict
    assert ReplicationAgreement.objects.count() == before


@override_settings(AGREEMENT_DOCUMENT_MAX_BYTES=1024)
def test_a_document_over_the_size_limit_is_refused(personas):
    agreement = _draft()
    with pytest.raises(ValidationError):
        agreement_attach_document(
            acting_user=None, agreement=agreement, document=pdf_file(size=2048)
        )
    agreement.refresh_from_db()
    assert not agreement.document


def test_signing_needs_the_document_and_the_date(personas):
    agreement = _draft()
    with pytest.raises(ValidationError) as error:
        agreement_transition(
            acting_user=None, agreement=agreement, to=S.SIGNED, signed_on=datetime.date(2026, 1, 5)
        )
    assert "document" in error.value.message_dict
    agreement_attach_document(acting_user=None, agreement=agreement, document=pdf_file())
    with pytest.raises(ValidationError) as error:
        agreement_transition(acting_user=None, agreement=agreement, to=S.SIGNED)
    assert "signed_on" in error.value.message_dict
    agreement.refresh_from_db()
    assert agreement.status == S.DRAFT


ALL_MOVES = [(a, b) for a in S.values for b in S.values]


@pytest.mark.parametrize(("current", "target"), ALL_MOVES)
def test_only_the_allowed_transitions_happen(personas, current, target):
    agreement = signed_agreement()
    ReplicationAgreement.objects.filter(pk=agreement.pk).update(status=current)
    events = AuditEvent.objects.count()
    if target in TRANSITIONS[current]:
        agreement = agreement_transition(acting_user=None, agreement=agreement, to=target)
        assert agreement.status == target
        assert AuditEvent.objects.count() == events + 1
    else:
        with pytest.raises(ValidationError) as error:
            agreement_transition(acting_user=None, agreement=agreement, to=target)
        assert "status" in error.value.message_dict
        agreement.refresh_from_db()
        assert agreement.status == current
        assert AuditEvent.objects.count() == events


def test_an_unknown_status_is_refused(personas):
    agreement = _draft()
    with pytest.raises(ValidationError):
        agreement_transition(acting_user=None, agreement=agreement, to="approved")
