"""The province's standard lists: the kinds of agency every regency has, and their services.

A regency maps each of its agencies to a standard kind and each service to
a standard service of that kind (sukma.surveys.structure.mapping); the
province ranks agencies and services across regencies by these codes
(sukma.platform.rankings). Both planes read them, so they live here, below
both; the province's writes to them are in sukma.standards.services.

The models keep the app label ``rankings`` they were born in: their tables
(rankings_standardagencykind, rankings_standardservice) and migration
history (sukma/platform/rankings/migrations) stay where they were.
sukma.platform.rankings.models imports this module, which registers them
with that app.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

LABEL = "rankings"


class AgencyKind(models.TextChoices):
    DINAS = "dinas", _("Dinas")
    BADAN = "badan", _("Badan")
    RSUD = "rsud", _("RSUD (regional hospital)")
    PUSKESMAS = "puskesmas", _("Puskesmas (health centre)")
    KECAMATAN = "kecamatan", _("Kecamatan (district)")
    KELURAHAN_DESA = "kelurahan_desa", _("Kelurahan/desa (village)")
    BAGIAN = "bagian", _("Bagian (secretariat unit)")
    OTHER = "lainnya", _("Other")


class StandardAgencyKind(models.Model):
    """A kind of agency every regency has (Dinas Kependudukan dan Pencatatan Sipil, RSUD ...)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    agency_kind = models.CharField(_("agency kind"), max_length=20, choices=AgencyKind.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        app_label = LABEL
        ordering = ["name"]
        verbose_name = _("standard agency kind")
        verbose_name_plural = _("standard agency kinds")

    def __str__(self) -> str:
        return self.name


class StandardService(models.Model):
    """A service agencies of one standard kind give everywhere (KTP-el, birth certificate ...)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    standard_kind = models.ForeignKey(
        StandardAgencyKind,
        on_delete=models.PROTECT,
        related_name="services",
        verbose_name=_("standard agency kind"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        app_label = LABEL
        ordering = ["standard_kind__name", "name"]
        verbose_name = _("standard service")
        verbose_name_plural = _("standard services")

    def __str__(self) -> str:
        return self.name
