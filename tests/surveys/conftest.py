"""A small survey structure inside Tulungagung's schema, for the survey tests."""

import datetime

import pytest
from django.db import connection

from sukma.surveys.citizen.submission import Submission, response_submit
from sukma.surveys.models import Agency, Period, PeriodKind, Questionnaire, Service, ServicePoint

ALL_FOUR = {f"U{i}": 4 for i in range(1, 10)}


@pytest.fixture
def in_tulungagung(personas, db):
    connection.set_tenant(personas.tulungagung)
    yield personas.tulungagung
    connection.set_schema_to_public()


@pytest.fixture
def dukcapil(in_tulungagung):
    agency = Agency.objects.create(
        name="Dinas Kependudukan dan Pencatatan Sipil", short_name="Dukcapil", kind="dinas"
    )
    ktp = Service.objects.create(agency=agency, name="Perekaman KTP-el", annual_users=12000)
    kk = Service.objects.create(agency=agency, name="Kartu Keluarga", annual_users=6000)
    point = ServicePoint.objects.create(
        agency=agency, name="Loket 1", code="TA7K2M9Q", default_service=ktp
    )
    return agency, ktp, kk, point


@pytest.fixture
def year_2026(in_tulungagung):
    return Period.objects.create(
        kind=PeriodKind.YEAR,
        year=2026,
        number=1,
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
    )


def submit(point, answers, *, day=None, token="", address="", now=None, **extra):
    return response_submit(
        Submission(
            service_point_code=point.code,
            answers=answers,
            questionnaire_version=Questionnaire.objects.get(is_current=True).version,
            service_date=day,
            device_token=token,
            address=address,
            **extra,
        ),
        now=now,
    )
