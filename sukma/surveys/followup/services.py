"""Writes to follow-up plans (RTL). Every write is audited in the same transaction.

Callers put the connection on the regency's schema first. Who may do what:

- drafting happens when a period is locked (``plans_draft_for_period``,
  called from ``sukma.surveys.structure.services.period_lock`` in its transaction);
- an agency's operators and the regency's admins edit the agency's plan:
  while it is a draft the plan itself (which elements it acts on, the
  action, the deadline, the person responsible); once approved the
  realisation and its evidence files;
- only a regency admin approves; the plan then moves to in progress and
  done (``plan_transition`` is the only way its status changes).
"""

import datetime
import os
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sukma.access.audit import audit_record, snapshot
from sukma.access.models import Membership, Role
from sukma.access.permissions import can_admin_regency
from sukma.surveys.followup.models import (
    FollowUpEvidence,
    FollowUpItem,
    FollowUpPlan,
    PlanStatus,
)
from sukma.surveys.models import Agency, Period
from sukma.surveys.selectors import agency_figure, totals_per
from sukma.tenants.models import Regency

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
MAX_EVIDENCE_PER_ITEM = 10
# What a file's first bytes must be, by the type we accept; and the names it may carry.
EVIDENCE_TYPES = {
    "application/pdf": (b"%PDF-", (".pdf",), ".pdf"),
    "image/jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg"), ".jpg"),
    "image/png": (b"\x89PNG\r\n\x1a\n", (".png",), ".png"),
}

# The only moves a plan's status makes, and who may make each.
TRANSITIONS: dict[str, dict[str, str]] = {
    PlanStatus.DRAFT: {PlanStatus.APPROVED: "admin"},
    PlanStatus.APPROVED: {PlanStatus.IN_PROGRESS: "editor"},
    PlanStatus.IN_PROGRESS: {PlanStatus.DONE: "editor"},
    PlanStatus.DONE: {},
}

PLAN_FIELDS = ("acts_on", "planned_action", "deadline", "responsible")
REALISATION_FIELDS = ("realisation", "realised_at")


def _regency(regency: Regency | None) -> Regency:
    tenant = getattr(connection, "tenant", None)
    if regency is None and isinstance(tenant, Regency):
        return tenant
    if regency is None or connection.schema_name != regency.schema_name:
        raise RuntimeError("follow-up writes run inside the regency's schema")
    return regency


# ====================================================================== access
def is_agency_operator(user, regency: Regency, agency_id: int) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return Membership.objects.filter(
        user=user, role=Role.AGENCY_OPERATOR, regency_id=regency.pk, agency_id=agency_id
    ).exists()


def may_edit_plan(user, regency: Regency, plan: FollowUpPlan) -> bool:
    """The agency's operators and the regency's admins."""
    return can_admin_regency(user, regency) or is_agency_operator(user, regency, plan.agency_id)


def _require_editor(user, regency: Regency, plan: FollowUpPlan) -> None:
    if not may_edit_plan(user, regency, plan):
        raise PermissionDenied(_("Only the agency's operators and the regency's admins may."))


# ====================================================================== drafting
def _score_rows(period: Period, agency: Agency) -> tuple[list[dict], dict]:
    """The agency's answered elements lowest first, and the plan's headline."""
    result = agency_figure(period, agency).result
    rows = [
        {
            "element_code": e.code,
            "element_name": e.name[:100],
            "nrr_konversi": e.nrr_konversi,
            "mutu": str(e.mutu) if e.mutu is not None else "",
            "position": position,
        }
        for position, e in enumerate(result.lowest_first(), start=1)
    ]
    headline = {
        "ikm_konversi": result.konversi,
        "mutu": str(result.mutu) if result.mutu is not None else "",
        "responses": result.responses or 0,
    }
    return rows, headline


