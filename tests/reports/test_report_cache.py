"""Cached until the data changes: the same data gives the same file, new data a new one."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from sukma.surveys.dashboard.moderation import response_exclude
from sukma.surveys.models import Period, PeriodKind
from sukma.surveys.reports import services
from sukma.surveys.reports.models import ReportFile, ReportState
from tests.reports.conftest import answers, moment
from tests.surveys.conftest import submit


@pytest.fixture
def sent(monkeypatch):
    """The report ids handed to the worker (after commit), instead of a broker."""
    ids = []
    monkeypatch.setattr(services, "_dispatch", lambda report_id, schema: ids.append(report_id))
    return ids


def ask(personas, agency, year, fmt="xlsx"):
    return services.report_request(
        acting_user=personas.tulungagung_admin,
        scope="agency",
        scope_id=agency.pk,
        period=year,
        fmt=fmt,
    )


def test_a_second_request_for_unchanged_data_returns_the_same_file_without_a_new_task(
    personas, surveyed, sent, django_capture_on_commit_callbacks
):
    agency, *_rest, year = surveyed
    with django_capture_on_commit_callbacks(execute=True):
        first, created = ask(personas, agency, year)
    assert created and sent == [first.pk]
    services.report_generate(report_id=first.pk, regency=personas.tulungagung)

    with django_capture_on_commit_callbacks(execute=True):
        again, created_again = ask(personas, agency, year)

    assert not created_again
    assert again.pk == first.pk and again.state == ReportState.DONE
    assert sent == [first.pk]  # no second task
    assert ReportFile.objects.count() == 1


def test_a_request_while_one_is_being_made_joins_it(personas, surveyed, sent):
    agency, *_rest, year = surveyed
    first, _created = ask(personas, agency, year, "pdf")
    again, created = ask(personas, agency, year, "pdf")
    assert (again.pk, created) == (first.pk, False)


def test_a_new_response_changes_the_fingerprint_and_the_report_is_made_again(
    personas, surveyed, sent, django_capture_on_commit_callbacks
):
    agency, _ktp, _kk, point, _responses, year = surveyed
    first, _created = ask(personas, agency, year)
    services.report_generate(report_id=first.pk, regency=personas.tulungagung)

    submit(point, answers(1, 1, 1, 1, 1, 1, 1, 1, 1), now=moment(7, 1))
    with django_capture_on_commit_callbacks(execute=True):
        second, created = ask(personas, agency, year)

    assert created and second.pk != first.pk
    assert second.fingerprint != first.fingerprint
    assert sent[-1] == second.pk


def test_an_exclusion_changes_the_fingerprint(personas, surveyed, sent):
    agency, _ktp, _kk, _point, responses, year = surveyed
    first, _created = ask(personas, agency, year)
    response_exclude(
        acting_user=personas.tulungagung_admin,
        regency=personas.tulungagung,
        response_id=responses[0].pk,
        reason="Uji coba petugas",
    )
    second, created = ask(personas, agency, year)
    assert created and second.fingerprint != first.fingerprint


def test_another_agencys_response_leaves_the_agency_report_cached(
    personas, surveyed, other_agency, sent
):
    from sukma.surveys.models import ServicePoint

    agency, *_rest, year = surveyed
    first, _created = ask(personas, agency, year)
    point = ServicePoint.objects.create(
        agency=other_agency,
        name="Loket Dinkes",
        code="TC9M4P5S",
        default_service=other_agency.services.first(),
    )
    submit(point, answers(2, 2, 2, 2, 2, 2, 2, 2, 2), now=moment(7, 2))
    again, created = ask(personas, agency, year)
    assert (again.pk, created) == (first.pk, False)


def test_locking_the_period_changes_the_fingerprint(personas, surveyed, sent):
    agency, *_rest, year = surveyed
    first, _created = ask(personas, agency, year)
    Period.objects.filter(pk=year.pk).update(locked=True)
    year.refresh_from_db()
    second, created = ask(personas, agency, year)
    assert created and second.fingerprint != first.fingerprint


def test_a_failed_report_may_be_asked_for_again(personas, surveyed, sent):
    agency, *_rest, year = surveyed
    first, _created = ask(personas, agency, year)
    ReportFile.objects.filter(pk=first.pk).update(state=ReportState.FAILED)
    second, created = ask(personas, agency, year)
    assert created and second.pk != first.pk


def test_generating_twice_does_the_work_once(personas, surveyed, sent):
    agency, *_rest, year = surveyed
    report, _created = ask(personas, agency, year)
    done = services.report_generate(report_id=report.pk, regency=personas.tulungagung)
    name = done.file.name
    again = services.report_generate(report_id=report.pk, regency=personas.tulungagung)
    assert again.file.name == name and again.state == ReportState.DONE and again.progress == 100


def test_an_unknown_scope_or_format_is_refused(personas, surveyed, sent):
    agency, *_rest, year = surveyed
    with pytest.raises(ValidationError):
        ask(personas, agency, year, fmt="docx")
    with pytest.raises(ValidationError):
        services.report_request(
            acting_user=personas.tulungagung_admin,
            scope="agency",
            scope_id=999999,
            period=year,
            fmt="pdf",
        )


def test_a_period_of_another_kind_is_its_own_report(personas, surveyed, sent):
    agency, *_rest, year = surveyed
    q1 = Period.objects.create(
        kind=PeriodKind.QUARTER,
        year=2026,
        number=1,
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 3, 31),
    )
    first, _created = ask(personas, agency, year)
    second, created = ask(personas, agency, q1)
    assert created and second.pk != first.pk
