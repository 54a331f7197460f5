"""The follow-up plans (RTL) a report prints: this period's plan, the previous one's realisation.

Read through sukma.surveys.followup's selectors (plan_for, and
previous_period_realisation for the realisation of the plan before), turned
into plain views so the PDF and the workbook do not depend on the plan's
models. Without a plan, a report says "belum ada RTL".
"""

from dataclasses import dataclass, field

from sukma.surveys.followup import selectors as followup
from sukma.surveys.method.elements import ELEMENTS_BY_CODE
from sukma.surveys.models import Agency, Period

STATUS_ID = {
    "draft": "Draf",
    "approved": "Disetujui",
    "in_progress": "Dalam pelaksanaan",
    "done": "Selesai",
}


@dataclass(frozen=True)
class ItemView:
    code: str
    name: str
    nrr_konversi: object
    mutu: str
    acts_on: bool
    planned_action: str
    deadline: object
    responsible: str
    realisation: str
    realised_at: object
    evidence: int = 0


@dataclass(frozen=True)
class PlanView:
    agency: str
    status: str
    items: list[ItemView] = field(default_factory=list)

    @property
    def acted(self) -> list[ItemView]:
        return [i for i in self.items if i.acts_on]


def _agencies(agency_id: int | None) -> list[Agency]:
    agencies = Agency.objects.all()
    if agency_id is not None:
        agencies = agencies.filter(pk=agency_id)
    return list(agencies)


def _view(plan, items=None) -> PlanView:
    views = []
    for item in plan.items.all() if items is None else items:
        element = ELEMENTS_BY_CODE.get(item.element_code)
        views.append(
            ItemView(
                code=item.element_code,
                name=element.name_id if element else item.element_name,
                nrr_konversi=item.nrr_konversi,
                mutu=item.mutu,
                acts_on=item.acts_on,
                planned_action=item.planned_action,
                deadline=item.deadline,
                responsible=item.responsible,
                realisation=item.realisation,
                realised_at=item.realised_at,
                evidence=len(item.evidence.all()),
            )
        )
    return PlanView(
        agency=str(plan.agency.name), status=STATUS_ID.get(plan.status, plan.status), items=views
    )


def _plans_of(period: Period | None, agency_id: int | None):
    if period is None:
        return []
    found = []
    for agency in _agencies(agency_id):
        plan = followup.plan_for(agency, period)
        if plan is not None:
            found.append(plan)
    return found


def plans(agency_id: int | None, period: Period | None) -> list[PlanView]:
    """The plans of the period: one agency's, or every agency's that has one."""
    return [_view(plan) for plan in _plans_of(period, agency_id)]


def previous_realisation(agency_id: int | None, period: Period) -> list[PlanView]:
    """The previous period's plans (same kind) with their acted-on items and realisation."""
    found = []
    for agency in _agencies(agency_id):
        realisation = followup.previous_period_realisation(agency, period)
        if realisation.exists:
            found.append(_view(realisation.plan, realisation.items))
    return found


def fingerprint(agency_id: int | None, period: Period, previous: Period | None) -> list:
    """What changes when a plan, an item or its realisation changes."""
    out = []
    for p in (period, previous):
        for plan in _plans_of(p, agency_id):
            items = [
                (i.pk, str(i.updated_at), [e.pk for e in i.evidence.all()])
                for i in plan.items.all()
            ]
            out.append(
                [
                    plan.pk,
                    plan.status,
                    str(plan.approved_at),
                    str(plan.started_at),
                    str(plan.done_at),
                    items,
                ]
            )
    return out
