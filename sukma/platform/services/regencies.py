"""Regencies as the control plane sees them: registering one, and its status."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sukma.access.audit import audit_record, snapshot
from sukma.tenants.models import Regency, RegencyKind, RegencyStatus

REGION_CODE = re.compile(r"^\d{2}\.\d{2}$")
# Which status may follow which. Provisioning alone moves onboarding -> active
# (step_activate), once the schema and domain exist, so it is not a move here.
STATUS_MOVES: dict[str, set[str]] = {
    RegencyStatus.ONBOARDING: {RegencyStatus.OFFBOARDED},
    RegencyStatus.ACTIVE: {RegencyStatus.SUSPENDED, RegencyStatus.OFFBOARDED},
    RegencyStatus.SUSPENDED: {RegencyStatus.ACTIVE, RegencyStatus.OFFBOARDED},
    RegencyStatus.OFFBOARDED: set(),
}


def schema_name_for_code(region_code: str) -> str:
    """35.04 -> r35_04. Codes are unique and never change; names are neither."""
    return "r" + region_code.replace(".", "_")


def official_name(kind: str, name: str) -> str:
    """("kabupaten", "Tulungagung") -> "Kabupaten Tulungagung"; a full name is kept."""
    name = " ".join(name.split())
    prefix = "Kabupaten" if kind == RegencyKind.KABUPATEN else "Kota"
    return name if name.lower().startswith(prefix.lower() + " ") else f"{prefix} {name}"


@transaction.atomic
def regency_register(*, acting_user, region_code: str, kind: str, name: str) -> Regency:
    """The regency a new agreement names: found by its code, or registered as onboarding."""
    region_code = region_code.strip()
    if not REGION_CODE.match(region_code):
        raise ValidationError(
            {"region_code": _("A region code looks like 35.04 (province.regency).")}
        )
    if kind not in RegencyKind.values:
        raise ValidationError({"kind": _("Choose kabupaten or kota.")})
    full_name = official_name(kind, name)
    existing = Regency.objects.filter(region_code=region_code).first()
    if existing is not None:
        if existing.kind != kind or existing.name != full_name:
            raise ValidationError(
                {
                    "region_code": _("Region code %(code)s already belongs to %(name)s.")
                    % {"code": region_code, "name": existing.name}
                }
            )
        return existing
    regency = Regency(
        region_code=region_code,
        kind=kind,
        name=full_name,
        schema_name=schema_name_for_code(region_code),
    )
    regency.full_clean()
    regency.save()
    audit_record(
        actor=acting_user,
        action="regency.registered",
        target=regency,
        regency=regency,
        after=snapshot(regency),
    )
    return regency


@transaction.atomic
def regency_set_status(*, acting_user, regency: Regency, status: str) -> Regency:
    regency = Regency.objects.select_for_update().get(pk=regency.pk)
    if status not in STATUS_MOVES.get(regency.status, set()):
        raise ValidationError(
            {
                "status": _("A regency that is %(current)s cannot become %(target)s.")
                % {
                    "current": regency.get_status_display().lower(),
                    "target": RegencyStatus(status).label.lower()
                    if status in RegencyStatus.values
                    else status,
                }
            }
        )
    before = snapshot(regency)
    regency.status = status
    regency.save()
    audit_record(
        actor=acting_user,
        action=f"regency.{status}",
        target=regency,
        regency=regency,
        before=before,
        after=snapshot(regency),
    )
    return regency
