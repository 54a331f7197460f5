"""Reads of a regency's figures: every number comes from the totals and the IKM engine.

Nothing here loads responses to compute an index: the database sums the
per-service, per-day totals, and sukma.surveys.method.ikm turns sums and counts
into NRR, IKM, konversi and grade. Each figure carries its sample adequacy.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, Sum
from django.utils import timezone

from sukma.surveys.method.ikm import ElementTotals, IkmResult, compute_ikm
from sukma.surveys.method.sampling import (
    SampleAdequacy,
    group_users,
    period_users,
    sample_adequacy,
)
from sukma.surveys.models import (
    ELEMENT_FIELDS,
    Agency,
    DailyProfileTotals,
    DailyServiceTotals,
    MonthlyServiceTotals,
    Period,
    PeriodKind,
    Service,
    SurveySettings,
)

SUMS = {
    "responses": Sum("responses"),
    **{f"{f}_{k}": Sum(f"{f}_{k}") for f in ELEMENT_FIELDS for k in ("sum", "count")},
}


@dataclass(frozen=True)
class Figure:
    """An index with what it rests on: the result, the sample, the policy that made it."""

    result: IkmResult
    adequacy: SampleAdequacy

    @property
    def responses(self) -> int:
        return self.adequacy.responses

    @property
    def policy(self) -> str:
        return str(self.result.policy)

    def to_dict(self) -> dict:
        return {**self.result.to_dict(), "sample": self.adequacy.to_dict()}


def kept_policy(period: Period) -> str | None:
    """The weight policy a locked period was locked with; None for an open one."""
    return period.basis["policy"] if period.locked and period.basis else None


def weight_policy(period: Period | None = None) -> str:
    """The weight policy of a period's figures: the one it was locked with, else today's."""
    return (period and kept_policy(period)) or SurveySettings.current().weight_policy


@dataclass(frozen=True)
class CountedService:
    id: int
    agency_id: int
    annual_users: int | None
    active: bool


@dataclass(frozen=True)
class Basis:
    """What a period's figures rest on besides its totals.

    The weight policy, the agencies listed, every service with its yearly expected
    users, and the expected users in the period (N) of each service, agency and the
    regency, which set the sample targets. An open period uses today's; a locked one
    keeps those it was locked with (Period.basis), so a service's expected users
    changed later, an agency or a service closed later, another weight policy, or
    another scaling rule leave its figures as they were.
    """

    policy: str
    agency_ids: tuple[int, ...]
    services: tuple[CountedService, ...]
    kept_users: dict | None = None
    """A locked period's N: {"regency": N, "agencies": {id: N}, "services": {id: N}}."""

    @classmethod
    def today(cls) -> "Basis":
        services = Service.objects.order_by("pk").values_list(
            "pk", "agency_id", "annual_users", "active"
        )
        return cls(
            policy=SurveySettings.current().weight_policy,
            agency_ids=tuple(
                Agency.objects.filter(active=True).order_by("pk").values_list("pk", flat=True)
            ),
            services=tuple(CountedService(*row) for row in services),
        )

    @classmethod
    def of(cls, period: Period) -> "Basis":
        if kept_policy(period) is None:
            return cls.today()
        kept = period.basis
        return cls(
            policy=kept["policy"],
            agency_ids=tuple(kept["agencies"]),
            services=tuple(CountedService(*row) for row in kept["services"]),
            kept_users=kept.get("users"),
        )

    def to_json(self, period: Period) -> dict:
        """What a period keeps when it is locked, its expected users (N) included."""
        return {
            "policy": self.policy,
            "agencies": list(self.agency_ids),
            "services": [[s.id, s.agency_id, s.annual_users, s.active] for s in self.services],
            "users": self.users_of(period),
        }

    def users_of(self, period: Period) -> dict:
        """N of the regency, of every agency and of every service in the period."""
        agency_ids = {*self.agency_ids, *(s.agency_id for s in self.services)}
        return {
            "regency": self._scaled(period),
            "agencies": {str(a): self._scaled(period, agency_id=a) for a in sorted(agency_ids)},
            "services": {str(s.id): self._scaled(period, service_id=s.id) for s in self.services},
        }

    def active_service_ids(self, agency_id: int | None = None) -> list[int]:
        return [
            s.id
            for s in self.services
            if s.active and (agency_id is None or s.agency_id == agency_id)
        ]

    def population(self, period: Period, *, agency_id=None, service_id=None) -> int | None:
        """Expected users in the period (N): the kept one of a locked period, else scaled now."""
        kept = self.kept_users
        if kept is not None:
            if service_id is not None and str(service_id) in kept["services"]:
                return kept["services"][str(service_id)]
            if service_id is None and agency_id is not None and str(agency_id) in kept["agencies"]:
                return kept["agencies"][str(agency_id)]
            if service_id is None and agency_id is None:
                return kept["regency"]
        return self._scaled(period, agency_id=agency_id, service_id=service_id)

    def _scaled(self, period: Period, *, agency_id=None, service_id=None) -> int | None:
        """The method's rule (sampling.period_users, group_users) on the yearly figures.

        One service counts whether active or not; an agency or the regency counts
        its active services.
        """
        if service_id is not None:
            counted = [s for s in self.services if s.id == service_id]
        else:
            ids = set(self.active_service_ids(agency_id))
            counted = [s for s in self.services if s.id in ids]
        return group_users(period_users(s.annual_users, period.months) for s in counted)


def _totals(row: dict) -> ElementTotals:
    return ElementTotals.from_aggregate(row, responses_key="responses")


