"""Cases in Tulungagung's schema: the survey structure of tests/surveys, an agency operator,
and responses with suggestions submitted at a frozen moment."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from sukma.access.models import Membership, Role, User
from sukma.surveys.models import Agency, Service, ServicePoint
from tests.browser.conftest import browser_context, chromium, live_site, page, site  # noqa: F401
from tests.surveys.conftest import ALL_FOUR, dukcapil, in_tulungagung, submit  # noqa: F401

WIB = ZoneInfo("Asia/Jakarta")


def wib(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=WIB)


@pytest.fixture(autouse=True)
def _fresh_lookup_counts():
    cache.clear()
    yield


@pytest.fixture
def dinkes(in_tulungagung):  # noqa: F811
    """A second agency of Tulungagung, with its own counter."""
    agency = Agency.objects.create(name="Dinas Kesehatan", short_name="Dinkes", kind="dinas")
    service = Service.objects.create(agency=agency, name="Surat keterangan sehat")
    point = ServicePoint.objects.create(
        agency=agency, name="Loket Dinkes", code="DK4H7PQR", default_service=service
    )
    return agency, service, point


@pytest.fixture
def operator(personas, dukcapil):  # noqa: F811
    """An operator of Dukcapil only."""
    user = User.objects.create_user("operator@dukcapil.tulungagungkab.go.id", "Rahasia-Jatim-2026")
    Membership.objects.create(
        user=user, role=Role.AGENCY_OPERATOR, regency=personas.tulungagung, agency_id=dukcapil[0].pk
    )
    return user


def complain(point, text: str, *, now=None, token: str = ""):
    """A response with a suggestion (and so a case), as the citizen's page submits it."""
    return submit(point, ALL_FOUR, now=now, suggestion=text, token=token)


@pytest.fixture
def committed_point(personas, committed):
    """An agency and its counter in Tulungagung, committed (for a worker or a browser);
    removed afterwards with everything written against it (responses, cases, totals)."""
    import secrets

    from django.db import connection

    from sukma.surveys.models import (
        DailyProfileTotals,
        DailyServiceTotals,
        MonthlyServiceTotals,
        Response,
    )

    regency = personas.tulungagung
    connection.set_tenant(regency)
    suffix = secrets.token_hex(3).upper()
    agency = Agency.objects.create(
        name=f"Dinas Perhubungan {suffix}", short_name="Dishub", kind="dinas"
    )
    service = Service.objects.create(agency=agency, name="Uji KIR", annual_users=3000)
    point = ServicePoint.objects.create(
        agency=agency, name="Loket KIR", code=f"CP{suffix}", default_service=service
    )
    connection.set_schema_to_public()
    yield point
    connection.set_tenant(regency)
    services = Service.objects.filter(agency=agency)
    Response.objects.filter(service__in=services).delete()  # cases and notes go with them
    for model in (DailyServiceTotals, MonthlyServiceTotals, DailyProfileTotals):
        model.objects.filter(service__in=services).delete()
    ServicePoint.objects.filter(agency=agency).delete()
    services.delete()
    agency.delete()
    connection.set_schema_to_public()
