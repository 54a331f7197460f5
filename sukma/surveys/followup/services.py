"""Writes to follow-up plans (RTL). Every write is audited in the same transaction.

Callers put the connection on the regency's schema first. Who may do what:

- drafting happens when a year is locked (``plans_draft_for_period``, called
  from ``sukma.surveys.structure.services.period_lock`` in its transaction),
  for each agency with answers in it; for a locked recap (month, quarter,
  semester) an agency's operator or an admin starts one (``plan_start``);
- an agency's operators and the regency's admins edit the agency's plan, the
  plan and all its items as one save (``plan_save``): while it is a draft
  the plan itself (which elements it acts on, the action, the deadline, the
  person responsible); once approved the realisation and its evidence files.
  Every write moves the plan's ``revision``; a save made from an older
  revision is refused with ``PlanChanged`` and changes nothing;
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
    DRAFTED_KINDS,
    FollowUpEvidence,
    FollowUpItem,
    FollowUpPlan,
    PlanStatus,
)
from sukma.surveys.models import Agency, Period
from sukma.surveys.selectors import agency_figure, totals_per
from sukma.tenants.models import Regency
from sukma.uploads import image_type, is_pdf

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
MAX_EVIDENCE_PER_ITEM = 10
# The types we accept (read by sukma.uploads), the names each may carry, and the stored one.
EVIDENCE_TYPES = {
    "application/pdf": ((".pdf",), ".pdf"),
    "image/jpeg": ((".jpg", ".jpeg"), ".jpg"),
    "image/png": ((".png",), ".png"),
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


class PlanChanged(ValidationError):
    """The plan was saved by someone else since the page being saved was opened."""

    def __init__(self):
        super().__init__(
            _(
                "This plan was changed by someone else since you opened it. What you typed is "
                "still below, next to what is saved now: check it and save again."
            ),
            code="stale",
        )


def _bump(plan: FollowUpPlan) -> None:
    """Every write to a plan or its items moves its revision (in the caller's transaction)."""
    FollowUpPlan.objects.filter(pk=plan.pk).update(revision=F("revision") + 1)
    plan.revision += 1


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
        _bump(plan)
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


def _agencies_answered(period: Period) -> set[int]:
    per_agency = totals_per("service__agency_id", period.starts_on, period.ends_on)
    return {pk for pk, totals in per_agency.items() if (totals.responses or 0) > 0}


@transaction.atomic
def plans_draft_for_period(
    *, acting_user, period: Period, regency: Regency | None = None
) -> list[FollowUpPlan]:
    """The plans a locked period needs, drafted or brought up to date (see plan_draft).

    A year: one for every agency with counted responses in it. Any period: the
    plans it already has (started for a recap, or kept through a reopening) are
    brought up to date. A recap gets no new plan by itself.
    """
    regency = _regency(regency)
    agency_ids = set(period.followup_plans.values_list("agency_id", flat=True))
    if period.kind in DRAFTED_KINDS:
        agency_ids |= _agencies_answered(period)
    plans = []
    for agency in Agency.objects.filter(pk__in=agency_ids).order_by("pk"):
        plans.append(
            plan_draft(acting_user=acting_user, agency=agency, period=period, regency=regency)[0]
        )
    return plans


@transaction.atomic
def plan_start(
    *, acting_user, agency: Agency, period: Period, regency: Regency | None = None
) -> tuple[FollowUpPlan, bool]:
    """An agency's plan for a locked period it had answers in, for agencies that follow up
    at a recap's pace (a semester, a quarter); (plan, created). The existing plan if any."""
    regency = _regency(regency)
    if not may_edit_plan(acting_user, regency, FollowUpPlan(agency=agency, period=period)):
        raise PermissionDenied(_("Only the agency's operators and the regency's admins may."))
    period = Period.objects.select_for_update().get(pk=period.pk)
    if not period.locked:
        raise ValidationError(
            {"periode": _("A plan is made once the period is closed: its figures are final then.")}
        )
    existing = FollowUpPlan.objects.filter(agency=agency, period=period).first()
    if existing is not None:
        return existing, False
    if agency.pk not in _agencies_answered(period):
        raise ValidationError(
            {"opd": _("This agency has no answers in that period: there is nothing to follow up.")}
        )
    return plan_draft(acting_user=acting_user, agency=agency, period=period, regency=regency)


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
    plan.revision += 1
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
def _item_apply(plan: FollowUpPlan, item: FollowUpItem, values: dict) -> list[str]:
    """Set the values on the item (not saved), under the plan's rules; the fields changed."""
    for name in values:
        if name not in PLAN_FIELDS + REALISATION_FIELDS:
            raise TypeError(f"unknown follow-up item field {name}")
    values = {n: v.strip() if isinstance(v, str) else v for n, v in values.items()}
    changed = [n for n in values if values[n] != getattr(item, n)]
    changing_plan = [n for n in changed if n in PLAN_FIELDS]
    changing_real = [n for n in changed if n in REALISATION_FIELDS]
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
    for name in changed:
        setattr(item, name, values[name])
    if "realised_at" in changed and item.realised_at and item.realised_at > timezone.localdate():
        raise ValidationError({"realised_at": _("The realisation date cannot be in the future.")})
    if "deadline" in changed and item.deadline and item.deadline < plan.period.ends_on:
        raise ValidationError({"deadline": _("The deadline must fall after the period's end.")})
    item.full_clean()
    return changed


@transaction.atomic
def item_update(
    *, acting_user, item: FollowUpItem, regency: Regency | None = None, **values
) -> FollowUpItem:
    """Change one item: the plan's fields while a draft, the realisation once approved."""
    regency = _regency(regency)
    plan = FollowUpPlan.objects.select_for_update().get(pk=item.plan_id)
    _require_editor(acting_user, regency, plan)
    item = FollowUpItem.objects.get(pk=item.pk)
    before = snapshot(item)
    if _item_apply(plan, item, values):
        item.save()
        _bump(plan)
    audit_record(
        actor=acting_user,
        action="followup.item.updated",
        target=item,
        regency=regency,
        before=before,
        after=snapshot(item),
    )
    return item


@transaction.atomic
def plan_save(
    *,
    acting_user,
    plan: FollowUpPlan,
    revision: int,
    items: dict[int, dict],
    uploads: dict[int, object] | None = None,
    removals=(),
    regency: Regency | None = None,
) -> FollowUpPlan:
    """Save the plan and all its items at once, as the page's one form sends them.

    ``items`` maps an item's id to its new values, ``uploads`` an item's id to a new
    evidence file, ``removals`` lists evidence ids to remove. All or nothing: one
    refused value (ValidationError naming the element) changes nothing. A save made
    from a page showing an older ``revision`` raises PlanChanged and changes nothing.
    """
    regency = _regency(regency)
    plan = FollowUpPlan.objects.select_for_update().select_related("period").get(pk=plan.pk)
    _require_editor(acting_user, regency, plan)
    if revision != plan.revision:
        raise PlanChanged()
    uploads = uploads or {}
    known = {item.pk: item for item in plan.items.all()}
    if set(items) - set(known) or set(uploads) - set(known):
        raise ValidationError({"items": _("Choose an element of this plan.")})
    changes = {}
    for pk, values in items.items():
        item = known[pk]
        before = snapshot(item)
        try:
            changed = _item_apply(plan, item, values)
        except ValidationError as error:
            raise ValidationError(
                [f"{item.element_code}: {text}" for text in error.messages]
            ) from error
        if changed:
            item.save()
            changes[item.element_code] = {"before": before, "after": snapshot(item)}
    for evidence in FollowUpEvidence.objects.filter(pk__in=list(removals), item__plan=plan):
        changes.setdefault(evidence.item.element_code, {}).setdefault("removed", []).append(
            _evidence_delete(plan, evidence)
        )
    checked = {}
    for pk, upload in uploads.items():  # every file checked before any is stored
        try:
            checked[pk] = _evidence_check(plan, known[pk], upload)
        except ValidationError as error:
            raise ValidationError(
                [f"{known[pk].element_code}: {text}" for text in error.messages]
            ) from error
    for pk, file in checked.items():
        evidence = _evidence_store(acting_user, known[pk], file)
        changes.setdefault(known[pk].element_code, {}).setdefault("added", []).append(
            snapshot(evidence)
        )
    if not changes:
        return plan
    _bump(plan)
    audit_record(
        actor=acting_user,
        action="followup.plan.saved",
        target=plan,
        regency=regency,
        after={"revision": plan.revision, "items": changes},
    )
    return plan


# ====================================================================== evidence
def evidence_type(data: bytes, filename: str) -> str:
    """The content type the file really is, read by a real parser, and its name says so too.

    Raises ValidationError unless it is a PDF, JPEG or PNG whose name says so too.
    """
    extension = os.path.splitext(filename or "")[1].lower()
    content_type = "application/pdf" if is_pdf(data) else image_type(data)
    if content_type and extension in EVIDENCE_TYPES[content_type][0]:
        return content_type
    raise ValidationError({"file": _("Evidence must be a PDF, JPEG or PNG file.")})


def _evidence_check(plan: FollowUpPlan, item: FollowUpItem, upload) -> tuple[bytes, str, str]:
    """The file's bytes, name and real type, if the item may take it; else ValidationError."""
    if not plan.realisable:
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
    return data, original, evidence_type(data, original)


def _evidence_store(acting_user, item: FollowUpItem, checked: tuple[bytes, str, str]):
    """Store a checked file (the caller holds the plan's lock)."""
    data, original, content_type = checked
    stored_name = secrets.token_hex(12) + EVIDENCE_TYPES[content_type][1]
    evidence = FollowUpEvidence(
        item=item,
        original_name=original,
        content_type=content_type,
        size=len(data),
        uploaded_by=acting_user.pk,
    )
    evidence.file.save(stored_name, ContentFile(data), save=False)
    evidence.save()
    return evidence


def _evidence_delete(plan: FollowUpPlan, evidence: FollowUpEvidence) -> dict:
    if not plan.realisable:
        raise ValidationError({"file": _("The plan is done: its evidence is kept as it is.")})
    before = snapshot(evidence)
    name, storage = evidence.file.name, evidence.file.storage
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(name))
    return before