def plan_draft(
    *, acting_user, agency: Agency, period: Period, regency: Regency | None = None
) -> tuple[FollowUpPlan, bool]:
    """The agency's plan for the period, drafted from its scores; (plan, created).

    Idempotent: an existing plan is kept. If it is still a draft (the period
    was reopened and locked again) its scores and order are brought up to
    date and elements answered since are added; what the agency wrote stays.
    A plan past draft is left as it is.
    """
    regency = _regency(regency)
    rows, headline = _score_rows(period, agency)
    plan, created = FollowUpPlan.objects.select_for_update().get_or_create(
        agency=agency, period=period, defaults=headline
    )
    if not created and plan.status != PlanStatus.DRAFT:
        return plan, False
    before = None if created else snapshot(plan)
    if not created:
        for name, value in headline.items():
            setattr(plan, name, value)
        plan.save(update_fields=list(headline))
        # Move positions out of the way so the new order never collides with the old one.
        plan.items.update(position=F("position") + 1000)
    existing = {item.element_code: item for item in plan.items.all()}
    for row in rows:
        item = existing.pop(row["element_code"], None)
        if item is None:
            FollowUpItem.objects.create(plan=plan, **row)
        else:
            for name, value in row.items():
                setattr(item, name, value)
            item.save()
    # An element no longer answered keeps its row (and its text) at the end.
    for offset, item in enumerate(existing.values(), start=len(rows) + 1):
        item.position = offset
        item.nrr_konversi, item.mutu = None, ""
        item.save(update_fields=["position", "nrr_konversi", "mutu"])
    audit_record(
        actor=acting_user,
        action="followup.plan.drafted" if created else "followup.plan.redrafted",
        target=plan,
        regency=regency,
        before=before,
        after={**snapshot(plan), "elements": [r["element_code"] for r in rows]},
    )
    return plan, created


@transaction.atomic
def plans_draft_for_period(
    *, acting_user, period: Period, regency: Regency | None = None
) -> list[FollowUpPlan]:
    """A draft plan for every agency with counted responses in the period (see plan_draft)."""
    regency = _regency(regency)
    per_agency = totals_per("service__agency_id", period.starts_on, period.ends_on)
    agency_ids = [pk for pk, totals in per_agency.items() if (totals.responses or 0) > 0]
    plans = []
    for agency in Agency.objects.filter(pk__in=agency_ids).order_by("pk"):
        plans.append(
            plan_draft(acting_user=acting_user, agency=agency, period=period, regency=regency)[0]
        )
    return plans


# ====================================================================== status
@transaction.atomic
def plan_transition(
    *, acting_user, plan: FollowUpPlan, to: str, regency: Regency | None = None
) -> FollowUpPlan:
    """Move the plan one step: draft -> approved (regency admin) -> in progress -> done."""
    regency = _regency(regency)
    plan = FollowUpPlan.objects.select_for_update().get(pk=plan.pk)
    who = TRANSITIONS.get(plan.status, {}).get(to)
    if who is None:
        raise ValidationError(
            {
                "status": _("A plan that is %(from)s cannot become %(to)s.")
                % {
                    "from": plan.get_status_display(),
                    "to": dict(PlanStatus.choices).get(to, to),
                }
            }
        )
    if who == "admin" and not can_admin_regency(acting_user, regency):
        raise PermissionDenied(_("Only the regency's admins may approve a plan."))
    _require_editor(acting_user, regency, plan)
    if to == PlanStatus.APPROVED:
        _check_complete(plan)
    before = snapshot(plan)
    now = timezone.now()
    plan.status = to
    if to == PlanStatus.APPROVED:
        plan.approved_at, plan.approved_by = now, acting_user.pk
    elif to == PlanStatus.IN_PROGRESS:
        plan.started_at = now
    elif to == PlanStatus.DONE:
        plan.done_at = now
    plan.save()
    audit_record(
        actor=acting_user,
        action=f"followup.plan.{to}",
        target=plan,
        regency=regency,
        before=before,
        after=snapshot(plan),
    )
    return plan


def _check_complete(plan: FollowUpPlan) -> None:
    acted = [item for item in plan.items.all() if item.acts_on]
    if not acted:
        raise ValidationError(
            {"items": _("Choose at least one element to act on before approval.")}
        )
    missing = [
        item.element_code
        for item in acted
        if not (item.planned_action.strip() and item.deadline and item.responsible.strip())
    ]
    if missing:
        raise ValidationError(
            {
                "items": _(
                    "Each element acted on needs an action, a deadline and a person responsible: "
                    "%(elements)s."
                )
                % {"elements": ", ".join(missing)}
            }
        )


