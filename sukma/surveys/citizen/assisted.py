"""Assisted entry: an operator fills in the survey for a respondent who asks for help.

For the elderly, the visually impaired, people who cannot read: the
operator reads the questions aloud and enters the answers on the citizen's
own form. The response is stored with channel "assisted" and the
operator's user id (entered_by), shown as "dibantu petugas", and counted as
its own channel. Like a kiosk's, each one is a new respondent: no device or
address rule applies.

Signed-in regency admins (any service point) and agency operators (their
agency's service points) only; anyone else signed in gets a 403.
"""

from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from sukma.access.decorators import regency_staff
from sukma.forms import whole_number
from sukma.surveys.citizen.views import counter_form, form_context
from sukma.surveys.models import Channel, Response, ServicePoint


def _forbidden(request):
    return render(request, "surveys/admin/forbidden.html", status=403)


# Regency admins and agency operators of this regency; request.scope says where.
staff_only = regency_staff(_forbidden)


def _point_in_scope(request, code: str) -> ServicePoint | None:
    point = get_object_or_404(
        ServicePoint.objects.select_related("agency", "default_service"),
        code=code.strip().upper()[:16],
        active=True,
    )
    return point if request.scope.sees_agency(point.agency_id) else None


@require_GET
@staff_only
def assisted_choose(request):
    """The service points this user may enter responses for."""
    points = ServicePoint.objects.filter(active=True, agency__active=True).select_related("agency")
    if request.scope.limit is not None:
        points = points.filter(agency_id__in=request.scope.limit)
    points = points.order_by("agency__name", "name")
    return render(request, "surveys/citizen/assisted_choose.html", {"points": points})


@require_http_methods(["GET", "POST"])
@staff_only
def assisted_survey(request, code: str):
    point = _point_in_scope(request, code)
    if point is None:
        return render(request, "surveys/admin/forbidden.html", status=403)
    data = request.POST if request.method == "POST" else None
    form, services = counter_form(point, data)
    status = 200
    if data is not None:
        if form.parse():
            stored = _store(request, form, point)
            if stored is not None:
                done = reverse("assisted_done", kwargs={"code": point.code})
                return HttpResponseRedirect(f"{done}?jawaban={stored.pk}")
        status = 400
    context = {**form_context(point, form, services, data), "assisted": True}
    return render(request, "surveys/citizen/assisted.html", context, status=status)


def _store(request, form, point):
    """The response as the operator's entry, or None with the refusal put on the form."""
    return form.store(
        service_point_code=point.code, channel=Channel.ASSISTED, entered_by=request.user.pk
    )


def _tracking_code(request, point: ServicePoint) -> str:
    """The code of the response this user just entered here (named in the address), or ""."""
    given = whole_number(request.GET.get("jawaban"))
    if given is None:
        return ""
    entered = Response.objects.filter(
        pk=given, entered_by=request.user.pk, service_point=point
    ).values_list("tracking_code", flat=True)
    return entered.first() or ""


@require_GET
@staff_only
def assisted_done(request, code: str):
    point = _point_in_scope(request, code)
    if point is None:
        return render(request, "surveys/admin/forbidden.html", status=403)
    tracking_code = _tracking_code(request, point)
    context = {
        "point": point,
        "tracking_code": tracking_code,
        "tracking_url": request.build_absolute_uri(f"/lacak/{tracking_code}")
        if tracking_code
        else "",
    }
    return render(request, "surveys/citizen/assisted_done.html", context)
