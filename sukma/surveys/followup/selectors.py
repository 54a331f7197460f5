"""Reads of follow-up plans (RTL), for the pages and for the laporan SKM.

Every function runs on the regency's schema the connection is on.

For the list page: ``plans_page`` (PLANS_PER_PAGE plans, filtered) and
``periods_with_plans``.

For the report:

- ``plan_for(agency, period)`` -> the agency's plan for that period (items
  prefetched, lowest score first) or None.
- ``previous_period(period)`` -> the period of the same kind just before it.
- ``previous_period_realisation(agency, period)`` -> the plan of the previous
  period of the same kind ("realisasi tindak lanjut periode sebelumnya"), as
  a ``Realisation``: its plan (or None) and its acted-on items with their
  realisation and evidence.
"""

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, QuerySet

from sukma.surveys.followup.models import FollowUpEvidence, FollowUpItem, FollowUpPlan
from sukma.surveys.models import Agency, Period


def _with_items(plans: QuerySet) -> QuerySet:
    return plans.select_related("agency", "period").prefetch_related(
        Prefetch(
            "items",
            queryset=FollowUpItem.objects.order_by("position").prefetch_related(
                Prefetch("evidence", queryset=FollowUpEvidence.objects.order_by("uploaded_at"))
            ),
        )
    )


def plan_for(agency: Agency | int, period: Period | int) -> FollowUpPlan | None:
    """The agency's plan for the period, items (and their evidence) prefetched lowest first."""
    agency_id = getattr(agency, "pk", agency)
    period_id = getattr(period, "pk", period)
    plans = FollowUpPlan.objects.filter(agency_id=agency_id, period_id=period_id)
    return _with_items(plans).first()


def plan_get(pk: int) -> FollowUpPlan | None:
    return _with_items(FollowUpPlan.objects.filter(pk=pk)).first()


def plans_list(*, period_id=None, agency_ids=None, status=None) -> QuerySet:
    """Plans for the list page, newest period first; agency_ids=None means every agency."""
    plans = FollowUpPlan.objects.select_related("agency", "period").annotate(
        item_count=Count("items")
    )
    if period_id is not None:
        plans = plans.filter(period_id=period_id)
    if agency_ids is not None:
        plans = plans.filter(agency_id__in=agency_ids)
    if status:
        plans = plans.filter(status=status)
    return plans.order_by("-period__starts_on", "period__kind", "agency__name")


PLANS_PER_PAGE = 25


def plans_page(*, number: int = 1, **filters) -> Page:
    """One page of plans_list(**filters); EmptyPage if there is no such page."""
    paginator = Paginator(plans_list(**filters), PLANS_PER_PAGE)
    return paginator.page(number)


def periods_with_plans(agency_ids=None) -> QuerySet:
    plans = FollowUpPlan.objects.all()
    if agency_ids is not None:
        plans = plans.filter(agency_id__in=agency_ids)
    return Period.objects.filter(pk__in=plans.values("period_id"))


def previous_period(period: Period) -> Period | None:
    """The period of the same kind that starts last before this one does."""
    return (
        Period.objects.filter(kind=period.kind, starts_on__lt=period.starts_on)
        .order_by("-starts_on")
        .first()
    )


@dataclass(frozen=True)
class Realisation:
    """What the agency did about the previous period's plan."""

    period: Period | None
    plan: FollowUpPlan | None
    items: list[FollowUpItem] = field(default_factory=list)
    """The items acted on, lowest score first, each with .realisation, .realised_at, .evidence."""

    @property
    def exists(self) -> bool:
        return self.plan is not None

    @property
    def realised_count(self) -> int:
        return sum(1 for item in self.items if item.realisation.strip())


def previous_period_realisation(agency: Agency | int, period: Period) -> Realisation:
    """The realisation of the previous period's (same kind) plan: realisasi RTL periode lalu."""
    previous = previous_period(period)
    if previous is None:
        return Realisation(period=None, plan=None)
    plan = plan_for(agency, previous)
    if plan is None:
        return Realisation(period=previous, plan=None)
    return Realisation(
        period=previous, plan=plan, items=[item for item in plan.items.all() if item.acts_on]
    )
