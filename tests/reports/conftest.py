"""A surveyed agency in Tulungagung for the report tests: two services, varied answers."""

import datetime

import pytest
from django.utils import timezone

from sukma.access.models import Membership, Role, User
from sukma.surveys.models import Agency, Service, ServicePoint
from tests.surveys.conftest import dukcapil, in_tulungagung, submit, year_2026  # noqa: F401

CODES = [f"U{i}" for i in range(1, 10)]


def moment(month: int, day: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, month, day, 10, 0))


def answers(*values: int | None) -> dict:
    return dict(zip(CODES, values, strict=True))


SURVEY = [
    # (month, day, answers, profile, suggestion)
    (1, 12, answers(4, 4, 3, 4, 4, 4, 4, 3, 4), {"sex": "L", "education": "SMA"}, "Bagus"),
    (2, 3, answers(3, 3, 2, None, 3, 4, 4, 2, 3), {"sex": "P", "education": "D4-S1"}, ""),
    (3, 9, answers(2, 3, 2, 4, 3, 3, 3, 2, 3), {"sex": "P", "occupation": "PNS"}, "=1+2"),
    (4, 21, answers(4, 3, 3, 4, 4, 3, 4, 3, 4), {"sex": "L", "disability": "tidak"}, "@SUM(A1)"),
    (5, 5, answers(3, 3, 3, 3, 3, 3, 3, 3, 3), {"age_band": "26-35"}, "-cmd|' /C calc'!A0"),
]


@pytest.fixture
def surveyed(dukcapil, year_2026):  # noqa: F811
    """Dukcapil with five responses over five months at its counter (KTP-el), one at Capil."""
    agency, ktp, kk, point = dukcapil
    responses = [
        submit(point, a, now=moment(m, d), profile=profile, suggestion=text)
        for m, d, a, profile, text in SURVEY
    ]
    other = ServicePoint.objects.create(
        agency=agency, name="Loket KK", code="TB8L3N4R", default_service=kk
    )
    responses.append(submit(other, answers(4, 4, 4, 4, 4, 4, 4, 4, 4), now=moment(6, 2)))
    return agency, ktp, kk, point, responses, year_2026


@pytest.fixture
def other_agency(in_tulungagung):  # noqa: F811
    agency = Agency.objects.create(name="Dinas Kesehatan", short_name="Dinkes", kind="dinas")
    Service.objects.create(agency=agency, name="Surat keterangan sehat")
    return agency


@pytest.fixture
def operator_of(personas):
    """An agency operator of Tulungagung for a given agency."""

    def make(agency) -> User:
        user = User.objects.create_user(f"operator{agency.pk}@tulungagungkab.go.id", "x-Pass-123")
        Membership.objects.create(
            user=user, role=Role.AGENCY_OPERATOR, regency=personas.tulungagung, agency_id=agency.pk
        )
        return user

    return make
