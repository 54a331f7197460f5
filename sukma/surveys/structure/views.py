"""The regency admin's pages for the structure and the questionnaire, on the regency's host.

Regency admins of this regency see and change everything here; agency
operators of this regency see their own agency's structure (as the API
shows them), the periods and the questionnaire, and change nothing; anyone else
signed in gets a 403 with no data, and anonymous visitors go to sign in.
Views are thin: forms check shapes, services (services.py, imports.py)
hold the rules and write the audit log.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sukma.access.permissions import can_admin_regency, can_work_in_regency, scope_for
from sukma.forms import add_service_errors
from sukma.surveys.models import (
    Agency,
    AgencyKind,
    Period,
    Question,
    QuestionKind,
    Questionnaire,
    Service,
    ServicePoint,
    SurveySettings,
)
from sukma.surveys.navigation import checklist_context
from sukma.surveys.structure import imports
from sukma.surveys.structure import services as structure
from sukma.surveys.structure.forms import (
    AgencyForm,
    ExtraQuestionForm,
    ImportForm,
    MappingForm,
    MinGroupSizeForm,
    ServiceForm,
    ServicePointForm,
    WeightPolicyForm,
    YearForm,
)
from sukma.surveys.structure.mapping import agency_map, mapping_overview, standard_kind_choices
from sukma.surveys.structure.questionnaire import questionnaire_install_standard
from sukma.surveys.structure.selectors import (
    agencies_with_counts,
    periods_by_year,
    questionnaire_current,
    service_point_public_path,
)
from sukma.surveys.structure.small_groups import min_group_size_set
from sukma.surveys.structure.weights import locked_periods_kept, weight_policy_set


def regency_staff(*, edit: bool):
    """Admins of this regency; with edit=False also its agency operators (read only)."""
    allowed = can_admin_regency if edit else can_work_in_regency

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(request.user, request.tenant):
                return render(request, "surveys/admin/forbidden.html", status=403)
            request.may_edit = can_admin_regency(request.user, request.tenant)
            # An operator sees only their own agency's structure, as in the API.
            request.agency_limit = scope_for(request.user, request.tenant).limit
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def form_page(request, form, save, *, title: str, done: str, back: str, **context):
    """Show a form; on a valid POST call save(cleaned_data) and go back with a message.

    A service's ValidationError goes back onto the form, field by field.
    """
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(back)
    context.update({"form": form, "title": title, "back": resolve_url(back)})
    return render(request, "surveys/admin/form.html", context)


def within(queryset, limit: frozenset[int] | None, field: str = "agency_id"):
    """The rows of the agencies in `limit` (an operator's); None: the whole regency."""
    return queryset.all() if limit is None else queryset.filter(**{f"{field}__in": limit})


def scope_sees(request, agency_id: int) -> bool:
    return request.agency_limit is None or agency_id in request.agency_limit


# ====================================================================== overview
@regency_staff(edit=False)
def overview(request):
    current = questionnaire_current()
    limit = request.agency_limit
    context = {
        "agency_count": within(Agency.objects, limit, "pk").count(),
        "service_count": within(Service.objects, limit).count(),
        "point_count": within(ServicePoint.objects, limit).count(),
        "period_count": Period.objects.count(),
        "questionnaire": current,
        "weight_policy": SurveySettings.current().weight_policy,
        **checklist_context(request.may_edit),
    }
    return render(request, "surveys/admin/overview.html", context)


# ====================================================================== agencies
@regency_staff(edit=False)
def agency_list(request):
    agencies = within(agencies_with_counts(), request.agency_limit, "pk")
    return render(request, "surveys/admin/agency_list.html", {"agencies": agencies})


@regency_staff(edit=False)
def agency_detail(request, pk: int):
    agency = get_object_or_404(within(Agency.objects, request.agency_limit, "pk"), pk=pk)
    points = [
        (point, request.build_absolute_uri(service_point_public_path(point)))
        for point in agency.service_points.select_related("default_service")
    ]
    context = {"agency": agency, "services": agency.services.all(), "points": points}
    return render(request, "surveys/admin/agency_detail.html", context)


@regency_staff(edit=True)
def agency_create(request):
    return form_page(
        request,
        AgencyForm(request.POST or None),
        lambda data: structure.agency_create(acting_user=request.user, **data),
        title=_("New agency"),
        done=_("The agency is added."),
        back="surveys_admin:agency_list",
    )


@regency_staff(edit=True)
def agency_edit(request, pk: int):
    agency = get_object_or_404(Agency, pk=pk)
    initial = {f: getattr(agency, f) for f in structure.AGENCY_FIELDS}
    form = AgencyForm(request.POST or None, initial=initial)
    return form_page(
        request,
        form,
        lambda data: structure.agency_update(acting_user=request.user, agency=agency, **data),
        title=_("Edit %(name)s") % {"name": agency.name},
        done=_("The agency is saved."),
        back=agency_url(agency),
    )


def agency_url(agency: Agency) -> str:
    return reverse("surveys_admin:agency_detail", args=[agency.pk])


# ====================================================================== services
@regency_staff(edit=True)
def service_create(request, agency_pk: int):
    agency = get_object_or_404(Agency, pk=agency_pk)
    return form_page(
        request,
        ServiceForm(request.POST or None),
        lambda data: structure.service_create(acting_user=request.user, agency=agency, **data),
        title=_("New service of %(agency)s") % {"agency": agency.name},
        done=_("The service is added."),
        back=agency_url(agency),
    )


@regency_staff(edit=True)
def service_edit(request, pk: int):
    service = get_object_or_404(Service.objects.select_related("agency"), pk=pk)
    initial = {f: getattr(service, f) for f in structure.SERVICE_FIELDS}
    return form_page(
        request,
        ServiceForm(request.POST or None, initial=initial),
        lambda data: structure.service_update(acting_user=request.user, service=service, **data),
        title=_("Edit %(name)s") % {"name": service.name},
        done=_("The service is saved."),
        back=agency_url(service.agency),
    )


# ====================================================================== service points
@regency_staff(edit=False)
def point_list(request):
    points = [
        (point, request.build_absolute_uri(service_point_public_path(point)))
        for point in within(ServicePoint.objects, request.agency_limit).select_related(
            "agency", "default_service"
        )
    ]
    return render(request, "surveys/admin/point_list.html", {"points": points})


@regency_staff(edit=True)
def point_create(request, agency_pk: int):
    agency = get_object_or_404(Agency, pk=agency_pk)
    return form_page(
        request,
        ServicePointForm(request.POST or None, agency=agency),
        lambda data: structure.service_point_create(
            acting_user=request.user, agency=agency, **data
        ),
        title=_("New service point of %(agency)s") % {"agency": agency.name},
        done=_("The service point is added; its survey address is shown below."),
        back=agency_url(agency),
    )


@regency_staff(edit=True)
def point_edit(request, pk: int):
    point = get_object_or_404(ServicePoint.objects.select_related("agency"), pk=pk)
    initial = {f: getattr(point, f) for f in structure.POINT_FIELDS}
    return form_page(
        request,
        ServicePointForm(request.POST or None, agency=point.agency, initial=initial),
        lambda data: structure.service_point_update(acting_user=request.user, point=point, **data),
        title=_("Edit %(name)s") % {"name": point.name},
        done=_("The service point is saved."),
        back=agency_url(point.agency),
        note=_("The public code %(code)s never changes: printed posters keep working.")
        % {"code": point.code},
    )


# ====================================================================== periods
@regency_staff(edit=False)
def period_list(request):
    return render_periods(request, YearForm())


def render_periods(request, year_form: YearForm):
    context = {"years": periods_by_year(), "year_form": year_form}
    return render(request, "surveys/admin/period_list.html", context)


@require_POST
@regency_staff(edit=True)
def period_create_year(request):
    form = YearForm(request.POST)
    if not form.is_valid():
        return render_periods(request, form)
    try:
        created = structure.periods_create_year(acting_user=request.user, **form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return render_periods(request, form)
    messages.success(request, _("%(n)s periods added.") % {"n": len(created)})
    return redirect("surveys_admin:period_list")


@require_POST
@regency_staff(edit=True)
def period_lock(request, pk: int):
    period = get_object_or_404(Period, pk=pk)
    try:
        structure.period_lock(acting_user=request.user, period=period)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(period)s is locked.") % {"period": period.label})
    return redirect("surveys_admin:period_list")


# ====================================================================== questionnaire
@regency_staff(edit=False)
def questionnaire_page(request):
    return render_questionnaire(request, ExtraQuestionForm())


def render_questionnaire(request, form: ExtraQuestionForm):
    questionnaire_install_standard()  # a schema made before the questionnaire existed
    current = questionnaire_current()
    questions = list(current.questions.all())
    context = {
        "questionnaire": current,
        "elements": [q for q in questions if q.kind == QuestionKind.ELEMENT],
        "extras": [q for q in questions if q.kind != QuestionKind.ELEMENT],
        "older_versions": Questionnaire.objects.filter(version__lt=current.version).count(),
        "form": form,
    }
    return render(request, "surveys/admin/questionnaire.html", context)


@require_POST
@regency_staff(edit=True)
def extra_add(request):
    form = ExtraQuestionForm(request.POST)
    if form.is_valid():
        try:
            new = structure.questionnaire_extra_add(acting_user=request.user, extra=form.extra())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, version_message(new))
            return redirect("surveys_admin:questionnaire")
    return render_questionnaire(request, form)


@regency_staff(edit=True)
def extra_edit(request, pk: int):
    question = get_object_or_404(Question, pk=pk, questionnaire__is_current=True)
    if question.kind == QuestionKind.ELEMENT:
        messages.error(request, _("The nine SKM elements are set by regulation."))
        return redirect("surveys_admin:questionnaire")
    initial = ExtraQuestionForm.initial_of(structure.ExtraQuestion.of(question))
    form = ExtraQuestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            new = structure.questionnaire_extra_update(
                acting_user=request.user, question=question, extra=form.extra()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, version_message(new))
            return redirect("surveys_admin:questionnaire")
    context = {
        "form": form,
        "title": _("Edit a local question"),
        "back": reverse("surveys_admin:questionnaire"),
    }
    return render(request, "surveys/admin/form.html", context)


@require_POST
@regency_staff(edit=True)
def extra_remove(request, pk: int):
    question = get_object_or_404(Question, pk=pk)
    try:
        new = structure.questionnaire_extra_remove(acting_user=request.user, question=question)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, version_message(new))
    return redirect("surveys_admin:questionnaire")


