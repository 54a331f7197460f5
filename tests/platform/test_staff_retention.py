"""What is kept about staff is kept for a while only: sign-in records, audit addresses."""

import datetime

from axes.models import AccessLog
from django.utils import timezone

from sukma.access.audit import audit_record
from sukma.access.models import AuditEvent
from sukma.access.retention import staff_records_purge


def _sign_in(personas, when):
    entry = AccessLog.objects.create(
        username=personas.province_admin.email, ip_address="203.0.113.5", user_agent="Firefox"
    )
    AccessLog.objects.filter(pk=entry.pk).update(attempt_time=when)
    return entry


def _audited(personas, when, address="203.0.113.5"):
    event = audit_record(
        actor=personas.province_admin,
        action="test.retention",
        target=personas.tulungagung,
    )
    AuditEvent.objects.filter(pk=event.pk).update(created_at=when, address=address)
    return event


def test_old_sign_ins_go_and_old_audit_rows_lose_only_their_address(personas, db, settings):
    now = timezone.now()
    old_sign_in = _sign_in(personas, now - datetime.timedelta(days=settings.SIGN_IN_LOG_DAYS + 1))
    recent_sign_in = _sign_in(personas, now - datetime.timedelta(days=1))
    old_event = _audited(personas, now - datetime.timedelta(days=settings.AUDIT_ADDRESS_DAYS + 1))
    recent_event = _audited(personas, now - datetime.timedelta(days=1))

    assert staff_records_purge(now=now) == {"sign_ins_deleted": 1, "audit_addresses_cleared": 1}

    assert not AccessLog.objects.filter(pk=old_sign_in.pk).exists()
    assert AccessLog.objects.filter(pk=recent_sign_in.pk).exists()
    old_event.refresh_from_db()
    recent_event.refresh_from_db()
    assert old_event.address == "" and old_event.action == "test.retention"  # the row stays
    assert recent_event.address == "203.0.113.5"
    assert staff_records_purge(now=now) == {"sign_ins_deleted": 0, "audit_addresses_cleared": 0}
