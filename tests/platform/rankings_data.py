"""Rollup rows written directly, for ranking tests that need exact figures.

Each response answers all nine elements with one score, so a service whose
responses are ``{4: 3, 3: 1}`` (three all-4, one all-3) has NRR 3.75 on every
element and konversi 93.75. Targets come from annual_users (Krejcie & Morgan).
"""

import datetime
import itertools

from sukma.platform.rankings.models import (
    RollupAgency,
    RollupMonth,
    RollupService,
)
from sukma.standards.models import StandardAgencyKind, StandardService
from sukma.surveys.models import ELEMENT_FIELDS
from sukma.tenants.models import Regency, RegencyStatus

_ids = itertools.count(9001)
_codes = itertools.count(90)


def regency(name: str, *, status=RegencyStatus.ACTIVE) -> Regency:
    """A regency row without a schema: rankings read the public schema only."""
    number = next(_codes)
    return Regency.objects.create(
        schema_name=f"rank_test_{number}",
        name=name,
        kind="kabupaten",
        region_code=f"99.{number:02d}",
        status=status,
    )


def standard_kind(code: str, name: str = "", agency_kind: str = "dinas") -> StandardAgencyKind:
    return StandardAgencyKind.objects.get_or_create(
        code=code, defaults={"name": name or code.upper(), "agency_kind": agency_kind}
    )[0]


def standard_service(kind: StandardAgencyKind, code: str, name: str = "") -> StandardService:
    return StandardService.objects.get_or_create(
        code=code, defaults={"name": name or code, "standard_kind": kind}
    )[0]


def agency(regency, *, name="Dinas Kependudukan dan Pencatatan Sipil", kind_code="", **extra):
    return RollupAgency.objects.create(
        regency=regency,
        agency_id=next(_ids),
        name=name,
        short_name=extra.pop("short_name", ""),
        kind=extra.pop("kind", "dinas"),
        standard_kind=kind_code,
        **extra,
    )


def service(agency: RollupAgency, *, name="Akta Kelahiran", code="", annual_users=12, **extra):
    return RollupService.objects.create(
        regency=agency.regency,
        service_id=next(_ids),
        agency_id=agency.agency_id,
        name=name,
        standard_service=code,
        annual_users=annual_users,
        **extra,
    )


def month(service: RollupService, year: int, month_number: int, scores: dict[int, int]):
    """Responses in one month: ``scores`` maps an answer (1..4) to how many gave it throughout."""
    responses = sum(scores.values())
    total = sum(score * n for score, n in scores.items())
    values = {"responses": responses}
    for f in ELEMENT_FIELDS:
        values[f"{f}_sum"] = total
        values[f"{f}_count"] = responses
    return RollupMonth.objects.create(
        regency=service.regency,
        agency_id=service.agency_id,
        service_id=service.service_id,
        month=datetime.date(year, month_number, 1),
        **values,
    )