def _whole_months(start: date, end: date) -> bool:
    return start.day == 1 and (end + timedelta(days=1)).day == 1


def _totals_rows(start: date, end: date, agency_id=None, service_id=None):
    """The totals rows covering [start, end]: month rows when the range is whole months."""
    if _whole_months(start, end):
        rows = MonthlyServiceTotals.objects.filter(month__gte=start, month__lte=end)
    else:
        rows = DailyServiceTotals.objects.filter(day__gte=start, day__lte=end)
    if agency_id is not None:
        rows = rows.filter(service__agency_id=agency_id)
    if service_id is not None:
        rows = rows.filter(service_id=service_id)
    return rows


def totals_between(start: date, end: date, *, agency_id=None, service_id=None) -> ElementTotals:
    return _totals(_totals_rows(start, end, agency_id, service_id).aggregate(**SUMS))


def totals_per(group: str, start: date, end: date, *, agency_id=None) -> dict[int, ElementTotals]:
    """Totals grouped by "service_id" or "service__agency_id", in one query."""
    rows = _totals_rows(start, end, agency_id).values(group).annotate(**SUMS).order_by()
    return {row[group]: _totals(row) for row in rows}


def make_figure(totals: ElementTotals, users: int | None, policy: str) -> Figure:
    result = compute_ikm(totals, policy)
    return Figure(result=result, adequacy=sample_adequacy(totals.responses or 0, users))


def regency_figure(period: Period) -> Figure:
    basis = Basis.of(period)
    totals = totals_between(period.starts_on, period.ends_on)
    return make_figure(totals, basis.population(period), basis.policy)


def agency_figure(period: Period, agency: Agency) -> Figure:
    basis = Basis.of(period)
    totals = totals_between(period.starts_on, period.ends_on, agency_id=agency.pk)
    return make_figure(totals, basis.population(period, agency_id=agency.pk), basis.policy)


def service_figure(period: Period, service: Service) -> Figure:
    basis = Basis.of(period)
    totals = totals_between(period.starts_on, period.ends_on, service_id=service.pk)
    return make_figure(totals, basis.population(period, service_id=service.pk), basis.policy)


def agency_figures(period: Period) -> list[tuple[Agency, Figure]]:
    """Every agency of the period (active, or active when it was locked) with its figure.

    An agency without responses has an empty one.
    """
    basis = Basis.of(period)
    per_agency = totals_per("service__agency_id", period.starts_on, period.ends_on)
    return [
        (
            agency,
            make_figure(
                per_agency.get(agency.pk, ElementTotals.empty()),
                basis.population(period, agency_id=agency.pk),
                basis.policy,
            ),
        )
        for agency in Agency.objects.filter(pk__in=basis.agency_ids)
    ]


def service_figures(period: Period, *, agency_id=None) -> list[tuple[Service, Figure]]:
    basis = Basis.of(period)
    per_service = totals_per("service_id", period.starts_on, period.ends_on, agency_id=agency_id)
    services = Service.objects.filter(pk__in=basis.active_service_ids(agency_id))
    return [
        (
            service,
            make_figure(
                per_service.get(service.pk, ElementTotals.empty()),
                basis.population(period, service_id=service.pk),
                basis.policy,
            ),
        )
        for service in services.select_related("agency")
    ]


def _profile_filter(start: date, end: date, agency_id=None, service_id=None) -> Q:
    q = Q(day__gte=start, day__lte=end)
    if agency_id is not None:
        q &= Q(service__agency_id=agency_id)
    if service_id is not None:
        q &= Q(service_id=service_id)
    return q


def profile_totals(
    period: Period, fields: list[str], *, agency_id=None, service_id=None
) -> dict[str, dict[str, ElementTotals]]:
    """Per profile field, the totals of each value chosen by anyone, in one query (raw: never
    shown as is).

    Every face reads sukma.surveys.breakdowns instead, which hides the small groups.
    """
    rows = (
        DailyProfileTotals.objects.filter(
            _profile_filter(period.starts_on, period.ends_on, agency_id, service_id),
            field__in=fields,
        )
        .values("field", "value")
        .annotate(**SUMS)
        .order_by()
    )
    by_field: dict[str, dict[str, ElementTotals]] = {field: {} for field in fields}
    for row in rows:
        by_field[row["field"]][row["value"]] = _totals(row)
    return by_field


def trend(
    *,
    kind: str = PeriodKind.MONTH,
    count: int = 12,
    agency_id=None,
    service_id=None,
    until: date | None = None,
) -> list[tuple[Period, Figure]]:
    """The last `count` periods of one kind up to `until` (today), oldest first."""
    until = until or timezone.localdate()
    periods = list(
        Period.objects.filter(kind=kind, starts_on__lte=until).order_by("-starts_on")[:count]
    )
    today = weight_policy()
    return [
        (
            period,
            make_figure(
                totals_between(
                    period.starts_on, period.ends_on, agency_id=agency_id, service_id=service_id
                ),
                None,
                kept_policy(period) or today,
            ),
        )
        for period in reversed(periods)
    ]


def current_period(kind: str = PeriodKind.YEAR, today: date | None = None) -> Period | None:
    today = today or timezone.localdate()
    return Period.objects.filter(kind=kind, starts_on__lte=today, ends_on__gte=today).first()


def last_closed_period(kind: str = PeriodKind.YEAR, today: date | None = None) -> Period | None:
    today = today or timezone.localdate()
    return (
        Period.objects.filter(kind=kind, locked=True, ends_on__lt=today)
        .order_by("-ends_on")
        .first()
    )
