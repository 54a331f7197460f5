"""A kiosk (a tablet at one counter) and the short-lived code that pairs it."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sukma.surveys.models import ServicePoint


class Kiosk(models.Model):
    """A paired tablet. Its credential is stored only as a keyed hash; revoking ends it."""

    service_point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="kiosks")
    name = models.CharField(_("name"), max_length=100)
    credential_hash = models.CharField(max_length=64, unique=True)
    created_by = models.PositiveIntegerField(null=True, blank=True)  # user id, public schema
    created_at = models.DateTimeField(_("paired"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    # When the latest response on it was answered: the pacing rule compares the next one to it.
    last_answered_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["service_point__name", "name"]
        verbose_name = _("kiosk")
        verbose_name_plural = _("kiosks")

    def __str__(self) -> str:
        return self.name

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class KioskPairing(models.Model):
    """A pairing code shown in setup, good once and for a few minutes."""

    code = models.CharField(max_length=12, unique=True)
    service_point = models.ForeignKey(ServicePoint, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    created_by = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    kiosk = models.ForeignKey(Kiosk, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("kiosk pairing code")

    def __str__(self) -> str:
        return self.code
