"""The provincial rankings: regencies, agencies and services of one standard code.

Read side of the rollup. Every figure comes from RollupMonth (per regency,
service and month) summed by PostgreSQL and turned into an index by
sukma.surveys.method.ikm.compute_ikm; nothing here touches a regency's schema.

Method
------

Period
    Any month, quarter, semester or year (:class:`RankPeriod`, written
    ``quarter:2026:3``): a whole-month date range (period_bounds), so the
    month rows cover it exactly.

Weight policy
    Every provincial figure uses the *exact* policy (1/9 per element, 1/k
    over the k answered elements), whatever weight a regency chose for its
    own pages: regencies are only comparable on one scale, and the legacy
    0.11 weights exist only to reconcile old spreadsheets. Every ranking
    says so (``Ranking.policy``).

Index of a group
    Totals add, indexes do not: an agency's (a regency's) index is computed
    from the sum of its services' element totals, never from an average of
    their indexes. Totals include every service's rows (a service switched
    off mid-year still counted while it served), as the regency's own
    dashboard does.

Sample target and adequacy
    Krejcie & Morgan of the expected users in the period: each active
    service's annual users scaled to the period's months, half-up and at least 1
    (sukma.surveys.method.sampling.period_users), summed over a group's services
    (group_users): the method's rule, which the regency's own pages use too, so
    both show the same target for an open period. Unknown users: the
    infinite-population target 384.

Ranked or not
    A row is shown whatever its sample, but only ranked when it has an index
    and its responses reach the target. Otherwise its rank is None and
    ``unranked_reason`` says why: ``no_responses``, ``no_index`` (responses
    without a single element answered) or ``short_sample`` (with the numbers).

Ties
    Ranked rows are ordered by konversi rounded to two decimals, the
    published figure; equal figures share a rank and the next rank skips
    (standard competition ranking: 1, 2, 2, 4). Within a tie, rows are listed
    by name.

Change
    Against the previous period of the same length (Q1 2026 against Q4 2025,
    2026 against 2025, January against the December before): konversi now
    minus konversi then, both rounded, None when either has no index.

Who is in
    Active regencies (status active) only. Agency level: active agencies
    mapped to an active standard kind, in active regencies. Service level:
    active services of active agencies mapped to an active standard service.

Storage and reads
-----------------

:func:`rankings_recompute` computes every level of the chosen periods and
stores each ranking whole in one RankingSnapshot row (period, level,
standard code), replacing a period's rows in one transaction: readers see
the old ranking or the new one, never half. :func:`ranking_read` is one
indexed SELECT of those rows (a few hundred kilobytes of JSON at 514
regencies) and computes and stores a period on demand the first time it is
asked for. Snapshots live in PostgreSQL rather than Redis: they survive a
broker flush, need no second store in the embedded setup, and a ranking is
then what the last refresh computed, the same for the page, the public page,
the downloads and the API.

Drill-down figures (one regency's agencies, one agency's services, one
service's months) are small and computed on request from the rollup
(:func:`regency_agencies`, :func:`agency_services`, :func:`service_detail`),
each row carrying its provincial rank read from the snapshot.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sukma.forms import whole_number
from sukma.platform.rankings.models import (
    RankingSnapshot,
    RollupAgency,
    RollupMonth,
    RollupService,
)
from sukma.standards.models import StandardAgencyKind, StandardService
from sukma.surveys.method.ikm import ElementTotals, IkmResult, WeightPolicy, compute_ikm
from sukma.surveys.method.sampling import group_users, period_users, sample_adequacy
from sukma.surveys.province import (
    ELEMENT_FIELDS,
    PERIOD_MONTHS,
    PERIODS_IN_YEAR,
    PeriodKind,
    period_bounds,
)
from sukma.tenants.models import Regency, RegencyStatus

POLICY = WeightPolicy.EXACT

REGENCY, AGENCY, SERVICE = "regency", "agency", "service"
LEVELS = (REGENCY, AGENCY, SERVICE)
LEVEL_LABELS = {
    REGENCY: gettext_lazy("Regencies and cities"),
    AGENCY: gettext_lazy("Agencies"),
    SERVICE: gettext_lazy("Services"),
}

NO_RESPONSES, NO_INDEX, SHORT_SAMPLE = "no_responses", "no_index", "short_sample"

SUMS = {
    "responses": Sum("responses"),
    **{f"{f}_{k}": Sum(f"{f}_{k}") for f in ELEMENT_FIELDS for k in ("sum", "count")},
}


# ====================================================================== periods
@dataclass(frozen=True, order=True)
class RankPeriod:
    """A ranking period: ``RankPeriod("quarter", 2026, 3)``, written ``quarter:2026:3``."""

    kind: str
    year: int
    number: int = 1

    def __post_init__(self) -> None:
        try:
            period_bounds(self.kind, self.year, self.number)
        except ValidationError as error:
            raise ValidationError({"period": error.messages}) from None

    @classmethod
    def parse(cls, text: str) -> RankPeriod:
        """From ``kind:year:number`` (``year:2026`` for a year), e.g. ``quarter:2026:3``."""
        parts = (text or "").strip().split(":")
        if len(parts) == 2 and parts[0] == PeriodKind.YEAR:
            parts.append("1")
        numbers = [whole_number(part) for part in parts[1:]]
        if len(parts) != 3 or None in numbers:
            raise ValidationError(
                {
                    "period": _(
                        "Write the period as kind:year:number, for example quarter:2026:3 "
                        "or year:2026."
                    )
                }
            )
        return cls(parts[0], *numbers)

    @classmethod
    def coerce(cls, value: RankPeriod | str) -> RankPeriod:
        return value if isinstance(value, RankPeriod) else cls.parse(value)

    @classmethod
    def containing(cls, kind: str, day: datetime.date) -> RankPeriod:
        span = PERIOD_MONTHS[kind]
        return cls(kind, day.year, (day.month - 1) // span + 1)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.year}:{self.number}"

    @property
    def bounds(self) -> tuple[datetime.date, datetime.date]:
        return period_bounds(self.kind, self.year, self.number)

    @property
    def months(self) -> int:
        return PERIOD_MONTHS[self.kind]

    def previous(self) -> RankPeriod:
        """The period of the same length just before: Q1 2026 -> Q4 2025, 2026 -> 2025."""
        if self.number > 1:
            return RankPeriod(self.kind, self.year, self.number - 1)
        return RankPeriod(self.kind, self.year - 1, PERIODS_IN_YEAR[self.kind])

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.YEAR:
            return str(self.year)
        if self.kind == PeriodKind.MONTH:
            return f"{self.year}-{self.number:02d}"
        if self.kind == PeriodKind.QUARTER:
            return _("Quarter %(number)s %(year)s") % {"number": self.number, "year": self.year}
        return _("Semester %(number)s %(year)s") % {"number": self.number, "year": self.year}

    def __str__(self) -> str:
        return self.key


def default_periods(today: datetime.date | None = None) -> list[RankPeriod]:
    """The periods a refresh recomputes by default: for each kind, today's and the one before."""
    today = today or timezone.localdate()
    periods = set()
    for kind in PERIODS_IN_YEAR:
        current = RankPeriod.containing(kind, today)
        periods.update({current, current.previous()})
    return sorted(periods)


