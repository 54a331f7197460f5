"""The regency's and each agency's dashboards, the flagged responses, the QR posters.

Who sees what:
- a regency admin sees the whole regency, every agency, and moderates responses;
- an agency operator sees only their own agency (or agencies): its dashboard,
  its posters, its flagged responses (read only: an agency does not decide
  which of its own ratings count);
- anyone else signed in (a Kediri admin on Tulungagung's host, the province)
  gets a 403 page with no data; anonymous visitors go to sign in.
Views only read selectors and call services; every figure is the selectors'.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sukma.access.decorators import regency_staff
from sukma.access.permissions import Scope
from sukma.forms import whole_number
from sukma.surveys.breakdowns import CHANNEL, breakdowns
from sukma.surveys.dashboard import charts, posters
from sukma.surveys.dashboard.moderation import response_exclude, response_include
from sukma.surveys.dashboard.selectors import (
    FLAGS,
    default_period,
    flagged_responses,
    held_count,
    monthly_figures,
    periods_for_picker,
)
from sukma.surveys.method.ikm import Mutu
from sukma.surveys.models import PROFILE_FIELDS, Agency, Flag, Period, PeriodKind, ServicePoint
from sukma.surveys.navigation import checklist_context
from sukma.surveys.selectors import (
    agency_figure,
    agency_figures,
    regency_figure,
    service_figures,
)
from sukma.tenants.replicas import replica_reads


# ---------------------------------------------------------------- access
def nav_context(request, section: str) -> dict:
    """What every dashboard page needs; the links between pages are sukma.surveys.navigation's."""
    scope: Scope = request.scope
    return {
        "regency": request.tenant,
        "scope": scope,
        "section": section,
    }


def forbidden(request):
    return render(request, "surveys/dashboard/forbidden.html", status=403)


# Anonymous: to sign in. Signed in without a role in this regency: 403, no data.
dashboard_access = regency_staff(forbidden)


# ---------------------------------------------------------------- periods
def period_label(period: Period) -> str:
    if period.kind == PeriodKind.YEAR:
        return _("Year %(year)s") % {"year": period.year}
    if period.kind == PeriodKind.SEMESTER:
        return _("Semester %(n)s %(year)s") % {"n": period.number, "year": period.year}
    if period.kind == PeriodKind.QUARTER:
        return _("Quarter %(n)s %(year)s") % {"n": period.number, "year": period.year}
    return formats.date_format(period.starts_on, "F Y")


def chosen_period(request) -> Period | None:
    """?periode=<id> if it names a period, else the default (the current year)."""
    chosen = whole_number(request.GET.get("periode"))
    if chosen is not None:
        period = Period.objects.filter(pk=chosen).first()
        if period is not None:
            return period
    return default_period()


def picker(selected: Period | None) -> list[dict]:
    return [
        {
            "id": p.pk,
            "label": period_label(p) + (" · " + _("closed") if p.locked else ""),
            "selected": selected is not None and p.pk == selected.pk,
        }
        for p in periods_for_picker()
    ]


# ---------------------------------------------------------------- shared context
def breakdown_tables(period: Period, *, agency_id=None) -> tuple[list[dict], dict]:
    """The profile tables and the channels' table, read together."""
    labels = {
        "sex": _("Sex"),
        "age_band": _("Age"),
        "education": _("Education"),
        "occupation": _("Occupation"),
        "disability": _("Disability"),
        "service_session": _("Session of service"),
    }
    shown = breakdowns(period, agency_id=agency_id)
    profile = [_breakdown_context(shown[field], labels[field]) for field in PROFILE_FIELDS]
    return profile, _breakdown_context(shown[CHANNEL])


def _breakdown_context(shown, label: str = "") -> dict:
    """A breakdown's rows as the tables show them; shares are of the respondents shown."""
    return {
        "field": shown.field,
        "label": label,
        "rows": [
            {"value": row.value, "label": row.label, "figure": row.figure} for row in shown.rows
        ],
        "total": shown.shown,
        "withheld": shown.withheld,
        "min_group": shown.min_group,
    }


