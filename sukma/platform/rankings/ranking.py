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
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from itertools import repeat

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sukma.forms import whole_number
from sukma.platform.rankings.models import (
    RankingChange,
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


class _Memo:
    """The method's results by their inputs, for one computation: equal totals (a quarter
    that is all of its year so far) and equal samples are computed once."""

    def __init__(self) -> None:
        self.ikm: dict[tuple, IkmResult] = {}
        self.adequacy: dict[tuple, object] = {}

    def compute_ikm(self, totals: ElementTotals) -> IkmResult:
        key = (totals.sums, totals.counts, totals.responses)
        if key not in self.ikm:
            self.ikm[key] = compute_ikm(totals, POLICY)
        return self.ikm[key]

    def sample_adequacy(self, responses: int, population: int | None):
        key = (responses, population)
        if key not in self.adequacy:
            self.adequacy[key] = sample_adequacy(responses, population)
        return self.adequacy[key]


def _figure(
    totals: ElementTotals, population: int | None, memo: _Memo | None = None
) -> tuple[IkmResult, dict]:
    memo = memo or _Memo()
    result = memo.compute_ikm(totals)
    adequacy = memo.sample_adequacy(totals.responses or 0, population)
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
    """Who is in the rankings, for the regencies computed (every active one, or some)."""

    regencies: dict[int, Regency]
    users_of_regency: dict[int, list[tuple[int | None, int]]]
    """(yearly users, how many services) of the active services of active agencies."""
    users_of_agency: dict[tuple[int, int], list[tuple[int | None, int]]]
    agencies: dict[tuple[int, int], tuple[str, str, str]]
    """Active agencies ranked or holding a ranked service: (name, short name, standard kind)."""
    services: dict[tuple[int, int], tuple[int, str, str, int | None]]
    """Active services of active agencies mapped to an active standard service:
    (agency id, name, standard service, annual users)."""
    kinds: list[str]
    standard_services: list[str]

    @classmethod
    def load(cls, regency_ids: set[int] | None = None) -> _Directory:
        regencies = Regency.objects.filter(status=RegencyStatus.ACTIVE)
        if regency_ids is not None:
            regencies = regencies.filter(pk__in=regency_ids)
        regencies = {r.pk: r for r in regencies}
        kinds = sorted(
            StandardAgencyKind.objects.filter(active=True).values_list("code", flat=True)
        )
        standard_services = sorted(
            StandardService.objects.filter(active=True, standard_kind__active=True).values_list(
                "code", flat=True
            )
        )
        # Services are counted per yearly figure in SQL: a regency's 80 services are a few
        # (users, count) pairs, and only ranked agencies and services come as rows.
        active = """FROM public.rankings_rollupservice s
            JOIN public.rankings_rollupagency a ON a.regency_id = s.regency_id
             AND a.agency_id = s.agency_id AND a.active
            WHERE s.active AND s.regency_id = ANY(%(ids)s)"""
        params = {"ids": list(regencies), "kinds": kinds, "services": standard_services}
        of_regency, of_agency, agencies, services = (
            defaultdict(list),
            defaultdict(list),
            {},
            {},
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT s.regency_id, s.annual_users, count(*) {active} GROUP BY 1, 2", params
            )
            for r, users, count in cursor.fetchall():
                of_regency[r].append((users, count))
            cursor.execute(
                f"""SELECT s.regency_id, s.agency_id, s.annual_users, count(*) {active}
                AND a.standard_kind = ANY(%(kinds)s) GROUP BY 1, 2, 3""",
                params,
            )
            for r, agency_id, users, count in cursor.fetchall():
                of_agency[(r, agency_id)].append((users, count))
            cursor.execute(
                """SELECT a.regency_id, a.agency_id, a.name, a.short_name, a.standard_kind
                FROM public.rankings_rollupagency a
                WHERE a.active AND a.regency_id = ANY(%(ids)s) AND (
                    a.standard_kind = ANY(%(kinds)s) OR EXISTS (
                        SELECT 1 FROM public.rankings_rollupservice s
                        WHERE s.regency_id = a.regency_id AND s.agency_id = a.agency_id
                          AND s.active AND s.standard_service = ANY(%(services)s)))""",
                params,
            )
            for r, agency_id, name, short, kind in cursor.fetchall():
                agencies[(r, agency_id)] = (name, short, kind)
            cursor.execute(
                f"""SELECT s.regency_id, s.service_id, s.agency_id, s.name, s.standard_service,
                    s.annual_users {active} AND s.standard_service = ANY(%(services)s)""",
                params,
            )
            for r, service_id, agency_id, name, code, users in cursor.fetchall():
                services[(r, service_id)] = (agency_id, name, code, users)
        return cls(regencies, of_regency, of_agency, agencies, services, kinds, standard_services)


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


Levels = dict[tuple[str, str], list[dict]]

_SUM_COLUMNS = list(SUMS)


class _MonthTotals:
    """RollupMonth summed per group and month, read once per group for the months of every
    period a computation needs, then added up per period in Python (a year, its semester,
    quarter and month read the same rows once, not four times)."""

    def __init__(self, regency_ids: list[int] | None, first: datetime.date, last: datetime.date):
        self.regency_ids, self.first, self.last = regency_ids, first, last
        self.loaded: dict[tuple[str, ...], dict[tuple, list]] = {}
        self.made: dict[tuple, ElementTotals] = {}

    def _load(self, group: tuple[str, ...], first, last) -> dict[tuple, list]:
        sums = ", ".join(f"sum({c})::bigint" for c in _SUM_COLUMNS)
        keys = ", ".join(group)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT {keys}, month, {sums} FROM public.rankings_rollupmonth
                WHERE month >= %s AND month <= %s AND (%s OR regency_id = ANY(%s))
                GROUP BY {keys}, month""",
                [first, last, self.regency_ids is None, self.regency_ids or []],
            )
            found = defaultdict(list)
            width = len(group)
            for row in cursor.fetchall():
                key = row[:width] if width > 1 else row[0]
                found[key].append((row[width], row[width + 1 :]))
            return found

    def by(self, period: RankPeriod, *group: str) -> dict:
        start, end = period.bounds
        if self.first <= start and end <= self.last:
            if group not in self.loaded:
                self.loaded[group] = self._load(group, self.first, self.last)
            months = self.loaded[group]
        else:
            months = self._load(group, start, end)
        result = {}
        for key, rows in months.items():
            total = None
            for month, values in rows:
                if start <= month <= end:
                    total = (
                        values
                        if total is None
                        else [a + b for a, b in zip(total, values, strict=True)]
                    )
            if total is not None:
                result[key] = self._totals(tuple(total))
        return result

    def _totals(self, values: tuple) -> ElementTotals:
        """One ElementTotals per distinct set of sums (periods that hold the same months)."""
        if values not in self.made:
            self.made[values] = ElementTotals.from_aggregate(
                dict(zip(_SUM_COLUMNS, values, strict=True)), responses_key="responses"
            )
        return self.made[values]


def _row_key(level: str, row: dict) -> tuple:
    if level == REGENCY:
        return (row["regency_id"],)
    if level == AGENCY:
        return (row["regency_id"], row["agency_id"])
    return (row["regency_id"], row["service_id"])


def _konversi_of(levels: Levels) -> dict[tuple[str, str, tuple], str | None]:
    return {
        (level, code, _row_key(level, row)): row["konversi"]
        for (level, code), rows in levels.items()
        for row in rows
    }


class _Population:
    """Expected users of a group in a period: the method's rule (period_users of each
    service, group_users of the group), each distinct yearly figure scaled once."""

    def __init__(self, months: int) -> None:
        self.months = months
        self.scaled: dict[int | None, int | None] = {}

    def __call__(self, annual_users: Iterable[tuple[int | None, int]]) -> int | None:
        """annual_users: (yearly users, how many services have that figure) pairs."""
        scaled = self.scaled
        values = []
        for n, count in annual_users:
            if n not in scaled:
                scaled[n] = period_users(n, self.months)
            values.extend(repeat(scaled[n], count))
        return group_users(values)


def _compute(
    period: RankPeriod, directory: _Directory, totals: _MonthTotals, memo: _Memo
) -> Levels:
    """Every level's rows of the period for the directory's regencies: figures, no ranks."""
    empty = ElementTotals.empty()
    population = _Population(period.months)
    levels: Levels = {}

    per_regency = totals.by(period, "regency_id")
    levels[(REGENCY, "")] = [
        {
            "regency_id": regency.pk,
            "regency_name": regency.name,
            "regency_code": regency.region_code,
            "regency_kind": regency.kind,
            "name": regency.name,
            **_figure(
                per_regency.get(regency.pk, empty),
                population(directory.users_of_regency.get(regency.pk, [])),
                memo,
            )[1],
        }
        for regency in directory.regencies.values()
    ]

    by_kind = {code: [] for code in directory.kinds}
    ranked_agencies = {k: a for k, a in directory.agencies.items() if a[2] in by_kind}
    per_agency = totals.by(period, "regency_id", "agency_id") if ranked_agencies else {}
    for key, (name, short_name, code) in ranked_agencies.items():
        regency = directory.regencies[key[0]]
        _, values = _figure(
            per_agency.get(key, empty), population(directory.users_of_agency.get(key, [])), memo
        )
        by_kind[code].append(
            {
                "regency_id": regency.pk,
                "regency_name": regency.name,
                "regency_code": regency.region_code,
                "agency_id": key[1],
                "agency_name": name,
                "agency_short_name": short_name,
                "code": code,
                "name": f"{name} · {regency.name}",
                **values,
            }
        )
    for code, rows in by_kind.items():
        levels[(AGENCY, code)] = rows

    by_service = {code: [] for code in directory.standard_services}
    per_service = totals.by(period, "regency_id", "service_id") if directory.services else {}
    for key, (agency_id, name, code, users) in directory.services.items():
        regency = directory.regencies[key[0]]
        agency_name, agency_short, _kind = directory.agencies[(key[0], agency_id)]
        _, values = _figure(per_service.get(key, empty), population([(users, 1)]), memo)
        by_service[code].append(
            {
                "regency_id": regency.pk,
                "regency_name": regency.name,
                "regency_code": regency.region_code,
                "agency_id": agency_id,
                "agency_name": agency_name,
                "agency_short_name": agency_short,
                "service_id": key[1],
                "service_name": name,
                "code": code,
                "name": f"{name} · {agency_short or agency_name} · {regency.name}",
                **values,
            }
        )
    for code, rows in by_service.items():
        levels[(SERVICE, code)] = rows
    return levels


def _stored_konversi(period: RankPeriod, regency_ids: set[int] | None) -> dict:
    """konversi of the stored rows of a period (of some regencies), keyed like _konversi_of."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT s.level, s.code, (r->>'regency_id')::int, (r->>'agency_id')::int,
                      (r->>'service_id')::int, r->>'konversi'
            FROM public.rankings_rankingsnapshot s, jsonb_array_elements(s.rows) r
            WHERE s.period_kind = %s AND s.year = %s AND s.number = %s
              AND (%s OR (r->>'regency_id')::int = ANY(%s))""",
            [
                period.kind,
                period.year,
                period.number,
                regency_ids is None,
                list(regency_ids or ()),
            ],
        )
        found = {}
        for level, code, regency_id, agency_id, service_id, konversi in cursor.fetchall():
            second = {REGENCY: (), AGENCY: (agency_id,), SERVICE: (service_id,)}[level]
            found[(level, code, (regency_id, *second))] = konversi
        return found


def _ranked(level: str, rows: list[dict]) -> list[dict]:
    """Ranks in place; ties (same figure and name) in the order of their ids, whatever the
    order the rows came in, so a partial refresh orders them as a full one does."""
    return assign_ranks(sorted(rows, key=lambda row: _row_key(level, row)))


def _store(period: RankPeriod, levels: Levels, inputs: str, *, replace_all: bool) -> int:
    """Upsert the snapshots of `levels` (one statement); replace_all: drop the period's others."""
    now = timezone.now()
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
            inputs=inputs,
        )
        for (level, code), rows in levels.items()
    ]
    if replace_all:
        stale = RankingSnapshot.objects.filter(
            period_kind=period.kind, year=period.year, number=period.number
        )
        for level, code in levels:
            stale = stale.exclude(level=level, code=code)
        stale.delete()
    RankingSnapshot.objects.bulk_create(
        snapshots,
        update_conflicts=True,
        unique_fields=["period_kind", "year", "number", "level", "code"],
        update_fields=["policy", "rows", "computed_at", "inputs"],
    )
    return len(snapshots)