def default_period(today: datetime.date | None = None) -> RankPeriod:
    """What the pages show first: the current year."""
    return RankPeriod.containing(PeriodKind.YEAR, today or timezone.localdate())


# ====================================================================== rows
def reason_text(row: dict) -> str:
    """Why a row is not ranked, in the reader's language ('' for a ranked row)."""
    reason = row.get("unranked_reason")
    if reason == NO_RESPONSES:
        return _("Not ranked: no responses in this period.")
    if reason == NO_INDEX:
        return _("Not ranked: no element was answered.")
    if reason == SHORT_SAMPLE:
        return _(
            "Not ranked: sample too small, %(responses)s of %(target)s responses "
            "(%(shortfall)s more needed)."
        ) % {
            "responses": row["responses"],
            "target": row["target"],
            "shortfall": row["shortfall"],
        }
    return ""


def _figure(totals: ElementTotals, population: int | None) -> tuple[IkmResult, dict]:
    result = compute_ikm(totals, POLICY)
    adequacy = sample_adequacy(totals.responses or 0, population)
    reason = None
    if not adequacy.responses:
        reason = NO_RESPONSES
    elif result.konversi is None:
        reason = NO_INDEX
    elif adequacy.short:
        reason = SHORT_SAMPLE
    values = {
        "ikm": _s(result.ikm),
        "konversi": _s(result.konversi),
        "mutu": None if result.mutu is None else str(result.mutu),
        "complete": result.complete,
        "missing_elements": list(result.missing_elements) if result.konversi else [],
        "responses": adequacy.responses,
        "population": adequacy.population if adequacy.population_known else None,
        "target": adequacy.target,
        "margin_of_error": _s(adequacy.margin_of_error),
        "short": adequacy.short,
        "shortfall": adequacy.shortfall,
        "unranked_reason": reason,
        "rank": None,
    }
    return result, values


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def assign_ranks(rows: list[dict]) -> list[dict]:
    """Rank rows in place and return them in display order.

    Rows without an ``unranked_reason`` are ranked by konversi (a 2-decimal
    string), highest first; equal konversi share a rank (1, 2, 2, 4). Unranked
    rows follow, highest konversi first, rows without an index last.
    """

    def name(row):
        return (row.get("name") or "").casefold()

    ranked = [r for r in rows if r["unranked_reason"] is None]
    others = [r for r in rows if r["unranked_reason"] is not None]
    ranked.sort(key=lambda r: (-Decimal(r["konversi"]), name(r)))
    previous, rank = None, 0
    for position, row in enumerate(ranked, start=1):
        value = Decimal(row["konversi"])
        if value != previous:
            rank, previous = position, value
        row["rank"] = rank
    for row in others:
        row["rank"] = None
    others.sort(
        key=lambda r: (
            r["konversi"] is None,
            -Decimal(r["konversi"] or 0),
            name(r),
        )
    )
    return ranked + others


