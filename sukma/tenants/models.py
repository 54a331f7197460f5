"""The tenant: a regency (kabupaten) or city (kota), one PostgreSQL schema each."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin


class RegencyKind(models.TextChoices):
    KABUPATEN = "kabupaten", _("Regency (kabupaten)")
    KOTA = "kota", _("City (kota)")


class RegencyStatus(models.TextChoices):
    ONBOARDING = "onboarding", _("Onboarding")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    OFFBOARDED = "offboarded", _("Offboarded")


class Regency(TenantMixin):
    """A regency or city that signed a replication agreement.

    The row exists from the moment its agreement is registered (status
    onboarding); its schema and domain are made by provisioning.
    """

    name = models.CharField(_("official name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=RegencyKind.choices)
    region_code = models.CharField(
        _("Kemendagri region code"),
        max_length=13,
        unique=True,
        help_text=_("For example 35.04 for Kabupaten Tulungagung."),
    )
    province = models.CharField(_("province"), max_length=80, default="Jawa Timur")
    status = models.CharField(
        _("status"), max_length=12, choices=RegencyStatus.choices, default=RegencyStatus.ONBOARDING
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Provisioning creates the schema explicitly, step by step; saving never does.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["region_code"]
        verbose_name = _("regency")
        verbose_name_plural = _("regencies")

    def __str__(self) -> str:
        return self.name

    @property
    def primary_domain(self) -> str | None:
        domain = self.domains.filter(is_primary=True).first()
        return domain.domain if domain else None


class Domain(DomainMixin):
    """A host name that reaches one regency; exactly one of them is primary."""

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"],
                condition=models.Q(is_primary=True),
                name="one_primary_domain_per_regency",
            )
        ]

    def __str__(self) -> str:
        return self.domain


class SchemaMigrationState(models.Model):
    """Which migrations a regency's schema (or the template) was last brought up to.

    `fingerprint` names the code's whole migration graph (sukma.tenants.migration_state) at
    the moment every one of its migrations was found applied in the schema; the schema's own
    django_migrations rows stay the truth. With it, "nothing to migrate" is one query and a
    request can tell a schema that is behind without reading the schema.
    """

    schema_name = models.CharField(max_length=63, unique=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    migrated_at = models.DateTimeField(null=True, blank=True)
    failure = models.TextField(blank=True)

    class Meta:
        verbose_name = _("schema migration state")
        verbose_name_plural = _("schema migration states")

    def __str__(self) -> str:
        return self.schema_name
