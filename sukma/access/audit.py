"""The audit log: every control-plane write records who, what, when, before and after.

Callers record inside the same transaction as the write they describe, so
that a write without its audit row (or the reverse) cannot be committed.
Each row also records the client's address of the request it was made in
(AuditAddressMiddleware), the same address every limiter uses.
"""

from contextvars import ContextVar

from django.db import models, transaction

from sukma.access.models import AuditEvent
from sukma.addresses import client_address
from sukma.tenants.models import Regency

# The address of the request this thread (or task) is serving; empty outside requests.
_request_address: ContextVar[str] = ContextVar("sukma_audit_address", default="")


def snapshot(instance: models.Model | None) -> dict | None:
    """The concrete fields of a row as plain JSON-able values (files by name, relations by id)."""
    if instance is None:
        return None
    values = {}
    for field in instance._meta.concrete_fields:
        value = field.value_from_object(instance)
        if isinstance(field, models.FileField):
            value = value.name if value else ""
        values[field.attname if field.is_relation else field.name] = value
    values.pop("password", None)
    return values


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model,
    regency: Regency | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the write it records")
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        regency=regency,
        before=before,
        after=after,
        address=_request_address.get(),
    )


class AuditAddressMiddleware:
    """Makes the client's address of each request available to audit_record."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_address.set(client_address(request))
        try:
            return self.get_response(request)
        finally:
            _request_address.reset(token)
