"""A response racing a period's closing is refused: it waits for the lock, then sees it."""

import datetime
import threading

import psycopg
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from sukma.surveys.models import (
    Agency,
    DailyProfileTotals,
    DailyServiceTotals,
    MonthlyServiceTotals,
    Period,
    Response,
    Service,
    ServicePoint,
)
from tests.surveys.conftest import ALL_FOUR, submit

NOW = timezone.make_aware(datetime.datetime(2026, 11, 20, 10, 0))


@pytest.fixture
def committed_structure(personas, committed):
    connection.set_tenant(personas.tulungagung)
    agency = Agency.objects.create(name="Dinas Balapan", kind="dinas")
    service = Service.objects.create(agency=agency, name="Layanan Balapan")
    point = ServicePoint.objects.create(
        agency=agency, name="Loket Balapan", code="RACE7K2M", default_service=service
    )
    period = Period.objects.create(
        kind="month", year=2026, number=11, starts_on="2026-11-01", ends_on="2026-11-30"
    )
    yield point, period
    connection.set_tenant(personas.tulungagung)
    Response.objects.filter(service=service).delete()
    for model in (DailyServiceTotals, MonthlyServiceTotals, DailyProfileTotals):
        model.objects.filter(service=service).delete()
    point.delete()
    period.delete()
    service.delete()
    agency.delete()
    connection.set_schema_to_public()


def _closing_connection(schema: str):
    settings = connection.settings_dict
    other = psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        password=settings["PASSWORD"] or None,
    )
    other.execute(f'SET search_path = "{schema}"')
    return other


def test_a_response_submitted_while_its_period_closes_is_refused(personas, committed_structure):
    point, period = committed_structure
    closer = _closing_connection(personas.tulungagung.schema_name)
    closer.execute("SELECT id FROM surveys_period WHERE id = %s FOR UPDATE", [period.pk])
    closer.execute("UPDATE surveys_period SET locked = true WHERE id = %s", [period.pk])
    threading.Timer(0.5, closer.commit).start()  # the lock commits while the citizen waits

    with pytest.raises(ValidationError) as error:
        submit(point, ALL_FOUR, now=NOW)

    assert "period" in error.value.message_dict
    assert not Response.objects.filter(service_point=point).exists()
    closer.close()
