"""Host -> tenant, in one function.

Every request, every e-mail link and every test goes through
``resolve_host``: the base domain is the control plane, a known domain is
its regency, anything else is nobody (never the public site, never another
regency).
"""

from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.db.models import OuterRef, Subquery

from sukma.tenants.models import Domain, Regency, SchemaMigrationState


class HostKind(Enum):
    PUBLIC = "public"
    REGENCY = "regency"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Resolution:
    kind: HostKind
    regency: Regency | None = None


def normalise_host(host: str) -> str:
    """Lower-case, without port and without a trailing dot."""
    host = host.strip().lower()
    if host.startswith("["):  # IPv6 literal: never a tenant
        return host
    return host.rsplit(":", 1)[0].rstrip(".") if ":" in host else host.rstrip(".")


def resolve_host(host: str) -> Resolution:
    name = normalise_host(host)
    if name == settings.BASE_DOMAIN:
        return Resolution(HostKind.PUBLIC)
    # The schema's recorded migration state comes in the same query, so the middleware can
    # refuse a schema that is behind the code without a query of its own.
    migrated_to = SchemaMigrationState.objects.filter(
        schema_name=OuterRef("tenant__schema_name")
    ).values("fingerprint")[:1]
    domain = (
        Domain.objects.select_related("tenant")
        .annotate(migrated_to=Subquery(migrated_to))
        .filter(domain=name)
        .first()
    )
    if domain is None:
        return Resolution(HostKind.UNKNOWN)
    domain.tenant.migrated_to = domain.migrated_to
    return Resolution(HostKind.REGENCY, domain.tenant)