@transaction.atomic
def evidence_add(
    *, acting_user, item: FollowUpItem, upload, regency: Regency | None = None
) -> FollowUpEvidence:
    """Attach a file to an item's realisation: a real PDF, JPEG or PNG, at most 5 MB."""
    regency = _regency(regency)
    plan = FollowUpPlan.objects.select_for_update().get(pk=item.plan_id)
    _require_editor(acting_user, regency, plan)
    item = FollowUpItem.objects.get(pk=item.pk)
    evidence = _evidence_store(acting_user, item, _evidence_check(plan, item, upload))
    _bump(plan)
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
    evidence = FollowUpEvidence.objects.select_related("item").get(pk=evidence.pk)
    plan = FollowUpPlan.objects.select_for_update().get(pk=evidence.item.plan_id)
    _require_editor(acting_user, regency, plan)
    before = _evidence_delete(plan, evidence)
    _bump(plan)
    audit_record(
        actor=acting_user,
        action="followup.evidence.removed",
        target=FollowUpEvidence(pk=before["id"]),
        regency=regency,
        before=before,
    )


def deadline_default(period: Period) -> datetime.date:
    """A suggestion for a new deadline: six months after the period ends."""
    end = period.ends_on
    month = end.month + 6
    year = end.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return datetime.date(year, month, min(end.day, 28))
