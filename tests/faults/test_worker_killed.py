"""The whole worker SIGKILLed (an OOM kill, a lost machine) in the middle of a job.

After a new worker starts, the sweeper (sent by a real beat every few seconds here, every
minute in production; a job is stale after its task's hard limit, 20 s here) resumes the
job: a full rankings refresh killed in its rollup phase or in its final step ends with the
rankings and rollup of a clean run; a report killed at 40 % ends with a valid file. A job
lost twice is failed visibly, and asking again makes a new one. Nothing stays running.
"""

import datetime
import json

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from sukma.platform.rankings.models import (
    RankingSnapshot,
    RefreshKind,
    RefreshRun,
    RollupDay,
    RollupMonth,
    RunState,
)
from sukma.platform.rankings.rollup import COLUMNS
from sukma.platform.rankings.services import refresh_run_here, refresh_start
from sukma.surveys import selectors
from sukma.surveys.models import Agency, Period, PeriodKind, Service, ServicePoint
from sukma.surveys.reports import services as reports
from sukma.surveys.reports.models import ReportFile, ReportState
from tests.conftest import PUBLIC_HOST, host_client
from tests.faults.conftest import beat_process, wait_until, worker_process
from tests.reports.conftest import answers
from tests.reports.helpers import indonesian, pdf_text, pdf_value
from tests.surveys.conftest import submit

REFRESH_API = "/api/v1/rankings/refresh/"
SWEEPER = "sweep-stale-jobs"


def rankings_state() -> tuple:
    """Every stored ranking (period, level, code, rows) and rolled-up month, comparable."""
    snapshots = sorted(
        (s.period_kind, s.year, s.number, s.level, s.code, json.dumps(s.rows, sort_keys=True))
        for s in RankingSnapshot.objects.all()
    )
    months = sorted(RollupMonth.objects.values_list("regency_id", "service_id", "month", *COLUMNS))
    return snapshots, months


def _forget_rankings() -> None:
    """What a refresh writes, removed: only a run that finishes writes it back."""
    RankingSnapshot.objects.all().delete()
    RollupMonth.objects.all().delete()
    RollupDay.objects.all().delete()


def _paused(worker, where: str) -> None:
    wait_until(lambda: f"fault pause: {where}" in worker.output(), 90)


def _finished(run: RefreshRun, seconds: float = 120) -> RefreshRun:
    def finished():
        run.refresh_from_db()
        return run.state in (RunState.DONE, RunState.FAILED)

    wait_until(finished, seconds)
    return run


@pytest.mark.parametrize("phase", ["rollup", "finish"])
def test_a_full_refresh_whose_worker_is_killed_ends_as_a_clean_run_once_a_worker_returns(
    personas,
    two_answered,
    committed,
    processes,
    tmp_path,
    phase,
):
    clean_run = refresh_run_here(
        refresh_start(acting_user=personas.province_admin, kind=RefreshKind.FULL)
    )
    assert clean_run.state == RunState.DONE
    clean = rankings_state()
    assert clean[0] and clean[1]
    _forget_rankings()

    doomed = processes(worker_process(tmp_path / "doomed.log", SUKMA_FAULT_PAUSE=phase))
    province = host_client(PUBLIC_HOST, personas.province_admin)
    asked = province.post(REFRESH_API, {"kind": "full"})
    assert asked.status_code == 202, asked.content
    run = RefreshRun.objects.get(pk=asked.json()["id"])
    _paused(doomed, phase)
    run.refresh_from_db()
    assert run.state == RunState.RUNNING
    if phase == "finish":
        assert run.regencies_done == run.regencies_total  # the 100 % of the issue
    doomed.kill()

    processes(worker_process(tmp_path / "after.log"))
    processes(beat_process(tmp_path / "beat.log", SWEEPER))
    _finished(run)

    assert run.state == RunState.DONE, run.error
    assert run.resumed == 1
    assert rankings_state() == clean
    assert not RefreshRun.objects.filter(state__in=[RunState.PENDING, RunState.RUNNING]).exists()


