"""The provincial rankings on the base domain: the dashboard, drill-down, refresh, downloads,
and the public results page.

Province admins see every ranking for any period and drill down from the
province to a regency, an agency and a service; anyone may read the public
results (regencies, agency kinds collapsed, a search over agencies and services).
Every number comes from sukma.platform.rankings.ranking; these views only pick
and show.
"""

import datetime
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from sukma.errors import BrokerUnavailable, TooManyRequests, broker_unavailable, too_many_requests
from sukma.forms import matches, search_text, search_words
from sukma.platform.rankings import exports, services
from sukma.platform.rankings.models import (
    RefreshKind,
    RefreshRun,
    RollupAgency,
    RollupService,
    RunState,
)
from sukma.platform.rankings.ranking import (
    AGENCY,
    LEVEL_LABELS,
    LEVELS,
    REGENCY,
    SERVICE,
    RankPeriod,
    agency_services,
    default_period,
    ranking_read,
    regency_agencies,
    regency_figure,
    service_detail,
    standard_names,
)
from sukma.platform.rankings.services import refresh_progress, refresh_request
from sukma.platform.views.access import province_admin_required
from sukma.surveys.province import PeriodKind
from sukma.tenants.models import Domain, Regency
from sukma.tenants.naming import url_for_host
from sukma.tenants.replicas import replica_reads


# ---------------------------------------------------------------- choosing
def period_options(chosen: RankPeriod, today: datetime.date | None = None) -> list[dict]:
    """Years, semesters, quarters and months of this year and the two before, newest first."""
    today = today or timezone.localdate()
    options = []
    for year in range(today.year, today.year - 3, -1):
        periods = [RankPeriod(PeriodKind.YEAR, year)]
        periods += [RankPeriod(PeriodKind.SEMESTER, year, n) for n in (2, 1)]
        periods += [RankPeriod(PeriodKind.QUARTER, year, n) for n in (4, 3, 2, 1)]
        periods += [RankPeriod(PeriodKind.MONTH, year, n) for n in range(12, 0, -1)]
        options += [
            {"key": p.key, "label": p.label, "selected": p == chosen}
            for p in periods
            if p.bounds[0] <= today or p == chosen
        ]
    if not any(o["selected"] for o in options):
        options.insert(0, {"key": chosen.key, "label": chosen.label, "selected": True})
    return options


def chosen(request) -> tuple[RankPeriod, str, str | None]:
    """Period, level and standard code from the query string (?periode=&tingkat=&jenis=)."""
    try:
        period = RankPeriod.parse(request.GET["periode"])
    except (KeyError, ValidationError):
        period = default_period()
    level = request.GET.get("tingkat", REGENCY)
    if level not in LEVELS:
        level = REGENCY
    code = request.GET.get("jenis") or None
    if level == REGENCY or code not in standard_names(level):
        code = None
    return period, level, code


def _query(period, level=REGENCY, code=None) -> str:
    params = {"periode": period.key, "tingkat": level}
    if code:
        params["jenis"] = code
    return urlencode(params)


def _read(period, level, code):
    try:
        return ranking_read(period=period, level=level, kind=code)
    except ValidationError as error:
        raise Http404(error.messages[0]) from None


def _grouped(ranking) -> list[dict]:
    """Rows of a many-code ranking grouped by code, in the order they come."""
    groups: list[dict] = []
    for row in ranking.rows_for_display():
        if not groups or groups[-1]["code"] != row.get("code"):
            groups.append({"code": row.get("code"), "name": row["standard_name"], "rows": []})
        groups[-1]["rows"].append(row)
    return groups


# ---------------------------------------------------------------- the dashboard
@province_admin_required
@replica_reads
def rankings(request):
    period, level, code = chosen(request)
    ranking = _read(period, level, code)
    latest = RefreshRun.objects.first()
    context = {
        "period": period,
        "periods": period_options(period),
        "level": level,
        "levels": [(value, LEVEL_LABELS[value]) for value in LEVELS],
        "code": code,
        "codes": sorted(standard_names(level).items(), key=lambda item: item[1]),
        "ranking": ranking,
        "groups": _grouped(ranking),
        "query": _query(period, level, code),
        "period_query": urlencode({"periode": period.key}),
        "latest_run": latest,
        "drill": True,
    }
    return render(request, "platform/rankings.html", context)


@province_admin_required
@replica_reads
def ranking_download(request, fmt: str):
    period, level, code = chosen(request)
    ranking = _read(period, level, code)
    if fmt == "xlsx":
        body = exports.ranking_xlsx(ranking)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, content_type = exports.ranking_csv(ranking), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(ranking, fmt)}"'
    return response


# ---------------------------------------------------------------- drill-down
@province_admin_required
@replica_reads
def ranking_regency(request, pk: int):
    regency = get_object_or_404(Regency, pk=pk)
    period, _level, _code = chosen(request)
    context = {
        "regency": regency,
        "period": period,
        "periods": period_options(period),
        "figure": regency_figure(period, regency),
        "agencies": regency_agencies(period, regency),
        "period_query": urlencode({"periode": period.key}),
    }
    return render(request, "platform/ranking_regency.html", context)