# ====================================================================== items
@transaction.atomic
def item_update(
    *, acting_user, item: FollowUpItem, regency: Regency | None = None, **values
) -> FollowUpItem:
    """Change an item: the plan's fields while a draft, the realisation once approved."""
    regency = _regency(regency)
    item = FollowUpItem.objects.select_for_update().select_related("plan").get(pk=item.pk)
    plan = item.plan
    _require_editor(acting_user, regency, plan)
    for name in values:
        if name not in PLAN_FIELDS + REALISATION_FIELDS:
            raise TypeError(f"unknown follow-up item field {name}")
    changing_plan = [n for n in values if n in PLAN_FIELDS and values[n] != getattr(item, n)]
    changing_real = [n for n in values if n in REALISATION_FIELDS and values[n] != getattr(item, n)]
    if changing_plan and not plan.editable:
        raise ValidationError(
            {changing_plan[0]: _("The plan is no longer a draft: its actions are fixed.")}
        )
    if changing_real and not plan.realisable:
        raise ValidationError(
            {
                changing_real[0]: _(
                    "The realisation is written once the plan is approved, until it is done."
                )
            }
        )
    before = snapshot(item)
    for name, value in values.items():
        setattr(item, name, value.strip() if isinstance(value, str) else value)
    if item.realised_at and item.realised_at > timezone.localdate():
        raise ValidationError({"realised_at": _("The realisation date cannot be in the future.")})
    if item.deadline and item.deadline < plan.period.ends_on and "deadline" in changing_plan:
        raise ValidationError({"deadline": _("The deadline must fall after the period's end.")})
    item.full_clean()
    item.save()
    audit_record(
        actor=acting_user,
        action="followup.item.updated",
        target=item,
        regency=regency,
        before=before,
        after=snapshot(item),
    )
    return item


# ====================================================================== evidence
def evidence_type(head: bytes, filename: str) -> str:
    """The content type the file really is, checked by its first bytes and its name.

    Raises ValidationError unless it is a PDF, JPEG or PNG whose name says so too.
    """
    extension = os.path.splitext(filename or "")[1].lower()
    for content_type, (magic, extensions, _default) in EVIDENCE_TYPES.items():
        if head.startswith(magic):
            if extension not in extensions:
                break
            return content_type
    raise ValidationError({"file": _("Evidence must be a PDF, JPEG or PNG file.")})


@transaction.atomic
def evidence_add(
    *, acting_user, item: FollowUpItem, upload, regency: Regency | None = None
) -> FollowUpEvidence:
    """Attach a file to an item's realisation; type by magic bytes, at most 5 MB."""
    regency = _regency(regency)
    item = FollowUpItem.objects.select_for_update().select_related("plan").get(pk=item.pk)
    _require_editor(acting_user, regency, item.plan)
    if not item.plan.realisable:
        raise ValidationError(
            {"file": _("Evidence is added once the plan is approved, until it is done.")}
        )
    if not item.acts_on:
        raise ValidationError({"file": _("This element is not acted on in the plan.")})
    if item.evidence.count() >= MAX_EVIDENCE_PER_ITEM:
        raise ValidationError({"file": _("This element already has the most files allowed.")})
    size = getattr(upload, "size", None)
    if size is None or size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            {"file": _("A file may be at most %(mb)s MB.") % {"mb": MAX_EVIDENCE_BYTES // 2**20}}
        )
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    upload.seek(0)
    data = upload.read(MAX_EVIDENCE_BYTES + 1)
    if len(data) > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            {"file": _("A file may be at most %(mb)s MB.") % {"mb": MAX_EVIDENCE_BYTES // 2**20}}
        )
    original = os.path.basename(getattr(upload, "name", "") or "")[:200]
    content_type = evidence_type(data[:16], original)
    stored_name = secrets.token_hex(12) + EVIDENCE_TYPES[content_type][2]
    evidence = FollowUpEvidence(
        item=item,
        original_name=original,
        content_type=content_type,
        size=len(data),
        uploaded_by=acting_user.pk,
    )
    evidence.file.save(stored_name, ContentFile(data), save=False)
    evidence.save()
    audit_record(
        actor=acting_user,
        action="followup.evidence.added",
        target=evidence,
        regency=regency,
        after=snapshot(evidence),
    )
    return evidence


@transaction.atomic
def evidence_remove(
    *, acting_user, evidence: FollowUpEvidence, regency: Regency | None = None
) -> None:
    regency = _regency(regency)
    evidence = FollowUpEvidence.objects.select_related("item__plan").get(pk=evidence.pk)
    _require_editor(acting_user, regency, evidence.item.plan)
    if not evidence.item.plan.realisable:
        raise ValidationError({"file": _("The plan is done: its evidence is kept as it is.")})
    before = snapshot(evidence)
    name, storage = evidence.file.name, evidence.file.storage
    evidence.delete()
    audit_record(
        actor=acting_user,
        action="followup.evidence.removed",
        target=FollowUpEvidence(pk=before["id"]),
        regency=regency,
        before=before,
    )
    transaction.on_commit(lambda: storage.delete(name))


def deadline_default(period: Period) -> datetime.date:
    """A suggestion for a new deadline: six months after the period ends."""
    end = period.ends_on
    month = end.month + 6
    year = end.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return datetime.date(year, month, min(end.day, 28))