def _population(annual_users: Iterable[int | None], months: int) -> int | None:
    """Expected users in a period: the method's rule, as the regency's pages apply it."""
    return group_users(period_users(n, months) for n in annual_users)


def _change(now: str | None, before: str | None) -> str | None:
    if now is None or before is None:
        return None
    return str(Decimal(now) - Decimal(before))


# ====================================================================== the computation
@dataclass
class _Directory:
    """Who is in the ranking, read once per recompute."""

    regencies: dict[int, Regency]
    agencies: dict[tuple[int, int], RollupAgency]
    services: dict[tuple[int, int], RollupService]
    services_of_agency: dict[tuple[int, int], list[RollupService]]
    services_of_regency: dict[int, list[RollupService]]
    kinds: dict[str, StandardAgencyKind]
    standard_services: dict[str, StandardService]

    @classmethod
    def load(cls) -> _Directory:
        regencies = {r.pk: r for r in Regency.objects.filter(status=RegencyStatus.ACTIVE)}
        agencies = {
            (a.regency_id, a.agency_id): a
            for a in RollupAgency.objects.filter(active=True, regency_id__in=regencies)
        }
        services, of_agency, of_regency = {}, defaultdict(list), defaultdict(list)
        for s in RollupService.objects.filter(active=True, regency_id__in=regencies):
            if (s.regency_id, s.agency_id) not in agencies:
                continue
            services[(s.regency_id, s.service_id)] = s
            of_agency[(s.regency_id, s.agency_id)].append(s)
            of_regency[s.regency_id].append(s)
        kinds = {k.code: k for k in StandardAgencyKind.objects.filter(active=True)}
        standard_services = {
            s.code: s
            for s in StandardService.objects.filter(active=True, standard_kind__active=True)
        }
        return cls(regencies, agencies, services, of_agency, of_regency, kinds, standard_services)


def _totals_by(period: RankPeriod, *group: str, **filters) -> dict:
    start, end = period.bounds
    rows = (
        RollupMonth.objects.filter(month__gte=start, month__lte=end, **filters)
        .values(*group)
        .annotate(**SUMS)
        .order_by()
    )
    result = {}
    for row in rows:
        key = tuple(row[g] for g in group)
        result[key if len(key) > 1 else key[0]] = ElementTotals.from_aggregate(
            row, responses_key="responses"
        )
    return result


@dataclass
class _Computed:
    """Every level of one period: rows by level and code, before ranking."""

    period: RankPeriod
    levels: dict[tuple[str, str], list[dict]] = field(default_factory=dict)

    def konversi(self) -> dict[tuple[str, str, tuple], str | None]:
        return {
            (level, code, _row_key(level, row)): row["konversi"]
            for (level, code), rows in self.levels.items()
            for row in rows
        }


def _row_key(level: str, row: dict) -> tuple:
    if level == REGENCY:
        return (row["regency_id"],)
    if level == AGENCY:
        return (row["regency_id"], row["agency_id"])
    return (row["regency_id"], row["service_id"])