def figure_context(period: Period, figure, *, agency_id=None) -> dict:
    # The trend gives context: every month of the period's year so far, whatever its kind.
    months = monthly_figures(
        datetime.date(period.year, 1, 1),
        datetime.date(period.year, 12, 31),
        agency_id=agency_id,
        policy=figure.policy,
    )
    profile, channels = breakdown_tables(period, agency_id=agency_id)
    return {
        "period": period,
        "period_label": period_label(period),
        "periods": picker(period),
        "figure": figure,
        "result": figure.result,
        "adequacy": figure.adequacy,
        "element_chart": charts.element_bars(figure.result),
        "elements_lowest_first": [
            *figure.result.lowest_first(),
            *(e for e in figure.result.elements if not e.answered),
        ],
        "months": months,
        "trend_year": period.year,
        "trend_chart": charts.trend_columns(months) if months else "",
        "breakdowns": profile,
        "channels": channels,
        "grade_legend": [
            {"mutu": Mutu.A, "bound": Mutu.A.lower_bound},
            {"mutu": Mutu.B, "bound": Mutu.B.lower_bound},
            {"mutu": Mutu.C, "bound": Mutu.C.lower_bound},
            {"mutu": Mutu.D, "bound": None, "below": Mutu.C.lower_bound},
        ],
    }


def _with_period(url: str, period: Period) -> str:
    return f"{url}?periode={period.pk}"


# ---------------------------------------------------------------- dashboards
@dashboard_access
@replica_reads
def regency_dashboard(request):
    scope: Scope = request.scope
    if not scope.regency_admin:
        # An operator's dashboard is their agency's.
        return redirect("dashboard_agency", agency_id=min(scope.agency_ids))
    period = chosen_period(request)
    context = {
        **nav_context(request, "regency"),
        **checklist_context(scope.regency_admin),
        "periods": picker(period),
    }
    if period is not None:
        context.update(figure_context(period, regency_figure(period)))
        context["agency_table"] = [
            {
                "id": agency.pk,
                "name": agency.name,
                "url": _with_period(reverse("dashboard_agency", args=[agency.pk]), period),
                "figure": figure,
            }
            for agency, figure in agency_figures(period)
        ]
    return render(request, "surveys/dashboard/regency.html", context)


@dashboard_access
@replica_reads
def agency_dashboard(request, agency_id: int):
    scope: Scope = request.scope
    if not scope.sees_agency(agency_id):
        return forbidden(request)
    agency = get_object_or_404(Agency, pk=agency_id)
    period = chosen_period(request)
    context = {
        **nav_context(request, "agency"),
        "agency": agency,
        "periods": picker(period),
        "points": ServicePoint.objects.filter(agency=agency, active=True).select_related(
            "default_service"
        ),
    }
    if period is not None:
        context.update(figure_context(period, agency_figure(period, agency), agency_id=agency.pk))
        context["service_table"] = [
            {
                "id": service.pk,
                "name": service.name,
                "figure": figure,
                "note": ""
                if figure.adequacy.population_known  # a locked period's kept N, not today's
                else _("Expected users not set: the target assumes a large population."),
            }
            for service, figure in service_figures(period, agency_id=agency.pk)
        ]
    return render(request, "surveys/dashboard/agency.html", context)


# ---------------------------------------------------------------- flagged responses
def flag_labels() -> dict[str, str]:
    return {
        Flag.BURST: _(
            "one of several sent from one address at one counter, each within seconds of "
            "opening the form: held"
        ),
        Flag.UNSTAMPED: _("sent without the form's genuine stamp: held"),
        Flag.BUSY: _("one of over 100 from one address at one counter within ten minutes"),
        Flag.IDENTICAL: _("the same answer to all nine questions"),
        Flag.FAST: _("completed in under 10 seconds"),
        Flag.PACE: _("sent on a kiosk sooner than 20 seconds after the previous one"),
    }


