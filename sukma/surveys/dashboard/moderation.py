"""Excluding a response from the index (and taking it back), with a written reason, audited.

An exclusion subtracts the response from its totals in the same
transaction, so every figure changes with it; the response itself stays.
A held response (one that looked automated) is already out of the totals:
including it admits it, excluding it confirms that it stays out.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sukma.access.audit import audit_record, snapshot
from sukma.surveys.models import Response
from sukma.surveys.recording.periods import check_day_writable
from sukma.surveys.recording.totals import totals_apply
from sukma.tenants.models import Regency


def _locked_response(response_id: int) -> Response:
    response = Response.objects.select_for_update().filter(pk=response_id).first()
    if response is None:
        raise ValidationError({"response": _("No such response.")})
    return response


@transaction.atomic
def response_exclude(*, acting_user, regency: Regency, response_id: int, reason: str) -> Response:
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": _("Write why this response is excluded.")})
    response = _locked_response(response_id)
    if response.excluded and not response.held:
        raise ValidationError({"response": _("This response is already excluded.")})
    check_day_writable(response.service_date)
    before = snapshot(response)
    was_counted = not response.excluded
    response.excluded = True
    response.held = False
    response.exclusion_reason = reason[:2000]
    response.excluded_by = acting_user.pk
    response.excluded_at = timezone.now()
    response.save(
        update_fields=["excluded", "held", "exclusion_reason", "excluded_by", "excluded_at"]
    )
    if was_counted:
        totals_apply(response, sign=-1)
    audit_record(
        actor=acting_user,
        action="response.excluded",
        target=response,
        regency=regency,
        before=_moderation(before),
        after=_moderation(snapshot(response)),
    )
    return response


@transaction.atomic
def response_include(*, acting_user, regency: Regency, response_id: int) -> Response:
    """Undo an exclusion, or admit a held response: it counts again."""
    response = _locked_response(response_id)
    if not response.excluded:
        raise ValidationError({"response": _("This response is not excluded.")})
    check_day_writable(response.service_date)
    before = snapshot(response)
    response.excluded = False
    response.held = False
    response.excluded_by = None
    response.excluded_at = None
    response.save(update_fields=["excluded", "held", "excluded_by", "excluded_at"])
    totals_apply(response, sign=+1)
    audit_record(
        actor=acting_user,
        action="response.included",
        target=response,
        regency=regency,
        before=_moderation(before),
        after=_moderation(snapshot(response)),
    )
    return response


def _moderation(values: dict) -> dict:
    """Only the moderation fields go into the audit log: no hashes, no citizen text."""
    keep = ("excluded", "held", "exclusion_reason", "excluded_by", "excluded_at", "flags")
    return {k: values[k] for k in keep}