def _compute(period: RankPeriod, directory: _Directory) -> _Computed:
    empty = ElementTotals.empty()
    months = period.months
    regency_ids = list(directory.regencies)
    computed = _Computed(period)

    per_regency = _totals_by(period, "regency_id", regency_id__in=regency_ids)
    rows = []
    for regency in directory.regencies.values():
        users = (s.annual_users for s in directory.services_of_regency.get(regency.pk, []))
        _, values = _figure(per_regency.get(regency.pk, empty), _population(users, months))
        rows.append(
            {
                "regency_id": regency.pk,
                "regency_name": regency.name,
                "regency_code": regency.region_code,
                "regency_kind": regency.kind,
                "name": regency.name,
                **values,
            }
        )
    computed.levels[(REGENCY, "")] = rows

    per_agency = _totals_by(period, "regency_id", "agency_id", regency_id__in=regency_ids)
    by_kind = {code: [] for code in directory.kinds}
    for key, agency in directory.agencies.items():
        if agency.standard_kind not in by_kind:
            continue
        users = (s.annual_users for s in directory.services_of_agency.get(key, []))
        _, values = _figure(per_agency.get(key, empty), _population(users, months))
        regency = directory.regencies[agency.regency_id]
        by_kind[agency.standard_kind].append(
            {
                "regency_id": regency.pk,
                "regency_name": regency.name,
                "regency_code": regency.region_code,
                "agency_id": agency.agency_id,
                "agency_name": agency.name,
                "agency_short_name": agency.short_name,
                "code": agency.standard_kind,
                "name": f"{agency.name} · {regency.name}",
                **values,
            }
        )
    for code, kind_rows in by_kind.items():
        computed.levels[(AGENCY, code)] = kind_rows

    mapped = {
        key: s for key, s in directory.services.items() if s.standard_service
    }  # only mapped services are summed per service
    per_service = (
        _totals_by(period, "regency_id", "service_id", regency_id__in=regency_ids) if mapped else {}
    )
    by_service = {code: [] for code in directory.standard_services}
    for key, service in mapped.items():
        if service.standard_service not in by_service:
            continue
        _, values = _figure(
            per_service.get(key, empty), _population([service.annual_users], months)
        )
        regency = directory.regencies[service.regency_id]
        agency = directory.agencies[(service.regency_id, service.agency_id)]
        by_service[service.standard_service].append(
            {
                "regency_id": regency.pk,
                "regency_name": regency.name,
                "regency_code": regency.region_code,
                "agency_id": agency.agency_id,
                "agency_name": agency.name,
                "agency_short_name": agency.short_name,
                "service_id": service.service_id,
                "service_name": service.name,
                "code": service.standard_service,
                "name": f"{service.name} · {agency.short_name or agency.name} · {regency.name}",
                **values,
            }
        )
    for code, service_rows in by_service.items():
        computed.levels[(SERVICE, code)] = service_rows
    return computed


def _finish(computed: _Computed, previous: _Computed) -> None:
    """Ranks, and the change against the previous period, in place."""
    before = previous.konversi()
    for (level, code), rows in computed.levels.items():
        for row in rows:
            was = before.get((level, code, _row_key(level, row)))
            row["previous_konversi"] = was
            row["change"] = _change(row["konversi"], was)
        computed.levels[(level, code)] = assign_ranks(rows)


def _store(computed: _Computed) -> int:
    period, now = computed.period, timezone.now()
    snapshots = [
        RankingSnapshot(
            period_kind=period.kind,
            year=period.year,
            number=period.number,
            level=level,
            code=code,
            policy=str(POLICY),
            rows=rows,
            computed_at=now,
        )
        for (level, code), rows in computed.levels.items()
    ]
    with transaction.atomic():
        RankingSnapshot.objects.filter(
            period_kind=period.kind, year=period.year, number=period.number
        ).delete()
        RankingSnapshot.objects.bulk_create(snapshots)
    return len(snapshots)


def rankings_recompute(*, periods: Iterable[RankPeriod | str] | None = None) -> int:
    """Compute and store every level of the periods; return the number of snapshots written.

    ``periods`` None: every period already stored, plus today's and the
    previous one of each kind (so the dashboard's first page is ready). Called by
    the refresh's final step in the public schema; idempotent.
    """
    if periods is None:
        stored = (
            RankingSnapshot.objects.values_list("period_kind", "year", "number")
            .distinct()
            .order_by()
        )
        wanted = set(default_periods()) | {RankPeriod(*p) for p in stored}
    else:
        wanted = {RankPeriod.coerce(p) for p in periods}
    directory = _Directory.load()
    cache: dict[RankPeriod, _Computed] = {}

    def computed_for(period: RankPeriod) -> _Computed:
        if period not in cache:
            cache[period] = _compute(period, directory)
        return cache[period]

    written = 0
    for period in sorted(wanted):
        computed = computed_for(period)
        previous = computed_for(period.previous())
        _finish(computed, previous)
        written += _store(computed)
        # The konversi of a finished period are what later periods compare with; the
        # rows now carry ranks and changes too, which konversi() ignores.
    return written


