"""Reports (laporan SKM): models (tenant schema).

A ReportFile is one request for a report (a PDF or an XLSX workbook) of the
regency, an agency or a service over a period, and, once a worker has made
it, the file. The file is cached by its data fingerprint: a request whose
fingerprint matches a file already made (or being made) gets that one.
ReportSettings is the regency's one row of what its reports carry besides
the figures: the coat of arms on the cover, the signatory (name, position,
NIP) and the foreword (Kata Pengantar). Writes go through
sukma.surveys.reports.services.
"""

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from sukma.surveys.models import Period


class ReportScope(models.TextChoices):
    REGENCY = "regency", _("Regency")
    AGENCY = "agency", _("Agency")
    SERVICE = "service", _("Service")


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "XLSX"


class ReportState(models.TextChoices):
    PENDING = "pending", _("Waiting for a worker")
    RUNNING = "running", _("Being generated")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def report_path(instance: "ReportFile", filename: str) -> str:
    """Under MEDIA_ROOT, one folder per regency schema: reports/<schema>/<period>/<file>."""
    from django.db import connection

    return f"reports/{connection.schema_name}/{instance.period_id}/{filename}"


class ReportFile(models.Model):
    """A requested report and, when done, its file."""

    scope = models.CharField(_("scope"), max_length=8, choices=ReportScope.choices)
    scope_id = models.PositiveIntegerField(
        _("scope id"), default=0, help_text=_("The agency's or service's id; 0 for the regency.")
    )
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    fmt = models.CharField(_("format"), max_length=4, choices=ReportFormat.choices)
    state = models.CharField(
        _("state"), max_length=8, choices=ReportState.choices, default=ReportState.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), upload_to=report_path, max_length=300, blank=True)
    fingerprint = models.CharField(_("data fingerprint"), max_length=64)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    requested_by = models.PositiveIntegerField(null=True, blank=True)  # user id, public schema
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            # One live file per report and data state: a failed one may be asked for again.
            models.UniqueConstraint(
                fields=["scope", "scope_id", "period", "fmt", "fingerprint"],
                condition=~models.Q(state="failed"),
                name="one_live_report_per_fingerprint",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="report_progress_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.scope_id} {self.period_id} {self.fmt} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (ReportState.DONE, ReportState.FAILED)


def coat_of_arms_path(instance: "ReportSettings", filename: str) -> str:
    """In the regency's own folder under MEDIA_ROOT, with a fresh name: none replaces another."""
    from django.db import connection

    return f"report-settings/{connection.schema_name}/lambang-{secrets.token_hex(8)}.png"


class ReportSettings(models.Model):
    """The regency's report settings: one row (pk 1)."""

    coat_of_arms = models.FileField(
        _("coat of arms"), upload_to=coat_of_arms_path, max_length=200, blank=True
    )
    signatory_name = models.CharField(_("signatory's name"), max_length=120, blank=True)
    signatory_position = models.CharField(_("signatory's position"), max_length=160, blank=True)
    signatory_nip = models.CharField(
        _("signatory's NIP"), max_length=18, blank=True, help_text=_("18 digits.")
    )
    foreword = models.TextField(
        _("foreword (Kata Pengantar)"), blank=True, help_text=_("Empty: the default text.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("report settings")
        verbose_name_plural = _("report settings")

    def __str__(self) -> str:
        return self.signatory_name or "report settings"

    @classmethod
    def current(cls) -> "ReportSettings":
        return cls.objects.get_or_create(pk=1)[0]

    @property
    def nip_printed(self) -> str:
        """The NIP as it is printed: birth date, appointment, sex, serial (8 6 1 3)."""
        nip = self.signatory_nip
        if len(nip) != 18:
            return nip
        return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"
