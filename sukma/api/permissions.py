"""Who may call which part of the API. Roles come from sukma.access.permissions only.

Permission is checked before any object is looked up, so a caller without
the role gets the same 403 for an id that exists and one that does not:
nothing about the control plane leaks to regency users.
"""

from rest_framework.permissions import BasePermission

from sukma.access.permissions import can_admin_regency, can_work_in_regency, is_province_admin


class IsProvinceAdmin(BasePermission):
    def has_permission(self, request, view) -> bool:
        return is_province_admin(request.user)


class WorksInThisRegency(BasePermission):
    """Regency admins and agency operators of the regency whose host was called."""

    def has_permission(self, request, view) -> bool:
        return can_work_in_regency(request.user, getattr(request, "tenant", None))


class AdminsThisRegency(BasePermission):
    """Regency admins of the regency whose host was called (operators only read)."""

    def has_permission(self, request, view) -> bool:
        return can_admin_regency(request.user, getattr(request, "tenant", None))
