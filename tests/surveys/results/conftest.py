"""Tulungagung's Dukcapil and RSUD answered in 2026, for the public results' tests."""

import datetime

import pytest
from django.utils import timezone

from sukma.surveys.models import Agency, Service, ServicePoint
from tests.surveys.conftest import ALL_FOUR, submit

NOW = timezone.make_aware(datetime.datetime(2026, 11, 20, 10, 0))
CODES = [f"U{i}" for i in range(1, 10)]


@pytest.fixture
def rsud(in_tulungagung):
    agency = Agency.objects.create(name="RSUD dr. Iskak", short_name="RSUD", kind="rsud")
    service = Service.objects.create(agency=agency, name="Rawat jalan", annual_users=50000)
    point = ServicePoint.objects.create(
        agency=agency, name="Poli Umum", code="RS4P9X2W", default_service=service
    )
    return agency, service, point


@pytest.fixture
def this_year(dukcapil, rsud, year_2026):
    submit(dukcapil[3], ALL_FOUR, now=NOW)
    submit(dukcapil[3], {**{c: 3 for c in CODES}, "U4": None}, now=NOW)
    submit(dukcapil[3], {c: 2 for c in CODES}, now=NOW)
    submit(rsud[2], {**ALL_FOUR, "U3": 2}, now=NOW)
    return year_2026
