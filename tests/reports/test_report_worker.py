"""A real Celery worker makes a report: the message carries the regency's schema."""

import datetime
import time

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from sukma.surveys import selectors
from sukma.surveys.models import (
    Agency,
    DailyProfileTotals,
    DailyServiceTotals,
    MonthlyServiceTotals,
    Period,
    PeriodKind,
    Response,
    Service,
    ServicePoint,
)
from sukma.surveys.reports import services
from sukma.surveys.reports.models import ReportFile, ReportState
from tests.reports.conftest import answers
from tests.reports.helpers import indonesian, pdf_text, pdf_value
from tests.surveys.conftest import submit

pytestmark = pytest.mark.worker


def _clean(schema: str) -> None:
    with schema_context(schema):
        for report in ReportFile.objects.all():
            report.file.delete(save=False)
        ReportFile.objects.all().delete()
        Response.objects.all().delete()
        for model in (DailyProfileTotals, DailyServiceTotals, MonthlyServiceTotals):
            model.objects.all().delete()
        ServicePoint.objects.all().delete()
        Service.objects.all().delete()
        Agency.objects.all().delete()
        Period.objects.all().delete()


def test_a_worker_makes_the_pdf_of_a_request(personas, committed, celery_worker):
    schema = personas.tulungagung.schema_name
    try:
        with schema_context(schema):
            agency = Agency.objects.create(name="Dinas Perhubungan", kind="dinas")
            service = Service.objects.create(agency=agency, name="Uji KIR", annual_users=2000)
            point = ServicePoint.objects.create(
                agency=agency, name="Loket KIR", code="TW7K2M9Z", default_service=service
            )
            year = Period.objects.create(
                kind=PeriodKind.YEAR,
                year=2026,
                number=1,
                starts_on=datetime.date(2026, 1, 1),
                ends_on=datetime.date(2026, 12, 31),
            )
            when = timezone.make_aware(datetime.datetime(2026, 4, 1, 9, 0))
            submit(point, answers(4, 3, 3, 4, 3, 4, 4, 2, 3), now=when)
            submit(point, answers(3, 3, 2, None, 3, 3, 4, 3, 3), now=when)

            report, created = services.report_request(
                acting_user=personas.tulungagung_admin,
                scope="agency",
                scope_id=agency.pk,
                period=year,
                fmt="pdf",
            )  # autocommit: on_commit runs at once, sending the task with the schema
            assert created

        deadline = timezone.now() + datetime.timedelta(seconds=90)
        while timezone.now() < deadline:
            with schema_context(schema):
                report.refresh_from_db()
            if report.finished:
                break
            time.sleep(0.5)

        with schema_context(schema):
            report.refresh_from_db()
            assert report.state == ReportState.DONE, report.error
            assert report.progress == 100 and report.task_id
            figure = selectors.agency_figure(year, agency)
            with report.file.open("rb") as handle:
                text = pdf_text(handle.read())
        assert int(pdf_value(text, "Jumlah responden")) == figure.responses == 2
        assert indonesian(pdf_value(text, "IKM konversi")) == figure.result.konversi
    finally:
        _clean(schema)
        connection.set_schema_to_public()