def version_message(questionnaire: Questionnaire) -> str:
    return _(
        "Saved as version %(version)s. Responses already given keep the version they answered."
    ) % {"version": questionnaire.version}


# ====================================================================== weight policy
# Operators read which policy is in force; only an admin of this regency changes it.
@regency_staff(edit=False)
def weights_page(request):
    current = SurveySettings.current().weight_policy
    form = WeightPolicyForm(request.POST or None, initial={"policy": current})
    if request.method == "POST":
        if not request.may_edit:
            return render(request, "surveys/admin/forbidden.html", status=403)
        if form.is_valid():
            try:
                weight_policy_set(acting_user=request.user, policy=form.cleaned_data["policy"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The weight policy is saved: open periods use it."))
                return redirect("surveys_admin:weights")
    context = {"form": form, "current": current, "locked": locked_periods_kept()}
    return render(request, "surveys/admin/weights.html", context)


# ====================================================================== small groups
# Operators read k; only an admin of this regency changes it.
@regency_staff(edit=False)
def small_groups_page(request):
    current = SurveySettings.current().min_group_size
    form = MinGroupSizeForm(request.POST or None, initial={"size": current})
    if request.method == "POST":
        if not request.may_edit:
            return render(request, "surveys/admin/forbidden.html", status=403)
        if form.is_valid():
            try:
                min_group_size_set(acting_user=request.user, size=form.cleaned_data["size"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Saved: every breakdown now hides smaller groups."))
                return redirect("surveys_admin:small_groups")
    context = {"form": form, "current": current}
    return render(request, "surveys/admin/small_groups.html", context)


# ====================================================================== import
@regency_staff(edit=True)
def import_page(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(imports.MAX_BYTES + 1)
        report = imports.structure_import(acting_user=request.user, filename=upload.name, data=data)
        if report.ok:
            messages.success(request, _("The file is imported."))
    context = {
        "form": form,
        "report": report,
        "columns": import_columns(),
        "kinds": structure_kinds(),
    }
    return render(request, "surveys/admin/import.html", context)


def import_columns() -> list[tuple[str, str, str]]:
    """(header, English name, what it holds) for the import page's table."""
    meaning = {
        "agency_kind": _("Kind of agency; needed when the agency is new."),
        "agency": _("The agency's full name. Required."),
        "short_name": _("Short name, for example Dinkes. Optional."),
        "service": _("A service of the agency. Optional."),
        "annual_users": _("Expected users of the service per year (sets the sample target)."),
        "service_point": _("A counter or place of the agency; it gets a QR code. Optional."),
        "address": _("The service point's address. Optional."),
    }
    return [(header, name, meaning[name]) for name, (header, _a) in imports.COLUMNS.items()]


def structure_kinds() -> list[tuple[str, str]]:
    return list(AgencyKind.choices)


@regency_staff(edit=False)
def import_template(request):
    response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="templat-impor-sukma.csv"'
    return response


# ---------------------------------------------------------------- mapping to the standard lists
# Admins of this regency change the mapping; its agency operators see it. The rules and
# the audit live in sukma.surveys.structure.mapping.
@regency_staff(edit=False)
def mapping_list(request):
    rows = [row for row in mapping_overview() if scope_sees(request, row["agency"].pk)]
    context = {"rows": rows, "kinds_available": bool(standard_kind_choices())}
    return render(request, "surveys/admin/mapping_list.html", context)


@regency_staff(edit=True)
def mapping_agency(request, pk: int):
    agency = get_object_or_404(Agency, pk=pk)
    form = MappingForm(request.POST or None, agency=agency)
    if request.method == "POST" and form.is_valid():
        try:
            agency_map(
                acting_user=request.user,
                agency=agency,
                standard_kind=form.cleaned_data["standard_kind"],
                services=form.services(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Mapping saved."))
            return redirect("surveys_admin:mapping_agency", pk=agency.pk)
    return render(request, "surveys/admin/mapping_agency.html", {"agency": agency, "form": form})