def flag_short_labels() -> dict[str, str]:
    return {
        Flag.BURST: _("Burst"),
        Flag.UNSTAMPED: _("No stamp"),
        Flag.BUSY: _("Busy address"),
        Flag.IDENTICAL: _("Identical"),
        Flag.FAST: _("Fast"),
        Flag.PACE: _("Kiosk pace"),
    }


@require_http_methods(["GET", "POST"])
@dashboard_access
def flagged_list(request):
    scope: Scope = request.scope
    if request.method == "POST":
        return _moderate(request, scope)
    agencies = Agency.objects.all()
    if scope.limit is not None:
        agencies = agencies.filter(pk__in=scope.limit)
    agency_id = whole_number(request.GET.get("opd"))
    if agency_id is not None and not scope.sees_agency(agency_id):
        return forbidden(request)
    flag = request.GET.get("tanda", "")
    status = request.GET.get("status", "")
    responses = flagged_responses(
        agency_ids=scope.limit, agency_id=agency_id, flag=flag, status=status
    )
    page = Paginator(responses, 25).get_page(request.GET.get("halaman"))
    short = flag_short_labels()
    long = flag_labels()
    rows = [
        {
            "response": r,
            "flags": [
                {"code": f, "short": short.get(f, f), "long": long.get(f, f)} for f in r.flags
            ],
            "answers": [(code, value) for code, value in r.answers().items()],
        }
        for r in page.object_list
    ]
    query = request.GET.copy()
    query.pop("halaman", None)
    return render(
        request,
        "surveys/dashboard/flagged.html",
        {
            **nav_context(request, "responses"),
            "held": held_count(scope.limit),
            "agencies": agencies,
            "agency_id": agency_id,
            "flag": flag if flag in FLAGS else "",
            "status": status,
            "flag_choices": [(f, short[f], long[f]) for f in FLAGS],
            "rows": rows,
            "page": page,
            "query": query.urlencode(),
            "can_moderate": scope.regency_admin,
        },
    )


def _moderate(request, scope: Scope):
    back = request.POST.get("next") or reverse("dashboard_responses")
    if not back.startswith("/dasbor/respons/"):
        back = reverse("dashboard_responses")
    if not scope.regency_admin:
        return forbidden(request)
    response_id = whole_number(request.POST.get("response"))
    if response_id is None:
        messages.error(request, _("Choose a response."))
        return redirect(back)
    action = request.POST.get("action")
    try:
        if action == "exclude":
            response_exclude(
                acting_user=request.user,
                regency=request.tenant,
                response_id=response_id,
                reason=request.POST.get("reason", ""),
            )
            messages.success(
                request,
                _("Response #%(id)s is excluded: it no longer counts in the index.")
                % {"id": response_id},
            )
        elif action == "include":
            response_include(
                acting_user=request.user, regency=request.tenant, response_id=int(response_id)
            )
            messages.success(request, _("Response #%(id)s counts.") % {"id": response_id})
        else:
            messages.error(request, _("Unknown action."))
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    return redirect(back)


# ---------------------------------------------------------------- posters
def _pdf(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@dashboard_access
def poster_point(request, point_id: int):
    point = get_object_or_404(ServicePoint.objects.select_related("agency"), pk=point_id)
    if not request.scope.sees_agency(point.agency_id):
        return forbidden(request)
    body = posters.posters_pdf(request.tenant, [point], host=request.get_host())
    return _pdf(body, f"poster-{point.code}.pdf")


@dashboard_access
def poster_agency(request, agency_id: int):
    if not request.scope.sees_agency(agency_id):
        return forbidden(request)
    agency = get_object_or_404(Agency, pk=agency_id)
    points = list(ServicePoint.objects.filter(agency=agency, active=True).select_related("agency"))
    if not points:
        raise Http404(_("This agency has no active service points yet."))
    body = posters.posters_pdf(request.tenant, points, host=request.get_host())
    return _pdf(body, f"poster-{slugify(agency.short_name or agency.name) or agency.pk}.pdf")
