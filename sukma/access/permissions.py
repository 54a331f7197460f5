"""Who may do what. Roles come from Membership rows; nothing else grants access."""

from dataclasses import dataclass

from sukma.access.models import Membership, Role
from sukma.tenants.models import Regency


def is_province_admin(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return Membership.objects.filter(user=user, role=Role.PROVINCE_ADMIN).exists()


def can_admin_regency(user, regency: Regency | None) -> bool:
    """Regency admins of this regency. Province admins govern through the control plane."""
    if regency is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return Membership.objects.filter(
        user=user, role=Role.REGENCY_ADMIN, regency_id=regency.pk
    ).exists()


def can_work_in_regency(user, regency: Regency | None) -> bool:
    """Regency admins and agency operators of this regency."""
    if regency is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return Membership.objects.filter(
        user=user, role__in=[Role.REGENCY_ADMIN, Role.AGENCY_OPERATOR], regency_id=regency.pk
    ).exists()


@dataclass(frozen=True)
class Scope:
    """What the signed-in user may see in this regency."""

    regency_admin: bool
    agency_ids: frozenset[int]

    def sees_agency(self, agency_id: int) -> bool:
        return self.regency_admin or agency_id in self.agency_ids

    @property
    def limit(self) -> frozenset[int] | None:
        """Agency ids to filter by; None means the whole regency."""
        return None if self.regency_admin else self.agency_ids


def scope_for(user, regency) -> Scope | None:
    if regency is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    rows = Membership.objects.filter(
        user=user, regency_id=regency.pk, role__in=[Role.REGENCY_ADMIN, Role.AGENCY_OPERATOR]
    ).values_list("role", "agency_id")
    admin, agencies = False, set()
    for role, agency_id in rows:
        if role == Role.REGENCY_ADMIN:
            admin = True
        elif agency_id is not None:
            agencies.add(agency_id)
    if not admin and not agencies:
        return None
    return Scope(regency_admin=admin, agency_ids=frozenset(agencies))
