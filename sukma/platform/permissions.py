"""Who may do what. Roles come from Membership rows; nothing else grants access."""

from sukma.platform.models import Membership, Role
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
