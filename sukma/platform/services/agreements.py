"""Replication agreements (MoU): registering, the signed PDF, and the status machine."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from sukma.access.audit import audit_record, snapshot
from sukma.platform.models import AgreementStatus, ReplicationAgreement
from sukma.platform.services.regencies import regency_register
from sukma.uploads import is_pdf

S = AgreementStatus
# The only moves an agreement may make. Anything else is refused.
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.SIGNED, S.TERMINATED},
    S.SIGNED: {S.ACTIVE, S.TERMINATED},
    S.ACTIVE: {S.EXPIRED, S.TERMINATED},
    S.EXPIRED: set(),
    S.TERMINATED: set(),
}
# Provisioning is allowed only under one of these.
IN_FORCE = {S.SIGNED, S.ACTIVE}


def agreement_document_check(document: UploadedFile) -> None:
    """A signed agreement is a real PDF under the size limit; anything else is refused."""
    limit = settings.AGREEMENT_DOCUMENT_MAX_BYTES
    if document.size is None or document.size == 0:
        raise ValidationError({"document": _("The file is empty.")})
    if document.size > limit:
        raise ValidationError(
            {"document": _("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}}
        )
    document.seek(0)
    data = document.read(limit + 1)
    document.seek(0)
    if not is_pdf(data):
        raise ValidationError({"document": _("The signed agreement must be a PDF file.")})


def _check_dates(valid_from: datetime.date, valid_until: datetime.date) -> None:
    if valid_until < valid_from:
        raise ValidationError({"valid_until": _("The end of validity comes before its start.")})


@transaction.atomic
def agreement_register(
    *,
    acting_user,
    region_code: str,
    kind: str,
    regency_name: str,
    number: str,
    province_signatory_name: str,
    province_signatory_office: str,
    regency_signatory_name: str,
    regency_signatory_office: str,
    scope: str,
    valid_from: datetime.date,
    valid_until: datetime.date,
    signed_on: datetime.date | None = None,
    document: UploadedFile | None = None,
) -> ReplicationAgreement:
    """Register a draft agreement, and the regency it names if the province has none yet."""
    _check_dates(valid_from, valid_until)
    if ReplicationAgreement.objects.filter(number=number).exists():
        raise ValidationError({"number": _("An agreement with this number already exists.")})
    if document is not None:
        agreement_document_check(document)
    regency = regency_register(
        acting_user=acting_user, region_code=region_code, kind=kind, name=regency_name
    )
    agreement = ReplicationAgreement(
        regency=regency,
        number=number,
        signed_on=signed_on,
        province_signatory_name=province_signatory_name,
        province_signatory_office=province_signatory_office,
        regency_signatory_name=regency_signatory_name,
        regency_signatory_office=regency_signatory_office,
        scope=scope,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    if document is not None:
        agreement.document.save(document.name, document, save=False)
    agreement.full_clean()
    agreement.save()
    audit_record(
        actor=acting_user,
        action="agreement.registered",
        target=agreement,
        regency=regency,
        after=snapshot(agreement),
    )
    return agreement


@transaction.atomic
def agreement_attach_document(
    *, acting_user, agreement: ReplicationAgreement, document: UploadedFile
) -> ReplicationAgreement:
    agreement = ReplicationAgreement.objects.select_for_update().get(pk=agreement.pk)
    if agreement.status not in {S.DRAFT, S.SIGNED}:
        raise ValidationError(
            {
                "document": _("The document of an agreement that is %(status)s cannot change.")
                % {"status": agreement.get_status_display().lower()}
            }
        )
    agreement_document_check(document)
    before = snapshot(agreement)
    agreement.document.save(document.name, document, save=True)
    audit_record(
        actor=acting_user,
        action="agreement.document_attached",
        target=agreement,
        regency=agreement.regency,
        before=before,
        after=snapshot(agreement),
    )
    return agreement


@transaction.atomic
def agreement_transition(
    *,
    acting_user,
    agreement: ReplicationAgreement,
    to: str,
    signed_on: datetime.date | None = None,
) -> ReplicationAgreement:
    """Move an agreement along TRANSITIONS; an illegal move is refused and changes nothing."""
    agreement = ReplicationAgreement.objects.select_for_update().get(pk=agreement.pk)
    if to not in S.values:
        raise ValidationError({"status": _("Unknown status: %(status)s.") % {"status": to}})
    if to not in TRANSITIONS[agreement.status]:
        raise ValidationError(
            {
                "status": _("An agreement that is %(current)s cannot become %(target)s.")
                % {
                    "current": agreement.get_status_display().lower(),
                    "target": S(to).label.lower(),
                }
            }
        )
    before = snapshot(agreement)
    if to == S.SIGNED:
        agreement.signed_on = signed_on or agreement.signed_on
        if agreement.signed_on is None:
            raise ValidationError({"signed_on": _("A signed agreement needs its signing date.")})
        if not agreement.document:
            raise ValidationError(
                {"document": _("Upload the signed PDF before marking the agreement signed.")}
            )
    agreement.status = to
    agreement.save()
    audit_record(
        actor=acting_user,
        action=f"agreement.{to}",
        target=agreement,
        regency=agreement.regency,
        before=before,
        after=snapshot(agreement),
    )
    return agreement


def agreement_in_force(regency) -> ReplicationAgreement | None:
    """The signed or active agreement under which a regency may be provisioned."""
    return (
        ReplicationAgreement.objects.filter(regency=regency, status__in=IN_FORCE)
        .order_by("-signed_on", "-created_at")
        .first()
    )


def agreements_expire_due(*, today: datetime.date) -> list[int]:
    """Move every active agreement whose validity has ended to expired. Idempotent.

    Run daily by beat. The system is its actor (acting_user=None).
    """
    due = ReplicationAgreement.objects.filter(status=S.ACTIVE, valid_until__lt=today)
    expired = []
    for agreement in due:
        agreement_transition(acting_user=None, agreement=agreement, to=S.EXPIRED)
        expired.append(agreement.pk)
    return expired
