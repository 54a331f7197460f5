"""Tulungagung's Dukcapil with answers in March 2025, its operators, and a second agency."""

import datetime

import pytest
from django.utils import timezone

from sukma.access.models import Membership, Role, User
from sukma.surveys.models import Agency, Service, ServicePoint
from sukma.surveys.structure import services as structure
from tests.conftest import PASSWORD
from tests.surveys.conftest import ALL_FOUR, dukcapil, in_tulungagung, submit  # noqa: F401

# U8 lowest, then U3, then U2; the rest all 4.
UNEVEN = {**ALL_FOUR, "U2": 3, "U3": 2, "U8": 1}
MARCH_2025 = datetime.datetime(2025, 3, 10, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def operator_of(personas, db):
    """A new agency operator of Tulungagung for the given agency."""

    def make(agency, email: str = "operator@dukcapil.tulungagungkab.go.id"):
        user = User.objects.create_user(email, PASSWORD)
        Membership.objects.create(
            user=user, role=Role.AGENCY_OPERATOR, regency=personas.tulungagung, agency_id=agency.pk
        )
        return user

    return make


@pytest.fixture
def dinkes(in_tulungagung):  # noqa: F811
    agency = Agency.objects.create(name="Dinas Kesehatan", short_name="Dinkes", kind="dinas")
    service = Service.objects.create(agency=agency, name="Surat Sehat", annual_users=3000)
    point = ServicePoint.objects.create(agency=agency, name="Loket Dinkes", code="DK7K2M9Q")
    return agency, service, point


@pytest.fixture
def march(in_tulungagung, personas):  # noqa: F811
    return structure.period_create(
        acting_user=personas.tulungagung_admin, kind="month", year=2025, number=3
    )


@pytest.fixture
def answered_march(dukcapil, march):  # noqa: F811
    """Dukcapil: three responses in March 2025, U8 lowest, then U3, U2."""
    point = dukcapil[3]
    for n in range(3):
        submit(point, UNEVEN, day=datetime.date(2025, 3, 3 + n), now=MARCH_2025)
    return march


def lock(period, user, **kw):
    return structure.period_lock(acting_user=user, period=period, **kw)


def today():
    return timezone.localdate()
