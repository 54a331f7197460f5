"""A task that fails for good in a real worker is visible to the province, counted and timed.

The task is the product's own: a report generation for a report that does not exist, sent
to Tulungagung's schema. It is not a transient error, so it is not retried: it fails for
good at once. The worker records it (TaskFailure), its metrics count it, its log line says
the regency; the province's page lists it until an admin marks it handled (audited).
"""

import io
import json
import logging
import logging.config
import time
import urllib.request

import pytest
from django.conf import settings

from sukma import background
from sukma.access.models import AuditEvent
from sukma.platform.models import TaskFailure
from sukma.worker import observe
from tests.conftest import PUBLIC_HOST, host_client

pytestmark = pytest.mark.worker

MISSING_REPORT = 987_654_321


@pytest.fixture
def json_log_lines():
    """The root logger's lines in production's format (LOG_FORMAT=json), as a collector sees."""
    from sukma.logs import logging_config

    stream = io.StringIO()
    config = logging_config("json", "INFO")
    config["handlers"]["console"]["stream"] = stream
    logging.config.dictConfig(config)
    try:
        yield stream
    finally:
        logging.config.dictConfig(settings.LOGGING)


def _fail_a_report_in_tulungagung(personas) -> str:
    result = background.send(
        background.GENERATE_REPORT,
        args=[MISSING_REPORT],
        schema=personas.tulungagung.schema_name,
    )
    # Work is sent without a result to wait on (sukma.background): wait for the worker's record.
    deadline = time.monotonic() + 30
    while not TaskFailure.objects.filter(task_id=result.id).exists():
        assert time.monotonic() < deadline, "the worker recorded no failure"
        time.sleep(0.1)
    return result.id


def _worker_metrics() -> str:
    assert observe.served_port, "the worker serves its metrics (WORKER_METRICS_PORT)"
    with urllib.request.urlopen(f"http://127.0.0.1:{observe.served_port}/metrics") as answer:
        return answer.read().decode()


def test_a_task_that_fails_for_good_shows_on_the_province_page_until_handled(
    personas, committed, celery_worker, json_log_lines
):
    task_id = _fail_a_report_in_tulungagung(personas)

    failure = TaskFailure.objects.get(task_id=task_id)
    assert failure.task_name == background.GENERATE_REPORT
    assert failure.regency == personas.tulungagung
    assert failure.schema_name == "r35_04"
    assert failure.error == "DoesNotExist: ReportFile matching query does not exist."
    assert failure.handled_at is None

    province = host_client(PUBLIC_HOST, personas.province_admin)
    page = province.get("/tugas-gagal/").content.decode()
    assert background.GENERATE_REPORT in page
    assert "Kabupaten Tulungagung" in page
    assert "ReportFile matching query does not exist." in page
    assert 'href="/tugas-gagal/"' in province.get("/audit/").content.decode()  # in the nav

    answer = province.post(f"/tugas-gagal/{failure.pk}/ditangani/")
    assert answer.status_code == 302
    failure.refresh_from_db()
    assert failure.handled_by == personas.province_admin
    event = AuditEvent.objects.get(action="task_failure.handled", target_id=str(failure.pk))
    assert event.actor == personas.province_admin
    assert event.regency == personas.tulungagung
    # Another test's failure may be listed too: this one is known by its own button.
    its_button = f"/tugas-gagal/{failure.pk}/ditangani/"
    assert its_button not in province.get("/tugas-gagal/").content.decode()
    assert background.GENERATE_REPORT in province.get("/tugas-gagal/?tampil=sudah").content.decode()

    # Marking it again changes nothing and says so.
    again = province.post(f"/tugas-gagal/{failure.pk}/ditangani/", follow=True)
    assert "sudah ditandai" in again.content.decode()
    assert AuditEvent.objects.filter(action="task_failure.handled").count() == 1

    lines = [json.loads(line) for line in json_log_lines.getvalue().splitlines()]
    failed = [line for line in lines if task_id in line["message"] and line["level"] == "ERROR"]
    assert failed, lines
    assert {line["regency"] for line in failed} == {"r35_04"}


def test_the_worker_counts_and_times_its_tasks(personas, committed, celery_worker):
    def failures(text: str) -> float:
        for line in text.splitlines():
            if line.startswith(f'sukma_task_failures_total{{task="{background.GENERATE_REPORT}"}}'):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    before = failures(_worker_metrics())
    _fail_a_report_in_tulungagung(personas)
    text = _worker_metrics()
    assert failures(text) == before + 1
    timed = (
        f'sukma_task_duration_seconds_count{{state="FAILURE",task="{background.GENERATE_REPORT}"}}'
    )
    assert any(line.startswith(timed) for line in text.splitlines()), text


def test_a_second_report_of_one_failure_adds_no_row(personas, committed):
    from sukma.platform.services.task_failures import task_failure_record

    first = task_failure_record(
        task_name="t", task_id="abc", schema_name="r35_04", error=ValueError("boom\nmore")
    )
    second = task_failure_record(
        task_name="t", task_id="abc", schema_name="r35_04", error=ValueError("other")
    )
    assert first.pk == second.pk
    assert first.error == "ValueError: boom"
    assert TaskFailure.objects.filter(task_id="abc").count() == 1
