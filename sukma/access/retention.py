"""How long what is kept about staff stays (docs/data-inventory.md).

Successful sign-ins (django-axes' AccessLog: address, browser, time) are kept SIGN_IN_LOG_DAYS
to answer "was that me?"; the address in an audit row is kept AUDIT_ADDRESS_DAYS, while the
row itself (who did what, when) stays: it is the province's record of its decisions.
"""

import datetime

from axes.models import AccessLog
from django.conf import settings

from sukma.access.models import AuditEvent


def staff_records_purge(*, now: datetime.datetime) -> dict[str, int]:
    """Delete old sign-in records and clear old audit addresses; how many of each."""
    sign_ins = now - datetime.timedelta(days=settings.SIGN_IN_LOG_DAYS)
    addresses = now - datetime.timedelta(days=settings.AUDIT_ADDRESS_DAYS)
    deleted, _ = AccessLog.objects.filter(attempt_time__lt=sign_ins).delete()
    cleared = (
        AuditEvent.objects.filter(created_at__lt=addresses).exclude(address="").update(address="")
    )
    return {"sign_ins_deleted": deleted, "audit_addresses_cleared": cleared}
