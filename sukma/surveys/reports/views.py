"""The laporan SKM from the dashboards: ask for one, watch it being made, download it.

Access is the dashboards': regency admins may ask for any report, agency
operators only for their own agency and its services, anyone else gets the
403 page. Asking is a POST (it may queue work); the request's page refreshes
itself without JavaScript until the file is ready. The report settings page
(coat of arms, signatory, foreword) is for the regency's admins only.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sukma.errors import BrokerUnavailable, TooManyRequests, broker_unavailable, too_many_requests
from sukma.forms import add_service_errors
from sukma.surveys.dashboard.views import dashboard_access, forbidden, nav_context, period_label
from sukma.surveys.models import Agency, Period, Service
from sukma.surveys.reports.emblem import MAX_BYTES
from sukma.surveys.reports.forms import ReportSettingsForm
from sukma.surveys.reports.models import ReportFile, ReportScope, ReportState
from sukma.surveys.reports.selectors import (
    FOREWORD_DEFAULT,
    coat_of_arms_uri,
    download_name,
    report_settings,
)
from sukma.surveys.reports.services import (
    report_access_check,
    report_coat_of_arms_remove,
    report_coat_of_arms_set,
    report_request,
    report_settings_update,
)


def _digits(value) -> int:
    value = str(value or "")
    return int(value) if value.isdigit() else 0


def _subject_name(report: ReportFile, regency) -> str:
    if report.scope == ReportScope.AGENCY:
        return str(Agency.objects.filter(pk=report.scope_id).first() or "")
    if report.scope == ReportScope.SERVICE:
        return str(Service.objects.filter(pk=report.scope_id).first() or "")
    return str(regency.name)


def _visible(request, report: ReportFile) -> bool:
    try:
        report_access_check(
            scope_limit=request.scope.limit, scope=report.scope, scope_id=report.scope_id
        )
    except PermissionDenied:
        return False
    return True


@require_POST
@dashboard_access
def report_ask(request):
    period = Period.objects.filter(pk=_digits(request.POST.get("periode"))).first()
    if period is None:
        raise Http404(_("No such period."))
    try:
        report, _created = report_request(
            acting_user=request.user,
            scope=request.POST.get("scope", ""),
            scope_id=_digits(request.POST.get("scope_id")),
            period=period,
            fmt=request.POST.get("fmt", ""),
            scope_limit=request.scope.limit,
        )
    except PermissionDenied:
        return forbidden(request)
    except ValidationError:
        raise Http404(_("No such report.")) from None
    except BrokerUnavailable:
        return broker_unavailable(request)
    except TooManyRequests as error:
        return too_many_requests(request, error)
    return redirect("report_detail", report_id=report.pk)


@dashboard_access
def report_detail(request, report_id: int):
    report = get_object_or_404(ReportFile.objects.select_related("period"), pk=report_id)
    if not _visible(request, report):
        return forbidden(request)
    watching = report.state in (ReportState.PENDING, ReportState.RUNNING)
    return render(
        request,
        "reports/report_detail.html",
        {
            **nav_context(request, "reports"),
            "report": report,
            "subject": _subject_name(report, request.tenant),
            "period_label": period_label(report.period),
            "watching": watching,
            "done": report.state == ReportState.DONE,
        },
    )


@dashboard_access
def report_download(request, report_id: int):
    report = get_object_or_404(ReportFile, pk=report_id)
    if not _visible(request, report):
        return forbidden(request)
    if report.state != ReportState.DONE or not report.file:
        raise Http404(_("This report is not ready yet."))
    return FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=download_name(report, request.tenant),
    )


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def _settings_save(request, form: ReportSettingsForm) -> None:
    """Every change of the form, or none of them (a refused picture keeps the rest unsaved)."""
    given = form.cleaned_data
    foreword = given["foreword"]
    with transaction.atomic():
        report_settings_update(
            acting_user=request.user,
            signatory_name=given["signatory_name"],
            signatory_position=given["signatory_position"],
            signatory_nip=given["signatory_nip"],
            foreword="" if _same_text(foreword, FOREWORD_DEFAULT) else foreword,
        )
        if given["coat_of_arms"]:
            data = given["coat_of_arms"].read(MAX_BYTES + 1)
            report_coat_of_arms_set(acting_user=request.user, data=data)
        elif given["coat_of_arms_remove"]:
            report_coat_of_arms_remove(acting_user=request.user)


@dashboard_access
def report_settings_page(request):
    if not request.scope.regency_admin:
        return forbidden(request)
    settings = report_settings()
    initial = {
        "signatory_name": settings.signatory_name,
        "signatory_position": settings.signatory_position,
        "signatory_nip": settings.nip_printed,
        "foreword": settings.foreword or FOREWORD_DEFAULT,
    }
    form = ReportSettingsForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            _settings_save(request, form)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The report settings are saved: new reports use them."))
            return redirect("report_settings")
    return render(
        request,
        "reports/settings.html",
        {"form": form, "arms": coat_of_arms_uri(settings), "regency": request.tenant},
    )
