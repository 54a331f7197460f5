"""The report carries this period's RTL and the realisation of the previous period's."""

import datetime

import pytest

from sukma.surveys.followup.models import FollowUpItem, FollowUpPlan
from sukma.surveys.models import Period, PeriodKind
from sukma.surveys.reports.pdf import report_pdf
from sukma.surveys.reports.selectors import data_fingerprint, subject_for
from tests.reports.helpers import data_for, pdf_text


@pytest.fixture
def year_2025(in_tulungagung):
    return Period.objects.create(
        kind=PeriodKind.YEAR,
        year=2025,
        number=1,
        starts_on=datetime.date(2025, 1, 1),
        ends_on=datetime.date(2025, 12, 31),
        locked=True,
    )


def plan(agency, period, status, **item):
    made = FollowUpPlan.objects.create(agency=agency, period=period, status=status)
    FollowUpItem.objects.create(
        plan=made, element_code="U3", element_name="Waktu Penyelesaian", position=1, **item
    )
    return made


def flat(body: bytes) -> str:
    return " ".join(pdf_text(body).split())


def test_without_plans_the_report_says_there_is_no_rtl_yet(personas, surveyed):
    agency, *_rest, year = surveyed
    text = flat(report_pdf(data_for(personas.tulungagung, "agency", agency.pk, year)))
    assert "Belum ada RTL untuk periode Tahun 2026" in text
    assert "Belum ada RTL periode sebelumnya" in text


def test_the_plan_and_the_previous_realisation_are_printed(personas, surveyed, year_2025):
    agency, *_rest, year = surveyed
    plan(
        agency,
        year_2025,
        "done",
        acts_on=True,
        planned_action="Menambah loket antrean",
        realisation="Loket ketiga dibuka Maret 2026",
        realised_at=datetime.date(2026, 3, 2),
    )
    plan(
        agency,
        year,
        "approved",
        acts_on=True,
        planned_action="Standar waktu dipasang di loket",
        responsible="Kasi Pelayanan",
        deadline=datetime.date(2027, 3, 31),
    )
    text = flat(report_pdf(data_for(personas.tulungagung, "agency", agency.pk, year)))
    assert "Standar waktu dipasang di loket" in text
    assert "Kasi Pelayanan" in text
    assert "Disetujui" in text
    assert "Realisasi RTL Periode Sebelumnya (Tahun 2025)" in text
    assert "Loket ketiga dibuka Maret 2026" in text


def test_a_changed_plan_changes_the_fingerprint(personas, surveyed, year_2025):
    agency, *_rest, year = surveyed
    subject = subject_for("agency", agency.pk)
    before = data_fingerprint(subject, year)
    made = plan(agency, year_2025, "approved", acts_on=True, planned_action="Antrean daring")
    with_plan = data_fingerprint(subject, year)
    assert with_plan != before
    item = made.items.get()
    item.realisation = "Antrean daring berjalan"
    item.save()
    assert data_fingerprint(subject, year) != with_plan
