"""The follow-up plans (RTL) a report prints: this period's plan, the previous one's realisation.

Read through sukma.surveys.followup's selectors (plan_for, and
previous_period_realisation for the realisation of the plan before), turned
into plain views so the PDF and the workbook do not depend on the plan's
models. Without the follow-up app's selectors, or without a plan, a report
says "belum ada RTL".
"""

from dataclasses import dataclass, field

from sukma.surveys.elements import ELEMENTS_BY_CODE
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


def _selectors():
    try:
        from sukma.surveys.followup import selectors
    except ImportError:
        return None
    if not hasattr(selectors, "plan_for"):
        return None
    return selectors


def _agencies(agency_id: int | None) -> list[Agency]:
    agencies = Agency.objects.all()
    if agency_id is not None:
        agencies = agencies.filter(pk=agency_id)
    return list(agencies)


def _view(plan) -> PlanView:
    items = []
    for item in plan.items.all():
        element = ELEMENTS_BY_CODE.get(item.element_code)
        evidence = getattr(item, "evidence", None)
        items.append(
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
                evidence=evidence.count() if evidence is not None else 0,
            )
        )
    return PlanView(
        agency=str(plan.agency.name), status=STATUS_ID.get(plan.status, plan.status), items=items
    )


def _plans_of(period: Period, agency_id: int | None):
    selectors = _selectors()
    if selectors is None or period is None:
        return []
    found = []
    for agency in _agencies(agency_id):
        plan = selectors.plan_for(agency, period)
        if plan is not None:
            found.append(plan)
    return found


def plans(agency_id: int | None, period: Period | None) -> list[PlanView]:
    """The plans of the period: one agency's, or every agency's that has one."""
    return [_view(plan) for plan in _plans_of(period, agency_id)]


def available() -> bool:
    return _selectors() is not None


def fingerprint(agency_id: int | None, period: Period, previous: Period | None) -> list:
    """What changes when a plan, an item or its realisation changes."""
    out = []
    for p in (period, previous):
        for plan in _plans_of(p, agency_id):
            items = [
                (i.pk, str(getattr(i, "updated_at", "")), i.evidence.count())
                if hasattr(i, "evidence")
                else (i.pk, str(getattr(i, "updated_at", "")))
                for i in plan.items.all()
            ]
            out.append(
                [
                    plan.pk,
                    plan.status,
                    str(getattr(plan, "updated_at", "")),
                    str(getattr(plan, "approved_at", "")),
                    str(getattr(plan, "done_at", "")),
                    items,
                ]
            )
    return out
