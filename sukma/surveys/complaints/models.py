"""Complaints: models (tenant schema).

A case is a citizen's suggestion (saran, kritik, pengaduan) as work for its agency:
one per response that carries a suggestion. Status and clock changes go through
``services.py`` only; the clocks' definitions are in ``clocks.py``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    RECEIVED = "diterima", _("Received")
    IN_PROGRESS = "diproses", _("In progress")
    DONE = "selesai", _("Done")
    REJECTED = "ditolak", _("Rejected")


CLOSED = (Status.DONE, Status.REJECTED)


class Case(models.Model):
    response = models.OneToOneField(
        "surveys.Response", on_delete=models.CASCADE, related_name="case"
    )
    agency = models.ForeignKey("surveys.Agency", on_delete=models.PROTECT, related_name="cases")
    tracking_code = models.CharField(_("tracking code"), max_length=16, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED
    )
    rejection_reason = models.TextField(_("reason for rejecting"), blank=True)
    # A user of the public schema (the control plane), held by id across schemas.
    assignee_id = models.PositiveIntegerField(_("assignee"), null=True, blank=True)
    public_answer = models.TextField(_("the agency's public answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    received_at = models.DateTimeField(_("received"))
    forwarded_at = models.DateTimeField(_("forwarded"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    forward_due_on = models.DateField(_("forward by"))
    answer_due_on = models.DateField(_("answer by"), null=True, blank=True)
    # Escalated to the regency admins, once per clock.
    # When the agency was told the case arrived. A worker sends that notice, so no mail
    # server ever stands between a citizen and the thank-you page.
    arrival_notified_at = models.DateTimeField(null=True, blank=True)
    forward_escalated_at = models.DateTimeField(null=True, blank=True)
    answer_escalated_at = models.DateTimeField(null=True, blank=True)

    spam = models.BooleanField(_("spam"), default=False)
    spam_marked_at = models.DateTimeField(null=True, blank=True)
    spam_marked_by_id = models.PositiveIntegerField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["agency", "status"], name="case_agency_status"),
        ]
        constraints = [
            models.CheckConstraint(
                name="case_rejected_has_reason",
                condition=~models.Q(status="ditolak") | ~models.Q(rejection_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def closed(self) -> bool:
        return self.status in CLOSED

    @property
    def escalated(self) -> bool:
        return bool(self.forward_escalated_at or self.answer_escalated_at)


class Note(models.Model):
    """An internal note: for the agency and the regency, never for the citizen."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author_id = models.PositiveIntegerField(_("author"))
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.text[:40]}"