# ====================================================================== reads
@dataclass(frozen=True)
class Ranking:
    """One ranking as stored: rows in display order, each a plain dict."""

    period: RankPeriod
    level: str
    code: str | None
    policy: str
    computed_at: datetime.datetime | None
    rows: list[dict]
    names: dict[str, str]
    """Standard code -> its name, for the codes in rows."""

    @property
    def ranked(self) -> list[dict]:
        return [r for r in self.rows if r["rank"] is not None]

    def rows_for_display(self) -> list[dict]:
        """Rows with the reason written out and the standard's name (for pages and files)."""
        return [
            {**row, "reason": reason_text(row), "standard_name": self.names.get(row.get("code"))}
            for row in self.rows
        ]


def _check_level(level: str) -> str:
    if level not in LEVELS:
        raise ValidationError(
            {"level": _("Choose the level: regency, agency or service.")}, code="invalid"
        )
    return level


def standard_names(level: str) -> dict[str, str]:
    if level == AGENCY:
        return dict(StandardAgencyKind.objects.filter(active=True).values_list("code", "name"))
    if level == SERVICE:
        return dict(
            StandardService.objects.filter(active=True, standard_kind__active=True).values_list(
                "code", "name"
            )
        )
    return {}


def ranking_read(*, period: RankPeriod | str, level: str, kind: str | None = None) -> Ranking:
    """A stored ranking: regencies, or the agencies / services of one standard code.

    ``kind`` is a standard agency kind's code (level agency) or a standard
    service's code (level service); without it every code's rows come, each
    ranked within its code. A period never computed is computed and stored first.
    """
    period = RankPeriod.coerce(period)
    _check_level(level)
    kind = (kind or "").strip() or None
    names = standard_names(level)
    if level == REGENCY:
        kind = None
    elif kind is not None and kind not in names:
        raise ValidationError(
            {"kind": _("No active standard with the code %(code)s.") % {"code": kind}}
        )

    def fetch() -> list[RankingSnapshot]:
        snapshots = RankingSnapshot.objects.filter(
            period_kind=period.kind, year=period.year, number=period.number, level=level
        )
        if level == REGENCY:
            snapshots = snapshots.filter(code="")
        elif kind is not None:
            snapshots = snapshots.filter(code=kind)
        return list(snapshots)

    snapshots = fetch()
    if not snapshots or (level != REGENCY and kind is None and len(snapshots) < len(names)):
        rankings_recompute(periods=[period])
        snapshots = fetch()
    snapshots.sort(key=lambda s: (names.get(s.code, s.code).casefold(), s.code))
    rows = [
        row
        for snapshot in snapshots
        for row in snapshot.rows
        if level == REGENCY or snapshot.code in names
    ]
    return Ranking(
        period=period,
        level=level,
        code=kind,
        policy=snapshots[0].policy if snapshots else str(POLICY),
        computed_at=min((s.computed_at for s in snapshots), default=None),
        rows=rows,
        names=names,
    )


# ====================================================================== drill-down
def _rank_lookup(period: RankPeriod, level: str, regency_id: int) -> dict[tuple, dict]:
    """A regency's rows of every stored ranking at a level, keyed like _row_key."""
    snapshots = RankingSnapshot.objects.filter(
        period_kind=period.kind, year=period.year, number=period.number, level=level
    )
    if not snapshots.exists():
        rankings_recompute(periods=[period])
    found = {}
    for snapshot in snapshots:
        total = sum(1 for r in snapshot.rows if r["rank"] is not None)
        for row in snapshot.rows:
            if row["regency_id"] == regency_id:
                found[_row_key(level, row)] = {
                    **row,
                    "ranked_of": total,
                    "field": len(snapshot.rows),
                }
    return found


def regency_figure(period: RankPeriod, regency: Regency) -> dict:
    """The regency's row of the regency ranking (rank included), or a fresh one if not listed."""
    ranking = ranking_read(period=period, level=REGENCY)
    for row in ranking.rows:
        if row["regency_id"] == regency.pk:
            return {**row, "reason": reason_text(row), "ranked_of": len(ranking.ranked)}
    return {}


