"""Follow-up plan (RTL) pages on the regency's host, for its admins and agency operators.

Operators see and edit their own agencies' plans; regency admins see all and
approve; anyone else signed in gets a 403 with no data. The list is paged and
filtered by GET parameters (a bad one: a 400 page saying which). A plan is
one form: every item saved together, and a save from a stale page is answered
409 with what was typed still in the form. Views are thin: the rules (who,
when, which fields) live in followup.services.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import EmptyPage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from sukma.access.permissions import Scope
from sukma.forms import add_service_errors
from sukma.surveys.dashboard.views import (
    dashboard_access,
    forbidden,
    nav_context,
    period_label,
)
from sukma.surveys.followup import selectors
from sukma.surveys.followup import services as rtl
from sukma.surveys.followup.forms import (
    PlanFilterForm,
    PlanForm,
    PlanStartForm,
    TransitionForm,
)
from sukma.surveys.followup.models import FollowUpEvidence, PlanStatus
from sukma.surveys.models import Agency

# The buttons a plan page offers, by status: (target status, label, admins only).
# Lazy labels: this dict is built at import, before any request's language is known.
NEXT_STEP = {
    PlanStatus.DRAFT: (PlanStatus.APPROVED, gettext_lazy("Approve the plan"), True),
    PlanStatus.APPROVED: (PlanStatus.IN_PROGRESS, gettext_lazy("Start the work"), False),
    PlanStatus.IN_PROGRESS: (PlanStatus.DONE, gettext_lazy("Mark the plan as done"), False),
}


def _filters_query(form: PlanFilterForm) -> str:
    """The list's filters as a query string, for the pager's links."""
    values = {}
    for name in ("periode", "opd"):
        if form.cleaned_data.get(name) is not None:
            values[name] = form.cleaned_data[name].pk
    if form.cleaned_data.get("status"):
        values["status"] = form.cleaned_data["status"]
    return urlencode(values)


def _agencies(scope: Scope):
    agencies = Agency.objects.order_by("name")
    return agencies if scope.limit is None else agencies.filter(pk__in=scope.limit)


@require_GET
@dashboard_access
def plan_list(request):
    return _list_page(request)


def _list_page(request, start_form=None, status=200):
    scope: Scope = request.scope
    agencies = _agencies(scope)
    periods = selectors.periods_with_plans(scope.limit)
    form = PlanFilterForm(request.GET, agencies=agencies, periods=periods)
    page, query = None, ""
    if form.is_valid():
        agency = form.cleaned_data["opd"]
        period = form.cleaned_data["periode"]
        try:
            page = selectors.plans_page(
                number=form.cleaned_data["halaman"] or 1,
                period_id=period.pk if period else None,
                agency_ids=[agency.pk] if agency else scope.limit,
                status=form.cleaned_data["status"],
            )
        except EmptyPage:
            form.add_error("halaman", _("There is no such page of plans."))
        query = _filters_query(form)
    if page is None and status == 200:
        status = 400
    return render(
        request,
        "followup/plan_list.html",
        {
            **nav_context(request, "rtl"),
            "form": form,
            "page": page,
            "plans": [(plan, period_label(plan.period)) for plan in page or []],
            "query": query,
            "periods": [(p, period_label(p)) for p in periods],
            "agencies": agencies,
            "period_id": _chosen(form, "periode"),
            "agency_id": _chosen(form, "opd"),
            "status": form.cleaned_data.get("status", "") if form.is_bound else "",
            "statuses": PlanStatus.choices,
            "start_form": start_form or _start_form(scope),
        },
        status=status,
    )


def _chosen(form, name):
    value = getattr(form, "cleaned_data", {}).get(name)
    return value.pk if value is not None else None


def _start_form(scope: Scope, data=None) -> PlanStartForm:
    form = PlanStartForm(data, agencies=_agencies(scope))
    form.fields["periode"].label_from_instance = period_label
    return form


@require_POST
@dashboard_access
def plan_start(request):
    """Start the plan of a closed recap (a semester, a quarter) for one agency."""
    form = _start_form(request.scope, request.POST)
    if form.is_valid():
        try:
            plan, created = rtl.plan_start(
                acting_user=request.user,
                agency=form.cleaned_data["opd"],
                period=form.cleaned_data["periode"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied:
            return forbidden(request)
        else:
            if created:
                messages.success(request, _("The plan is drafted from the period's scores."))
            return redirect("followup:plan_detail", plan.pk)
    return _list_page(request, start_form=form, status=400)


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
        if request.POST.get("action") == "transition":
            return _transition(request, plan)
        return _save(request, plan)
    return _detail_page(request, plan, PlanForm(plan), may_edit)


def _detail_page(request, plan, form, may_edit, status=200, theirs=None):
    scope: Scope = request.scope
    step = NEXT_STEP.get(plan.status)
    return render(
        request,
        "followup/plan_detail.html",
        {
            **nav_context(request, "rtl"),
            "plan": plan,
            "period_label": period_label(plan.period),
            "form": form,
            "items": [
                {"item": item_form.item, "form": item_form, "theirs": (theirs or {}).get(pk)}
                for pk, item_form in ((f.item.pk, f) for f in form.items)
            ],
            "may_edit": may_edit and form.editable,
            "next_step": step
            if step and may_edit and (scope.regency_admin or not step[2])
            else None,
            "previous": selectors.previous_period_realisation(plan.agency, plan.period),
            "max_mb": rtl.MAX_EVIDENCE_BYTES // 2**20,
        },
        status=status,
    )


def _save(request, plan):
    """The whole plan in one save; a refused save shows what was typed, nothing is lost."""
    form = PlanForm(plan, request.POST, request.FILES)
    if not form.is_valid():
        for text in form.errors:
            messages.error(request, text)
        return _detail_page(request, plan, form, True, status=400)
    try:
        rtl.plan_save(
            acting_user=request.user,
            plan=plan,
            revision=form.revision,
            items=form.values(),
            uploads=form.uploads(),
            removals=form.removals(),
        )
    except rtl.PlanChanged as error:
        return _changed_meanwhile(request, form, error)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return _detail_page(request, plan, form, True, status=400)
    except PermissionDenied:
        return forbidden(request)
    messages.success(request, _("The plan is saved."))
    return redirect("followup:plan_detail", plan.pk)


def _changed_meanwhile(request, stale: PlanForm, error):
    """Someone saved first: the form again, with what this person changed and what the
    other saved merged field by field, conflicts shown beside. It carries the new
    revision, so saving it again (having looked) is accepted."""
    plan = selectors.plan_get(stale.plan.pk)
    data, conflicts = stale.merged_with(plan)
    form = PlanForm(plan, data)
    form.is_valid()
    for text in error.messages:
        messages.error(request, text)
    if request.FILES:
        messages.error(request, _("Files are not kept: choose them again."))
    return _detail_page(request, plan, form, True, status=409, theirs=conflicts)


def _transition(request, plan):
    back = reverse("followup:plan_detail", args=[plan.pk])
    form = TransitionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Unknown status."))
        rtl.plan_transition(acting_user=request.user, plan=plan, to=form.cleaned_data["to"])
        messages.success(request, _("The plan's status is changed."))
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    except PermissionDenied as error:
        messages.error(request, str(error) or _("You may not do that."))
    return redirect(back)


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
