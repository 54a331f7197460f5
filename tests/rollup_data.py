"""Regencies with answered services, committed, for the rollup and reconciliation tests.

Two regencies are provisioned through the real service (removed again by the
``committed`` fixture, schemas included); each gets two agencies with two
services each, and citizens answer through the real response_submit.
"""

import datetime
import itertools
import random
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from sukma.platform.rankings.models import RollupDay, RollupMonth
from sukma.platform.rankings.rollup import COLUMNS
from sukma.surveys.citizen.submission import Submission, response_submit
from sukma.surveys.complaints.models import Case
from sukma.surveys.followup.models import FollowUpPlan
from sukma.surveys.models import (
    Agency,
    Period,
    PeriodKind,
    Questionnaire,
    Response,
    Service,
    ServicePoint,
)
from sukma.tenants.models import Regency
from tests.factories import provisioned_regency

_codes = itertools.count(1)


@dataclass
class Answered:
    regency: Regency
    points: list[ServicePoint] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)


def answered_regency(name: str, subdomain: str, acting_user) -> Answered:
    n = next(_codes)
    regency = provisioned_regency(
        # Outside East Java (35), 99 regencies to a province code, as long as the run needs.
        code=f"{36 + (n - 1) // 99}.{(n - 1) % 99 + 1:02d}",
        kind="kabupaten",
        name=name,
        subdomain=subdomain,
        admin_email=f"organisasi@{subdomain}.go.id",
        acting_user=acting_user,
    )
    answered = Answered(regency)
    with schema_context(regency.schema_name):
        for a, (agency_name, kind, standard) in enumerate(
            [
                ("Dinas Kependudukan dan Pencatatan Sipil", "dinas", "dukcapil"),
                ("RSUD Dr. Soedomo", "rsud", "rsud"),
            ]
        ):
            agency = Agency.objects.create(
                name=agency_name, short_name=agency_name[:10], kind=kind, standard_kind=standard
            )
            services = [
                Service.objects.create(
                    agency=agency,
                    name=f"Layanan {s}",
                    annual_users=1000 * (s + 1),
                    standard_service=f"{standard}-{s}",
                )
                for s in (1, 2)
            ]
            answered.services += services
            answered.points.append(
                ServicePoint.objects.create(
                    agency=agency,
                    name="Loket 1",
                    code=f"RL{n:02d}{a}{subdomain[:4].upper()}",
                    default_service=services[0],
                )
            )
    connection.set_schema_to_public()
    return answered


def answer(answered: Answered, count: int, *, seed: int = 0) -> list[int]:
    """`count` citizens answer in the regency (random services, days, answers, blanks)."""
    rng = random.Random(seed)
    today = timezone.localdate()
    ids = []
    with schema_context(answered.regency.schema_name):
        version = Questionnaire.objects.get(is_current=True).version
        for _ in range(count):
            point = rng.choice(answered.points)
            service = rng.choice([s for s in answered.services if s.agency_id == point.agency_id])
            answers = {f"U{i}": rng.choice([1, 2, 3, 3, 4, 4, 4]) for i in range(1, 10)}
            if rng.random() < 0.3:
                answers["U4"] = None
            response = response_submit(
                Submission(
                    service_point_code=point.code,
                    answers=answers,
                    questionnaire_version=version,
                    service_id=service.pk,
                    service_date=today - datetime.timedelta(days=rng.randrange(0, 25)),
                )
            )
            ids.append(response.pk)
    connection.set_schema_to_public()
    return ids


def raw_month_totals(regency: Regency) -> dict:
    """Per (service id, month): the columns summed from the raw non-excluded responses."""
    totals: dict = {}
    with schema_context(regency.schema_name):
        for r in Response.objects.filter(excluded=False):
            key = (r.service_id, r.service_date.replace(day=1))
            row = totals.setdefault(key, dict.fromkeys(COLUMNS, 0))
            row["responses"] += 1
            for i in range(1, 10):
                value = getattr(r, f"u{i}")
                if value is not None:
                    row[f"u{i}_sum"] += value
                    row[f"u{i}_count"] += 1
    connection.set_schema_to_public()
    return totals


def rolled_up_months(regency: Regency) -> dict:
    return {
        (m["service_id"], m["month"]): {c: m[c] for c in COLUMNS}
        for m in RollupMonth.objects.filter(regency=regency).values("service_id", "month", *COLUMNS)
        if m["responses"] or any(m[c] for c in COLUMNS)
    }


def rollup_state(regency: Regency) -> tuple:
    """Every rolled-up day and month of the regency, as comparable values."""
    days = sorted(
        RollupDay.objects.filter(regency=regency).values_list("service_id", "day", *COLUMNS)
    )
    months = sorted(
        RollupMonth.objects.filter(regency=regency).values_list("service_id", "month", *COLUMNS)
    )
    return days, months


@pytest.fixture
def two_answered(personas, committed):
    """Blitar and Kota Malang (provisioned, committed), each with 30 answered responses."""
    blitar = answered_regency("Blitar", "blitarrollkab", personas.province_admin)
    malang = answered_regency("Malang Roll", "malangrollkab", personas.province_admin)
    answer(blitar, 30, seed=1)
    answer(malang, 30, seed=2)
    return blitar, malang


def with_complaint_and_plan(answered: Answered, agency_id: int | None = None) -> None:
    """A complaint (a citizen's suggestion) and a year's follow-up plan of one agency (the
    first by default) in the regency: rows beyond the answers, for tests that move a regency."""
    with schema_context(answered.regency.schema_name):
        agency = Agency.objects.get(pk=agency_id) if agency_id else Agency.objects.order_by("pk")[0]
        year = datetime.date.today().year
        period = Period.objects.create(
            kind=PeriodKind.YEAR,
            year=year,
            number=1,
            starts_on=datetime.date(year, 1, 1),
            ends_on=datetime.date(year, 12, 31),
        )
        FollowUpPlan.objects.create(agency=agency, period=period)
        response_submit(
            Submission(
                service_point_code=answered.points[0].code,
                answers={f"U{i}": 2 for i in range(1, 10)},
                questionnaire_version=Questionnaire.objects.get(is_current=True).version,
                service_id=answered.services[0].pk,
                suggestion="Antrean terlalu panjang, mohon ditambah loket.",
                service_date=datetime.date.today(),
            )
        )
        assert Case.objects.filter(response__service_point=answered.points[0]).exists()
    connection.set_schema_to_public()
