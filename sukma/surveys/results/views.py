"""What anyone reads on a regency's site without signing in: its front page and its results.

The results page (/hasil/) shows every agency's and service's IKM and grade
for the current year and the last closed year, with response counts and
sample adequacy. A figure whose sample falls short is shown with that flag,
never hidden. Numbers come from the same selectors as the dashboards, so the
two always agree.

Each agency is a <details> whose summary holds its figure and grade, its
services inside, so a phone shows the whole list before anything is opened.
A GET search (?q=, no JavaScript) keeps the agencies whose name matches (with
every service) and the services whose name matches (with their agency, opened);
any text is accepted and an empty result says so.
"""

from django.shortcuts import render
from django.utils.translation import gettext as _

from sukma.access.permissions import scope_for
from sukma.forms import matches, search_text, search_words
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
from sukma.tenants.replicas import replica_reads


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


def agencies_matching(agencies: list[dict], words: list[str]) -> list[dict]:
    """The agencies a search finds: by their own names with every service, or by a service's
    name (with the agency's) with only those services; each found one is shown opened."""
    if not words:
        return agencies
    found = []
    for item in agencies:
        agency = item["agency"]
        names = (agency.name, agency.short_name)
        if matches(words, *names):
            found.append({**item, "open": True})
            continue
        services = [sv for sv in item["services"] if matches(words, sv["service"].name, *names)]
        if services:
            found.append({**item, "services": services, "open": True})
    return found


@replica_reads
def public_results(request):
    query = search_text(request.GET.get("q"))
    words = search_words(query)
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
    for section in sections:
        section["agencies"] = agencies_matching(section["agencies"], words)
    return render(
        request,
        "surveys/public/results.html",
        {
            "regency": request.tenant,
            "query": query,
            "searching": bool(words),
            "found": any(section["agencies"] for section in sections),
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
