"""The control plane, in the public schema: replication agreements and provisioning jobs.

The people, roles and audit models of this app's label live in the shared
kernel, sukma.access.models; importing it here registers them with this app.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sukma.access import models as access_models  # noqa: F401  (registers the kernel's models)
from sukma.tenants.models import Regency


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


def agreement_upload_path(instance, filename: str) -> str:
    return f"agreements/{instance.regency.region_code}/{uuid.uuid4().hex}.pdf"


class ReplicationAgreement(models.Model):
    """The MoU under which the province replicates SuKMa to one regency."""

    regency = models.ForeignKey(Regency, on_delete=models.PROTECT, related_name="agreements")
    number = models.CharField(_("agreement number"), max_length=100, unique=True)
    signed_on = models.DateField(_("signing date"), null=True, blank=True)
    province_signatory_name = models.CharField(_("province signatory"), max_length=150)
    province_signatory_office = models.CharField(_("province signatory's office"), max_length=200)
    regency_signatory_name = models.CharField(_("regency signatory"), max_length=150)
    regency_signatory_office = models.CharField(_("regency signatory's office"), max_length=200)
    scope = models.TextField(_("scope"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    document = models.FileField(
        _("signed document (PDF)"), upload_to=agreement_upload_path, blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("replication agreement")
        verbose_name_plural = _("replication agreements")
        constraints = [
            models.CheckConstraint(
                name="agreement_validity_in_order",
                condition=models.Q(valid_until__gte=models.F("valid_from")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.regency})"


class JobState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Done")
    FAILED = "failed", _("Failed")


class ProvisioningJob(models.Model):
    """One run of provisioning a regency, with the steps it has finished.

    The steps done are recorded as they finish, so a retry after a crash
    resumes and the caller can watch the progress.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    regency = models.ForeignKey(Regency, on_delete=models.CASCADE, related_name="provisioning_jobs")
    agreement = models.ForeignKey(ReplicationAgreement, on_delete=models.PROTECT)
    subdomain = models.CharField(_("subdomain"), max_length=63)
    admin_email = models.EmailField(_("regency admin's e-mail"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.PENDING)
    steps_done = models.JSONField(default=list)
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("provisioning job")
        verbose_name_plural = _("provisioning jobs")

    def __str__(self) -> str:
        return f"{self.regency} · {self.get_state_display()}"


class TaskFailure(models.Model):
    """A background task that failed for good: retries exhausted, or an error not retried.

    Recorded by the worker (sukma.worker.observe) and shown to the province until someone
    marks it handled (audited). Only what names the failure is kept: the task, its
    regency, when, and the error's first line; never its arguments.
    """

    task_name = models.CharField(_("task"), max_length=200)
    task_id = models.CharField(max_length=64, blank=True)
    regency = models.ForeignKey(
        Regency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The schema the task ran in, kept when its regency is gone.
    schema_name = models.CharField(max_length=63, blank=True)
    error = models.CharField(_("error"), max_length=500)
    failed_at = models.DateTimeField(_("failed at"))
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-failed_at", "-id"]
        verbose_name = _("failed task")
        verbose_name_plural = _("failed tasks")
        constraints = [
            # One row per task run, however often the worker reports its failure.
            models.UniqueConstraint(
                fields=["task_id"], condition=~models.Q(task_id=""), name="task_failure_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["failed_at"],
                condition=models.Q(handled_at__isnull=True),
                name="task_failure_unhandled",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_name} {self.failed_at:%Y-%m-%d %H:%M}"