def _merge(period: RankPeriod, new: Levels, regency_ids: set[int]) -> Levels:
    """The period's stored snapshots that hold or gain a row of these regencies, with those
    regencies' rows replaced by the new ones (unranked yet)."""
    touched = {key for key, rows in new.items() if rows}
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT DISTINCT s.level, s.code
            FROM public.rankings_rankingsnapshot s, jsonb_array_elements(s.rows) r
            WHERE s.period_kind = %s AND s.year = %s AND s.number = %s
              AND (r->>'regency_id')::int = ANY(%s)""",
            [period.kind, period.year, period.number, list(regency_ids)],
        )
        touched |= set(cursor.fetchall())
    merged: Levels = {}
    stored = RankingSnapshot.objects.filter(
        period_kind=period.kind, year=period.year, number=period.number
    ).values_list("level", "code", "rows")
    for level, code, rows in stored:
        if (level, code) in touched:
            kept = [row for row in rows if row["regency_id"] not in regency_ids]
            merged[(level, code)] = kept + new.get((level, code), [])
    for key in touched - set(merged):
        merged[key] = new.get(key, [])
    return merged


def _inputs_digest() -> str:
    """The province-wide inputs of every ranking: who is active, the standard lists, the
    weight policy. When it changes, every stored ranking is recomputed."""
    parts = (
        str(POLICY),
        list(
            Regency.objects.filter(status=RegencyStatus.ACTIVE)
            .order_by("pk")
            .values_list("pk", "name", "region_code", "kind")
        ),
        list(StandardAgencyKind.objects.filter(active=True).order_by("code").values_list("code")),
        list(
            StandardService.objects.filter(active=True, standard_kind__active=True)
            .order_by("code")
            .values_list("code")
        ),
    )
    return hashlib.md5(repr(parts).encode(), usedforsecurity=False).hexdigest()


# One recompute at a time: two interleaved could store an older computation last.
RANKING_LOCK = (0x52414E4B, 0)  # "RANK"


def _lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(RANKING_LOCK))


def _stored_periods() -> set[RankPeriod]:
    stored = (
        RankingSnapshot.objects.values_list("period_kind", "year", "number").distinct().order_by()
    )
    return {RankPeriod(*p) for p in stored}


def _recompute(
    wanted: Iterable[RankPeriod],
    scopes: dict[RankPeriod, set[int] | None],
    inputs: str,
    *,
    stored: set[RankPeriod],
) -> int:
    """Compute and store each wanted period, for every regency (scope None) or only some
    (the others' rows are kept as stored). Periods go oldest first within a kind, so a
    period's change column reads the previous period as just stored."""
    wanted = sorted(wanted)
    first = min((p.bounds[0] for p in wanted), default=None)
    last = max((p.bounds[1] for p in wanted), default=None)
    inputs_of: dict[frozenset | None, tuple[_Directory, _MonthTotals]] = {}
    memo = _Memo()

    def inputs_for(scope: set[int] | None) -> tuple[_Directory, _MonthTotals]:
        key = None if scope is None else frozenset(scope)
        if key not in inputs_of:
            directory = _Directory.load(scope)
            ids = None if scope is None else list(directory.regencies)
            inputs_of[key] = (directory, _MonthTotals(ids, first, last))
        return inputs_of[key]

    done: dict[RankPeriod, Levels] = {}
    written = 0
    for period in wanted:
        scope = scopes.get(period)
        directory, totals = inputs_for(scope)
        new = _compute(period, directory, totals, memo)
        before_period = period.previous()
        if before_period in done:
            before = _konversi_of(done[before_period])
        elif before_period in stored and before_period not in scopes:
            before = _stored_konversi(before_period, scope)
        else:
            before = _konversi_of(_compute(before_period, directory, totals, memo))
        for (level, code), rows in new.items():
            for row in rows:
                was = before.get((level, code, _row_key(level, row)))
                row["previous_konversi"] = was
                row["change"] = _change(row["konversi"], was)
        levels = new if scope is None else _merge(period, new, scope)
        levels = {(level, code): _ranked(level, rows) for (level, code), rows in levels.items()}
        written += _store(period, levels, inputs, replace_all=scope is None)
        done[period] = levels
    return written


def rankings_recompute(*, periods: Iterable[RankPeriod | str] | None = None) -> int:
    """Compute and store every level of the periods, for every regency; return the number of
    snapshots written.

    ``periods`` None: every period already stored, plus today's and the previous one of
    each kind (so the dashboard's first page is ready), and the changes the rollup noted
    are then all taken into account. Idempotent. A refresh calls rankings_refresh, which
    recomputes only what changed and stores the same figures.
    """
    with transaction.atomic():
        _lock()
        inputs = _inputs_digest()
        stored = _stored_periods()
        if periods is None:
            RankingChange.objects.all().delete()
            wanted = set(default_periods()) | stored
        else:
            wanted = {RankPeriod.coerce(p) for p in periods}
        return _recompute(wanted, dict.fromkeys(wanted), inputs, stored=set())


def rankings_refresh() -> int:
    """The refresh's last step: recompute only the rankings whose inputs changed since the
    last one, for only the regencies that changed; return the snapshots written.

    What changed is what the rollup noted (RankingChange, read and deleted here in the same
    transaction as the new rankings): a month of a regency changes the rankings of every
    period holding that month and of the periods just after those (their change column);
    a regency's directory changes every period. A change of the province-wide inputs
    (a regency activated or suspended, a standard list) recomputes every stored period,
    as does a default period never stored yet (a new month) for itself. Figures, ranks and
    order are those rankings_recompute would store.
    """
    with transaction.atomic():
        _lock()
        inputs = _inputs_digest()
        stored = _stored_periods()
        if RankingSnapshot.objects.exclude(inputs=inputs).exists():
            RankingChange.objects.all().delete()
            wanted = set(default_periods()) | stored
            return _recompute(wanted, dict.fromkeys(wanted), inputs, stored=set())
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM public.rankings_rankingchange RETURNING regency_id, month")
            changes = cursor.fetchall()
        every_period = {regency for regency, month in changes if month is None}
        months = defaultdict(set)
        for regency, month in changes:
            if month is not None:
                months[month].add(regency)
        scopes: dict[RankPeriod, set[int] | None] = {}
        for period in set(default_periods()) - stored:
            scopes[period] = None
        for period in stored:
            scope = set(every_period)
            for span in (period, period.previous()):
                start, end = span.bounds
                for month, regencies in months.items():
                    if start <= month <= end:
                        scope |= regencies
            if scope:
                scopes[period] = scope
        return _recompute(scopes, scopes, inputs, stored=stored)


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
    "rankings_refresh",
    "reason_text",
    "regency_agencies",
    "regency_figure",
    "service_detail",
]
