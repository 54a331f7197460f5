"""Follow-up plans (RTL): models (tenant schema).

When a year is locked each agency with responses in it gets one draft plan
(one per agency and period, by constraint) that lists its answered elements
lowest score first; for a locked month, quarter or semester (recaps of the
survey) an agency starts one when it follows up at that pace. The agency's
operators fill in what they will do for the elements they act on and, later,
what was done, with evidence files; the regency admin approves. Writes go
through sukma.surveys.followup.services.

``needless_drafts`` says which drafts nobody needs; migration 0002 used it to
remove the empty drafts every period used to get.
"""

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from sukma.surveys.models import Agency, Period


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


# A plan is drafted by itself when a period of these kinds is locked: the survey's own
# period, at least yearly (PermenPANRB 14/2017 Pasal 1). Months, quarters and semesters are
# recaps of it (SKM.md); one of them gets a plan only when its agency starts one.
DRAFTED_KINDS = ("year",)


class FollowUpPlan(models.Model):
    """An agency's follow-up plan (rencana tindak lanjut) for one period.

    ``revision`` grows with every write to the plan or its items: a save made
    from a page that showed an older revision is refused (optimistic concurrency).
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="followup_plans")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="followup_plans")
    status = models.CharField(
        _("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    ikm_konversi = models.DecimalField(
        _("index at drafting (25-100)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    mutu = models.CharField(_("grade at drafting"), max_length=1, blank=True)
    responses = models.PositiveIntegerField(_("responses at drafting"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.PositiveIntegerField(null=True, blank=True)  # user id, public schema
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=0)

    class Meta:
        ordering = ["-period__starts_on", "agency__name"]
        verbose_name = _("follow-up plan")
        verbose_name_plural = _("follow-up plans")
        constraints = [
            models.UniqueConstraint(fields=["agency", "period"], name="one_plan_per_agency_period")
        ]

    def __str__(self) -> str:
        return f"RTL {self.agency} {self.period}"

    @property
    def editable(self) -> bool:
        """Plan fields (action, deadline, responsible) change only while draft."""
        return self.status == PlanStatus.DRAFT

    @property
    def realisable(self) -> bool:
        """Realisation and evidence are written once approved, until done."""
        return self.status in (PlanStatus.APPROVED, PlanStatus.IN_PROGRESS)


class FollowUpItem(models.Model):
    """One element of a plan, with its score when the plan was drafted."""

    plan = models.ForeignKey(FollowUpPlan, on_delete=models.CASCADE, related_name="items")
    element_code = models.CharField(_("element"), max_length=3)
    element_name = models.CharField(_("element name"), max_length=100, blank=True)
    nrr_konversi = models.DecimalField(
        _("score (NRR x 25)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    mutu = models.CharField(_("grade"), max_length=1, blank=True)
    position = models.PositiveSmallIntegerField(_("position"))
    acts_on = models.BooleanField(_("acted on"), default=False)
    planned_action = models.TextField(_("planned action"), blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    responsible = models.CharField(_("person responsible"), max_length=200, blank=True)
    realisation = models.TextField(_("realisation"), blank=True)
    realised_at = models.DateField(_("realised on"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["plan", "position"]
        verbose_name = _("follow-up item")
        verbose_name_plural = _("follow-up items")
        constraints = [
            models.UniqueConstraint(fields=["plan", "element_code"], name="one_item_per_element"),
            models.UniqueConstraint(fields=["plan", "position"], name="one_item_per_position"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.element_code}"


def evidence_path(instance: "FollowUpEvidence", filename: str) -> str:
    from django.db import connection

    plan = instance.item.plan
    return f"rtl/{connection.schema_name}/{plan.period_id}/{plan.agency_id}/{filename}"


class FollowUpEvidence(models.Model):
    """A file proving a realisation: PDF, JPEG or PNG, checked by its bytes, size-limited."""

    item = models.ForeignKey(FollowUpItem, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.PositiveIntegerField(null=True, blank=True)  # user id, public schema

    class Meta:
        ordering = ["item", "uploaded_at"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.original_name


def needless_drafts(plan_model, item_model):
    """Drafts nobody wrote in whose period needs no plan (model classes given, for migrations).

    Needless: the period is not locked, or is a recap (not in DRAFTED_KINDS), or the
    agency had no answers in it. Written in: any item acted on, or holding an action,
    a deadline, a person, a realisation, its date or a file. A plan past draft is kept.
    """
    written = item_model.objects.filter(plan=OuterRef("pk")).filter(
        Q(acts_on=True)
        | ~Q(planned_action="")
        | Q(deadline__isnull=False)
        | ~Q(responsible="")
        | ~Q(realisation="")
        | Q(realised_at__isnull=False)
        | Q(evidence__isnull=False)
    )
    needed = Q(period__locked=True, period__kind__in=DRAFTED_KINDS, responses__gt=0)
    return plan_model.objects.filter(status="draft").exclude(Exists(written)).exclude(needed)
