"""The demo's volume in the province's rollup, for the public results page's tests.

38 regencies (as many as East Java has and the demo seeds), each with one agency
of every standard kind of opd-template.csv and that kind's services, answered in
January of the current year; one regency also has 20 kecamatan, as Tulungagung
has in the demo. That is more agencies (628) and services than the demo makes.
Rows go straight into the rollup tables (bulk inserts): the public pages read
only the public schema, so no regency needs a schema here.
"""

import datetime
import itertools
import random

from django.utils import timezone

from sukma.platform.rankings.models import RollupAgency, RollupMonth, RollupService
from sukma.platform.rankings.ranking import default_period, rankings_recompute
from sukma.standards.models import StandardAgencyKind, StandardService
from sukma.standards.services import (
    TEMPLATE_KIND_CODES,
    standard_kinds_seed,
    template_rows,
    template_service_code,
)
from sukma.surveys.models import ELEMENT_FIELDS
from sukma.tenants.models import Regency, RegencyStatus

REGENCIES = 38
KECAMATAN_IN_ONE = 20
_ids = itertools.count(700_001)


def _template() -> dict[str, list[str]]:
    """Agency name -> its services, in the template's order."""
    services: dict[str, list[str]] = {}
    for row in template_rows():
        services.setdefault(row["agency"], []).append(row["service"])
    return services


def _month_row(rng, regency, agency_id, service_id, month, short: bool) -> RollupMonth:
    """20 to 60 responses (2 to 6 where the sample is to fall short, as most regencies' do in
    the demo: their rows then carry the longest note), all elements answered, scores drawn
    around a quality."""
    responses = rng.randrange(2, 7) if short else rng.randrange(20, 61)
    quality = rng.uniform(2.3, 3.9)
    values = {"responses": responses}
    for field in ELEMENT_FIELDS:
        total = sum(min(4, max(1, round(rng.gauss(quality, 0.6)))) for _ in range(responses))
        values[f"{field}_sum"] = total
        values[f"{field}_count"] = responses
    return RollupMonth(
        regency=regency, agency_id=agency_id, service_id=service_id, month=month, **values
    )


def province_volume_seed(seed: int = 35) -> dict:
    """Seeds the rollup and the current year's rankings; returns what it made, as counts."""
    rng = random.Random(seed)
    standard_kinds_seed()
    template = _template()
    month = datetime.date(timezone.localdate().year, 1, 1)
    agencies, services, months = [], [], []
    for number in range(REGENCIES):
        regency = Regency.objects.create(
            schema_name=f"volume_{number}",
            name=f"Kabupaten Uji {number:02d}",
            kind="kabupaten",
            region_code=f"98.{number:02d}",
            status=RegencyStatus.ACTIVE,
        )
        for agency_name, names in template.items():
            kind = TEMPLATE_KIND_CODES[agency_name]
            copies = KECAMATAN_IN_ONE if (kind == "kecamatan" and number == 0) else 1
            for copy in range(copies):
                agency_id = next(_ids)
                suffix = f" {copy + 1}" if copies > 1 else ""
                agencies.append(
                    RollupAgency(
                        regency=regency,
                        agency_id=agency_id,
                        name=f"{agency_name}{suffix}",
                        kind="dinas",
                        standard_kind=kind,
                    )
                )
                for service_name in names:
                    service_id = next(_ids)
                    services.append(
                        RollupService(
                            regency=regency,
                            service_id=service_id,
                            agency_id=agency_id,
                            name=service_name,
                            standard_service=template_service_code(kind, service_name),
                            annual_users=rng.randrange(50, 400),
                        )
                    )
                    months.append(
                        _month_row(rng, regency, agency_id, service_id, month, number % 2 == 1)
                    )
    RollupAgency.objects.bulk_create(agencies)
    RollupService.objects.bulk_create(services)
    RollupMonth.objects.bulk_create(months)
    rankings_recompute(periods=[default_period()])
    return {"regencies": REGENCIES, "agencies": len(agencies), "services": len(services)}


def standards_snapshot() -> tuple[set, set]:
    return (
        set(StandardAgencyKind.objects.values_list("pk", flat=True)),
        set(StandardService.objects.values_list("pk", flat=True)),
    )


def standards_restore(before: tuple[set, set]) -> None:
    """Remove the standard lists the seed added (the committed fixture does not track them)."""
    kinds, services = before
    StandardService.objects.exclude(pk__in=services).delete()
    StandardAgencyKind.objects.exclude(pk__in=kinds).delete()
