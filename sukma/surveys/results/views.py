"""What anyone reads on a regency's site without signing in: its front page and its results.

The results page (/hasil/) shows every agency's and service's IKM and grade
for the current year and the last closed year, with response counts and
sample adequacy. A figure whose sample falls short is shown with that flag,
never hidden. Numbers come from the same selectors as the dashboards, so the
two always agree.
"""

from django.shortcuts import render
from django.utils.translation import gettext as _

from sukma.access.permissions import scope_for
from sukma.surveys.dashboard.views import period_label
from sukma.surveys.method.ikm import Mutu
from sukma.surveys.models import PeriodKind
from sukma.surveys.selectors import (
    agency_figures,
    current_period,
    last_closed_period,
    regency_figure,
    service_figures,
)


def period_section(period, *, key: str, heading: str) -> dict:
    services_of: dict[int, list] = {}
    for service, figure in service_figures(period):
        services_of.setdefault(service.agency_id, []).append({"service": service, "figure": figure})
    return {
        "key": key,
        "heading": heading,
        "period": period,
        "label": period_label(period),
        "figure": regency_figure(period),
        "agencies": [
            {"agency": agency, "figure": figure, "services": services_of.get(agency.pk, [])}
            for agency, figure in agency_figures(period)
        ],
    }


def public_results(request):
    current = current_period(PeriodKind.YEAR)
    closed = last_closed_period(PeriodKind.YEAR)
    sections = []
    if current is not None:
        sections.append(
            period_section(current, key="berjalan", heading=_("Current period (still open)"))
        )
    if closed is not None:
        sections.append(
            period_section(closed, key="final", heading=_("Last closed period (final)"))
        )
    return render(
        request,
        "surveys/public/results.html",
        {
            "regency": request.tenant,
            "sections": sections,
            "current": current,
            "closed": closed,
            "bounds": {m.value: m.lower_bound for m in (Mutu.A, Mutu.B, Mutu.C)},
        },
    )


def regency_home(request):
    """The regency's front page: the public results for everyone, the dashboard for its staff."""
    regency = request.tenant
    return render(
        request,
        "surveys/regency_home.html",
        {"regency": regency, "scope": scope_for(request.user, regency)},
    )
