"""Reads behind the dashboards and the public results page.

Everything that is an index still comes from sukma.surveys.selectors (the
daily totals and the IKM engine); this module only adds what the pages
need around it: the monthly trend in one query, the periods to pick from,
the flagged responses to moderate.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from sukma.surveys.method.ikm import ElementTotals
from sukma.surveys.models import Flag, MonthlyServiceTotals, Period, PeriodKind, Response
from sukma.surveys.selectors import (
    SUMS,
    Figure,
    current_period,
    make_figure,
    weight_policy,
)

FLAGS = (Flag.BURST, Flag.UNSTAMPED, Flag.BUSY, Flag.IDENTICAL, Flag.FAST, Flag.PACE)


@dataclass(frozen=True)
class MonthFigure:
    month: datetime.date
    """The first day of the month."""
    figure: Figure


def _month_starts(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return months


def monthly_figures(
    start: datetime.date,
    end: datetime.date,
    *,
    agency_id: int | None = None,
    service_id: int | None = None,
    until: datetime.date | None = None,
    policy: str | None = None,
) -> list[MonthFigure]:
    """One figure per calendar month from start to end (not past `until`, today), in one query.

    Months come from the calendar, not from Period rows, so a regency that
    created only its year still gets a monthly trend. A month without
    responses has an empty figure (no IKM), so gaps show as gaps. `policy`
    is that of the figure the months stand beside (today's by default).
    """
    until = min(end, until or timezone.localdate())
    if until < start:
        return []
    # Month rows hold whole months; no response is dated after today, so the current
    # month's row is exactly "up to today".
    rows = MonthlyServiceTotals.objects.filter(month__gte=start.replace(day=1), month__lte=until)
    if agency_id is not None:
        rows = rows.filter(service__agency_id=agency_id)
    if service_id is not None:
        rows = rows.filter(service_id=service_id)
    rows = rows.values("month").annotate(**SUMS).order_by()
    by_month = {
        row["month"]: ElementTotals.from_aggregate(row, responses_key="responses") for row in rows
    }
    policy = policy or weight_policy()
    return [
        MonthFigure(month, make_figure(by_month.get(month, ElementTotals.empty()), None, policy))
        for month in _month_starts(start, until)
    ]


def periods_for_picker() -> list[Period]:
    """Every period, years first within a year, newest year first."""
    order = {PeriodKind.YEAR: 0, PeriodKind.SEMESTER: 1, PeriodKind.QUARTER: 2, PeriodKind.MONTH: 3}
    periods = list(Period.objects.all())
    return sorted(periods, key=lambda p: (-p.year, order[p.kind], p.number))


def default_period() -> Period | None:
    """The current year; else the latest year that has begun; else the latest period."""
    today = timezone.localdate()
    return (
        current_period(PeriodKind.YEAR)
        or Period.objects.filter(kind=PeriodKind.YEAR, starts_on__lte=today)
        .order_by("-starts_on")
        .first()
        or Period.objects.filter(starts_on__lte=today).order_by("-starts_on", "ends_on").first()
        or Period.objects.order_by("starts_on").first()
    )


def flagged_responses(
    *,
    agency_ids: frozenset[int] | None = None,
    agency_id: int | None = None,
    flag: str = "",
    status: str = "",
) -> QuerySet[Response]:
    """Responses with a flag, or excluded: what an admin reviews. Newest first.

    agency_ids limits to an operator's agencies (None: the whole regency);
    status is "counted", "held" (waiting for a moderator), "excluded" (held or not) or ""
    for all.
    """
    responses = Response.objects.filter(~Q(flags=[]) | Q(excluded=True)).select_related(
        "service", "service__agency", "service_point"
    )
    if agency_ids is not None:
        responses = responses.filter(service__agency_id__in=agency_ids)
    if agency_id is not None:
        responses = responses.filter(service__agency_id=agency_id)
    if flag in FLAGS:
        responses = responses.filter(flags__contains=[flag])
    if status == "counted":
        responses = responses.filter(excluded=False)
    elif status == "held":
        responses = responses.filter(held=True)
    elif status == "excluded":
        responses = responses.filter(excluded=True)
    return responses.order_by("-submitted_at", "-id")


def held_count(agency_ids: frozenset[int] | None = None) -> int:
    """How many responses wait for a moderator (held: they count nowhere until admitted)."""
    held = Response.objects.filter(held=True)
    if agency_ids is not None:
        held = held.filter(service__agency_id__in=agency_ids)
    return held.count()
