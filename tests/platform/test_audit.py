"""Every control-plane write leaves an audit event, in the same transaction."""

import datetime

import pytest

from sukma.access.models import AuditEvent
from sukma.access.people import membership_grant, user_get_or_invite
from sukma.platform.services.agreements import agreement_attach_document, agreement_transition
from sukma.platform.services.regencies import regency_set_status
from tests.factories import agreement_values, pdf_file

pytestmark = pytest.mark.django_db


def _actions_since(last_id: int) -> list[str]:
    return list(
        AuditEvent.objects.filter(id__gt=last_id).order_by("id").values_list("action", flat=True)
    )


def _last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_each_control_plane_write_is_audited_with_actor_before_and_after(personas):
    from sukma.platform.services.agreements import agreement_register

    admin = personas.province_admin
    mark = _last_id()
    agreement = agreement_register(acting_user=admin, **agreement_values())
    agreement_attach_document(acting_user=admin, agreement=agreement, document=pdf_file())
    agreement_transition(
        acting_user=admin, agreement=agreement, to="signed", signed_on=datetime.date(2026, 1, 5)
    )
    user = user_get_or_invite(acting_user=admin, email="operator@pacitankab.go.id")
    membership_grant(acting_user=admin, user=user, role="regency_admin", regency=agreement.regency)
    regency_set_status(acting_user=admin, regency=personas.kediri, status="suspended")

    assert _actions_since(mark) == [
        "regency.registered",
        "agreement.registered",
        "agreement.document_attached",
        "agreement.signed",
        "user.created",
        "membership.granted",
        "regency.suspended",
    ]
    event = AuditEvent.objects.get(id__gt=mark, action="agreement.signed")
    assert event.actor == admin
    assert event.regency == agreement.regency
    assert event.before["status"] == "draft"
    assert event.after["status"] == "signed"
    suspended = AuditEvent.objects.get(id__gt=mark, action="regency.suspended")
    assert (suspended.before["status"], suspended.after["status"]) == ("active", "suspended")


def test_a_write_that_fails_leaves_no_audit_event(personas):
    mark = _last_id()
    with pytest.raises(Exception):  # noqa: B017 - any failure must roll both back
        regency_set_status(acting_user=None, regency=personas.kediri, status="onboarding")
    assert _actions_since(mark) == []


def test_audit_rows_never_carry_passwords(personas):
    mark = _last_id()
    user_get_or_invite(acting_user=None, email="new@pacitankab.go.id")
    event = AuditEvent.objects.get(id__gt=mark)
    assert "password" not in event.after
