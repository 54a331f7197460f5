"""Follow-up plan (RTL) pages on the regency's host, for its admins and agency operators.

Operators see and edit their own agencies' plans; regency admins see all and
approve; anyone else signed in gets a 403 with no data. Views are thin: the
rules (who, when, which fields) live in followup.services.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from sukma.access.permissions import Scope
from sukma.surveys.dashboard.views import (
    dashboard_access,
    forbidden,
    nav_context,
    period_label,
)
from sukma.surveys.followup import selectors
from sukma.surveys.followup import services as rtl
from sukma.surveys.followup.forms import (
    EvidenceForm,
    PlanItemForm,
    RealisationForm,
    TransitionForm,
)
from sukma.surveys.followup.models import FollowUpEvidence, FollowUpItem, PlanStatus
from sukma.surveys.models import Agency, Period

# The buttons a plan page offers, by status: (target status, label, admins only).
# Lazy labels: this dict is built at import, before any request's language is known.
NEXT_STEP = {
    PlanStatus.DRAFT: (PlanStatus.APPROVED, gettext_lazy("Approve the plan"), True),
    PlanStatus.APPROVED: (PlanStatus.IN_PROGRESS, gettext_lazy("Start the work"), False),
    PlanStatus.IN_PROGRESS: (PlanStatus.DONE, gettext_lazy("Mark the plan as done"), False),
}


def _int(value) -> int | None:
    return int(value) if str(value or "").isdigit() else None


@require_GET
@dashboard_access
def plan_list(request):
    scope: Scope = request.scope
    period_id = _int(request.GET.get("periode"))
    agency_id = _int(request.GET.get("opd"))
    if agency_id is not None and not scope.sees_agency(agency_id):
        return forbidden(request)
    status = request.GET.get("status", "")
    status = status if status in PlanStatus.values else ""
    agency_ids = [agency_id] if agency_id is not None else scope.limit
    plans = selectors.plans_list(period_id=period_id, agency_ids=agency_ids, status=status)
    agencies = Agency.objects.all()
    if scope.limit is not None:
        agencies = agencies.filter(pk__in=scope.limit)
    periods = Period.objects.filter(followup_plans__isnull=False).distinct()
    return render(
        request,
        "followup/plan_list.html",
        {
            **nav_context(request, "rtl"),
            "plans": [(plan, period_label(plan.period)) for plan in plans],
            "periods": [(p, period_label(p)) for p in periods],
            "agencies": agencies,
            "period_id": period_id,
            "agency_id": agency_id,
            "status": status,
            "statuses": PlanStatus.choices,
        },
    )


@dashboard_access
def plan_detail(request, pk: int):
    scope: Scope = request.scope
    plan = selectors.plan_get(pk)
    if plan is None:
        raise Http404
    if not scope.sees_agency(plan.agency_id):
        return forbidden(request)
    may_edit = rtl.may_edit_plan(request.user, request.tenant, plan)
    if request.method == "POST":
        if not may_edit:
            return forbidden(request)
        return _post(request, plan)
    step = NEXT_STEP.get(plan.status)
    items = []
    for item in plan.items.all():
        items.append(
            {
                "item": item,
                "plan_form": PlanItemForm(
                    initial={f: getattr(item, f) for f in rtl.PLAN_FIELDS},
                    prefix=f"i{item.pk}",
                ),
                "real_form": RealisationForm(
                    initial={f: getattr(item, f) for f in rtl.REALISATION_FIELDS},
                    prefix=f"i{item.pk}",
                ),
                "evidence_form": EvidenceForm(prefix=f"i{item.pk}"),
            }
        )
    return render(
        request,
        "followup/plan_detail.html",
        {
            **nav_context(request, "rtl"),
            "plan": plan,
            "period_label": period_label(plan.period),
            "items": items,
            "may_edit": may_edit,
            "next_step": step
            if step and may_edit and (scope.regency_admin or not step[2])
            else None,
            "previous": selectors.previous_period_realisation(plan.agency, plan.period),
            "max_mb": rtl.MAX_EVIDENCE_BYTES // 2**20,
        },
    )


def _post(request, plan):
    back = reverse("followup:plan_detail", args=[plan.pk])
    action = request.POST.get("action", "")
    item = None
    if action in ("item", "realisation", "evidence"):
        item = FollowUpItem.objects.filter(pk=_int(request.POST.get("item")), plan=plan).first()
        if item is None:
            messages.error(request, _("Choose an element of this plan."))
            return redirect(back)
        back += f"#item-{item.pk}"
    try:
        if action == "item":
            form = PlanItemForm(request.POST, prefix=f"i{item.pk}")
            _save(request, form, item, rtl.PLAN_FIELDS)
        elif action == "realisation":
            form = RealisationForm(request.POST, prefix=f"i{item.pk}")
            _save(request, form, item, rtl.REALISATION_FIELDS)
        elif action == "evidence":
            form = EvidenceForm(request.POST, request.FILES, prefix=f"i{item.pk}")
            if form.is_valid():
                rtl.evidence_add(
                    acting_user=request.user, item=item, upload=form.cleaned_data["file"]
                )
                messages.success(request, _("The evidence file is added."))
            else:
                _form_errors(request, form)
        elif action == "remove_evidence":
            evidence = FollowUpEvidence.objects.filter(
                pk=_int(request.POST.get("evidence")), item__plan=plan
            ).first()
            if evidence is None:
                raise ValidationError(_("Choose a file of this plan."))
            rtl.evidence_remove(acting_user=request.user, evidence=evidence)
            messages.success(request, _("The evidence file is removed."))
        elif action == "transition":
            form = TransitionForm(request.POST)
            if form.is_valid():
                rtl.plan_transition(acting_user=request.user, plan=plan, to=form.cleaned_data["to"])
                messages.success(request, _("The plan's status is changed."))
            else:
                messages.error(request, _("Unknown status."))
        else:
            messages.error(request, _("Unknown action."))
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    except PermissionDenied as error:
        messages.error(request, str(error) or _("You may not do that."))
    return redirect(back)


def _save(request, form, item, fields) -> None:
    if not form.is_valid():
        _form_errors(request, form)
        return
    values = {name: form.cleaned_data[name] for name in fields}
    for name in ("planned_action", "responsible", "realisation"):
        if name in values and values[name] is None:
            values[name] = ""
    rtl.item_update(acting_user=request.user, item=item, **values)
    messages.success(request, _("%(element)s is saved.") % {"element": item.element_code})


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


@require_GET
@dashboard_access
def evidence_download(request, pk: int):
    """The file, to those who may see its plan; never served from a public media URL."""
    evidence = FollowUpEvidence.objects.select_related("item__plan").filter(pk=pk).first()
    if evidence is None:
        raise Http404
    if not request.scope.sees_agency(evidence.item.plan.agency_id):
        return forbidden(request)
    response = FileResponse(
        evidence.file.open("rb"),
        content_type=evidence.content_type,
        as_attachment=evidence.content_type == "application/pdf",
        filename=evidence.original_name or evidence.file.name.rsplit("/", 1)[-1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