def regency_agencies(period: RankPeriod, regency: Regency) -> list[dict]:
    """Every active agency of the regency with its figure and, if mapped, its provincial rank."""
    period = RankPeriod.coerce(period)
    totals = _totals_by(period, "agency_id", regency_id=regency.pk)
    users = defaultdict(list)
    for agency_id, annual in RollupService.objects.filter(regency=regency, active=True).values_list(
        "agency_id", "annual_users"
    ):
        users[agency_id].append(annual)
    ranks = _rank_lookup(period, AGENCY, regency.pk)
    kinds = standard_names(AGENCY)
    rows = []
    for agency in RollupAgency.objects.filter(regency=regency, active=True):
        _, values = _figure(
            totals.get(agency.agency_id, ElementTotals.empty()),
            _population(users.get(agency.agency_id, []), period.months),
        )
        ranked = ranks.get((regency.pk, agency.agency_id), {})
        rows.append(
            {
                **values,
                "agency_id": agency.agency_id,
                "name": agency.name,
                "short_name": agency.short_name,
                "code": agency.standard_kind,
                "standard_name": kinds.get(agency.standard_kind),
                "rank": ranked.get("rank"),
                "ranked_of": ranked.get("ranked_of"),
                "unranked_reason": values["unranked_reason"],
                "reason": reason_text(values),
            }
        )
    return sorted(
        rows, key=lambda r: (r["konversi"] is None, -Decimal(r["konversi"] or 0), r["name"])
    )


def agency_services(period: RankPeriod, regency: Regency, agency_id: int) -> list[dict]:
    """Every active service of one agency with its figure and, if mapped, its provincial rank."""
    period = RankPeriod.coerce(period)
    totals = _totals_by(period, "service_id", regency_id=regency.pk, agency_id=agency_id)
    ranks = _rank_lookup(period, SERVICE, regency.pk)
    names = standard_names(SERVICE)
    rows = []
    for service in RollupService.objects.filter(regency=regency, agency_id=agency_id, active=True):
        _, values = _figure(
            totals.get(service.service_id, ElementTotals.empty()),
            _population([service.annual_users], period.months),
        )
        ranked = ranks.get((regency.pk, service.service_id), {})
        rows.append(
            {
                **values,
                "service_id": service.service_id,
                "name": service.name,
                "code": service.standard_service,
                "standard_name": names.get(service.standard_service),
                "rank": ranked.get("rank"),
                "ranked_of": ranked.get("ranked_of"),
                "reason": reason_text(values),
            }
        )
    return sorted(
        rows, key=lambda r: (r["konversi"] is None, -Decimal(r["konversi"] or 0), r["name"])
    )


def service_detail(period: RankPeriod, regency: Regency, service: RollupService) -> dict:
    """One service over the period: its figure, elements, months, and provincial rank."""
    period = RankPeriod.coerce(period)
    start, end = period.bounds
    months = (
        RollupMonth.objects.filter(
            regency=regency, service_id=service.service_id, month__gte=start, month__lte=end
        )
        .values("month")
        .annotate(**SUMS)
        .order_by("month")
    )
    per_month = []
    total = ElementTotals.empty()
    for row in months:
        month_totals = ElementTotals.from_aggregate(row, responses_key="responses")
        total = total + month_totals
        result = compute_ikm(month_totals, POLICY)
        per_month.append(
            {
                "month": row["month"],
                "responses": row["responses"],
                "konversi": _s(result.konversi),
                "mutu": None if result.mutu is None else str(result.mutu),
            }
        )
    result, values = _figure(total, _population([service.annual_users], period.months))
    ranked = _rank_lookup(period, SERVICE, regency.pk).get((regency.pk, service.service_id), {})
    return {
        **values,
        "name": service.name,
        "code": service.standard_service,
        "standard_name": standard_names(SERVICE).get(service.standard_service),
        "rank": ranked.get("rank"),
        "ranked_of": ranked.get("ranked_of"),
        "change": ranked.get("change"),
        "reason": reason_text(values),
        "elements": [e for e in result.elements],
        "months": per_month,
    }


__all__ = [
    "AGENCY",
    "LEVELS",
    "POLICY",
    "REGENCY",
    "SERVICE",
    "RankPeriod",
    "Ranking",
    "agency_services",
    "assign_ranks",
    "default_period",
    "default_periods",
    "ranking_read",
    "rankings_recompute",
    "reason_text",
    "regency_agencies",
    "regency_figure",
    "service_detail",
]