@pytest.fixture
def surveyed_agency(personas, committed):
    """An agency of Tulungagung with two answers in 2026 and the year's period (committed)."""
    schema = personas.tulungagung.schema_name
    with schema_context(schema):
        agency = Agency.objects.create(name="Dinas Perhubungan", kind="dinas")
        service = Service.objects.create(agency=agency, name="Uji KIR", annual_users=2000)
        point = ServicePoint.objects.create(
            agency=agency, name="Loket KIR", code="TF7K2M9Q", default_service=service
        )
        year = Period.objects.create(
            kind=PeriodKind.YEAR, year=2026, number=1,
            starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2026, 12, 31),
        )  # fmt: skip
        when = timezone.make_aware(datetime.datetime(2026, 4, 1, 9, 0))
        submit(point, answers(4, 3, 3, 4, 3, 4, 4, 2, 3), now=when)
        submit(point, answers(3, 3, 2, None, 3, 3, 4, 3, 3), now=when)
    connection.set_schema_to_public()
    yield agency, year
    from tests.reports.test_report_worker import _clean

    _clean(schema)
    connection.set_schema_to_public()


def _ask(personas, agency, year) -> tuple[ReportFile, bool]:
    with schema_context(personas.tulungagung.schema_name):
        return reports.report_request(
            acting_user=personas.tulungagung_admin, scope="agency", scope_id=agency.pk,
            period=year, fmt="pdf",
        )  # fmt: skip


def _report(personas, report: ReportFile) -> ReportFile:
    with schema_context(personas.tulungagung.schema_name):
        report.refresh_from_db()
    return report


def _report_finished(personas, report: ReportFile, seconds: float = 120) -> ReportFile:
    wait_until(lambda: _report(personas, report).finished, seconds)
    return report


def _assert_valid(personas, report: ReportFile, agency, year) -> None:
    with schema_context(personas.tulungagung.schema_name):
        assert report.state == ReportState.DONE, report.error
        figure = selectors.agency_figure(year, agency)
        with report.file.open("rb") as handle:
            text = pdf_text(handle.read())
    assert int(pdf_value(text, "Jumlah responden")) == figure.responses == 2
    assert indonesian(pdf_value(text, "IKM konversi")) == figure.result.konversi


def test_a_report_whose_worker_is_killed_at_forty_percent_is_made_once_a_worker_returns(
    personas, surveyed_agency, processes, tmp_path
):
    agency, year = surveyed_agency
    doomed = processes(worker_process(tmp_path / "doomed.log", SUKMA_FAULT_PAUSE="report"))
    report, created = _ask(personas, agency, year)
    assert created
    _paused(doomed, "report")
    assert (_report(personas, report).state, report.progress) == (ReportState.RUNNING, 40)
    doomed.kill()

    processes(worker_process(tmp_path / "after.log"))
    processes(beat_process(tmp_path / "beat.log", SWEEPER))
    _report_finished(personas, report)

    _assert_valid(personas, report, agency, year)
    assert (report.progress, report.error) == (100, "")


def test_a_report_lost_twice_is_failed_and_asking_again_makes_a_new_one(
    personas, surveyed_agency, processes, tmp_path
):
    agency, year = surveyed_agency
    first = processes(worker_process(tmp_path / "first.log", SUKMA_FAULT_PAUSE="report"))
    report, created = _ask(personas, agency, year)
    assert created
    _paused(first, "report")
    first.kill()
    beat = processes(beat_process(tmp_path / "beat.log", SWEEPER))
    second = processes(worker_process(tmp_path / "second.log", SUKMA_FAULT_PAUSE="report"))
    _paused(second, "report")  # the sweeper sent it again; this worker is lost too
    second.kill()

    processes(worker_process(tmp_path / "after.log"))  # it runs the sweeper, which fails it
    _report_finished(personas, report)
    assert report.state == ReportState.FAILED
    assert report.error == reports.WORKER_LOST
    beat.stop()

    again, created = _ask(personas, agency, year)
    assert created and again.pk != report.pk
    _report_finished(personas, again)
    _assert_valid(personas, again, agency, year)
    with schema_context(personas.tulungagung.schema_name):
        live = ReportFile.objects.filter(state__in=[ReportState.PENDING, ReportState.RUNNING])
        assert not live.exists()
