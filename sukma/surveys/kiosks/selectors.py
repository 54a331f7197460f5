"""Reads for kiosks: the ones a user may manage, the service points they may pair, a credential's.

`agency_ids` is a scope's limit (sukma.access.permissions.Scope.limit):
None for a regency admin (the whole regency), else the operator's agencies.
"""

from django.db.models import QuerySet

from sukma.surveys.kiosks.models import Kiosk
from sukma.surveys.kiosks.services import credential_hash
from sukma.surveys.models import ServicePoint

CREDENTIAL_MAX = 100  # a credential is 43 characters; anything much longer is not one


def _limited(queryset: QuerySet, lookup: str, agency_ids: frozenset[int] | None) -> QuerySet:
    return queryset if agency_ids is None else queryset.filter(**{f"{lookup}__in": agency_ids})


def kiosks_visible(agency_ids: frozenset[int] | None) -> QuerySet:
    """Kiosks, active first, then by counter and name."""
    kiosks = Kiosk.objects.select_related("service_point__agency").order_by(
        "revoked_at", "service_point__agency__name", "service_point__name", "name"
    )
    return _limited(kiosks, "service_point__agency_id", agency_ids)


def points_pairable(agency_ids: frozenset[int] | None) -> QuerySet:
    """Active service points of active agencies that the user may put a kiosk at."""
    points = ServicePoint.objects.filter(active=True, agency__active=True).select_related("agency")
    return _limited(points, "agency_id", agency_ids).order_by("agency__name", "name")


def kiosk_for_credential(credential: str) -> Kiosk | None:
    """The kiosk this credential was given to (revoked or not), or None."""
    if not credential or len(credential) > CREDENTIAL_MAX:
        return None
    return (
        Kiosk.objects.select_related("service_point__agency", "service_point__default_service")
        .filter(credential_hash=credential_hash(credential))
        .first()
    )