@province_admin_required
@replica_reads
def ranking_agency(request, pk: int, agency_id: int):
    regency = get_object_or_404(Regency, pk=pk)
    agency = get_object_or_404(RollupAgency, regency=regency, agency_id=agency_id)
    period, _level, _code = chosen(request)
    context = {
        "regency": regency,
        "agency": agency,
        "kind_name": standard_names(AGENCY).get(agency.standard_kind),
        "period": period,
        "periods": period_options(period),
        "services": agency_services(period, regency, agency_id),
        "period_query": urlencode({"periode": period.key}),
    }
    return render(request, "platform/ranking_agency.html", context)


@province_admin_required
@replica_reads
def ranking_service(request, pk: int, service_id: int):
    regency = get_object_or_404(Regency, pk=pk)
    service = get_object_or_404(RollupService, regency=regency, service_id=service_id)
    agency = get_object_or_404(RollupAgency, regency=regency, agency_id=service.agency_id)
    period, _level, _code = chosen(request)
    context = {
        "regency": regency,
        "agency": agency,
        "service": service,
        "period": period,
        "periods": period_options(period),
        "detail": service_detail(period, regency, service),
        "period_query": urlencode({"periode": period.key}),
        "service_query": _query(period, SERVICE, service.standard_service or None),
    }
    return render(request, "platform/ranking_service.html", context)


# ---------------------------------------------------------------- refresh
@province_admin_required
@require_POST
def ranking_refresh(request):
    kind = request.POST.get("kind", RefreshKind.INCREMENTAL)
    if kind not in RefreshKind.values:
        kind = RefreshKind.INCREMENTAL
    try:
        run, created = refresh_request(acting_user=request.user, kind=kind)
    except TooManyRequests as error:
        return too_many_requests(request, error)
    if not created:
        messages.info(request, services.REFRESH_JOINED)
        return redirect("ranking_refresh_progress", pk=run.pk)
    try:
        services.refresh_send(run)
    except BrokerUnavailable:
        return broker_unavailable(request)
    return redirect("ranking_refresh_progress", pk=run.pk)


@province_admin_required
def ranking_refresh_progress(request, pk):
    run = get_object_or_404(RefreshRun, pk=pk)
    progress = refresh_progress(run)
    context = {
        "run": run,
        "progress": progress,
        "watching": run.state in {RunState.PENDING, RunState.RUNNING},
        "done": run.state == RunState.DONE,
    }
    return render(request, "platform/ranking_refresh.html", context)


# ---------------------------------------------------------------- public
FOUND_SHOWN = 100  # rows of each kind a search lists; the page says when there are more


def _figures(row: dict) -> dict:
    """A stored row with its figures as Decimals, for the num filter (stored as text)."""
    decimal = {k: Decimal(row[k]) for k in ("konversi", "change") if row.get(k) is not None}
    return {**row, **decimal}


def _regency_urls(regency_ids) -> dict[int, str]:
    """Each regency's public results on its own site (its primary domain)."""
    domains = Domain.objects.filter(tenant_id__in=regency_ids, is_primary=True)
    return {d.tenant_id: url_for_host(d.domain, "/hasil/") for d in domains}


def _kind_groups(agencies) -> list[dict]:
    """Every agency kind's ranking, with what its collapsed summary shows: how many agencies,
    how many ranked, and the lowest and highest figure."""
    groups = []
    for group in _grouped(agencies):
        rows = [_figures(row) for row in group["rows"]]
        values = [row["konversi"] for row in rows if row.get("konversi") is not None]
        groups.append(
            {
                **group,
                "rows": rows,
                "ranked": sum(1 for row in rows if row["rank"] is not None),
                "low": min(values, default=None),
                "high": max(values, default=None),
            }
        )
    return groups


def _found(ranking, words, *names) -> dict:
    rows = [
        _figures(row)
        for row in ranking.rows_for_display()
        if matches(words, *(row.get(name) or "" for name in names))
    ]
    return {"rows": rows[:FOUND_SHOWN], "total": len(rows), "more": len(rows) > FOUND_SHOWN}


@replica_reads
def province_results(request):
    """Anyone: every regency in one line each, every agency kind's ranking collapsed, and a
    search (?q=) over regencies, agencies and services; figures as the rankings hold them."""
    period, _level, _code = chosen(request)
    query = search_text(request.GET.get("q"))
    words = search_words(query)
    regencies = ranking_read(period=period, level=REGENCY)
    rows = regencies.rows_for_display()
    urls = _regency_urls([row["regency_id"] for row in rows])
    regency_rows = [{**_figures(row), "results_url": urls.get(row["regency_id"])} for row in rows]
    context = {
        "period": period,
        "periods": period_options(period),
        "regency_rows": regency_rows,
        "ranking": regencies,
        "query": query,
        "searching": bool(words),
        "keep": [("periode", period.key)],
        "clear_query": urlencode({"periode": period.key}),
    }
    agencies = ranking_read(period=period, level=AGENCY)
    if not words:
        context["groups"] = _kind_groups(agencies)
        return render(request, "platform/province_results.html", context)
    found = {
        "regencies": [row for row in regency_rows if matches(words, row["regency_name"])],
        "agencies": _found(
            agencies, words, "agency_name", "agency_short_name", "regency_name", "standard_name"
        ),
        "services": _found(
            ranking_read(period=period, level=SERVICE), words, "name", "standard_name"
        ),
    }
    context["results"] = found
    context["found"] = bool(
        found["regencies"] or found["agencies"]["total"] or found["services"]["total"]
    )
    return render(request, "platform/province_results.html", context)
