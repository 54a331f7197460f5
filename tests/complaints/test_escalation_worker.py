"""Escalation through a real Celery worker: the dispatcher fans out one message per
regency, stamped with its schema; the overdue case is escalated once, the admins told;
and a new case is announced to its agency once."""

import time

import pytest
from django.core import mail
from django.db import connection

from sukma.surveys.complaints.models import Case
from sukma.worker.tasks_complaints import escalate_overdue_complaints, notify_new_complaints
from tests.complaints.conftest import complain, wib

pytestmark = pytest.mark.worker


def _wait(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _escalated_at(personas, pk):
    connection.set_tenant(personas.tulungagung)
    try:
        return Case.objects.get(pk=pk).forward_escalated_at
    finally:
        connection.set_schema_to_public()


def _mails_about(code: str) -> list:
    return [m for m in mail.outbox if code in m.body]


def test_the_worker_escalates_an_overdue_case_once(personas, committed_point, celery_worker):
    connection.set_tenant(personas.tulungagung)
    response = complain(committed_point, "Belum ada tanggapan.", now=wib(2026, 8, 14, 10, 0))
    case = Case.objects.get(response=response)
    connection.set_schema_to_public()
    mail.outbox.clear()

    later = wib(2026, 8, 21, 8, 0).isoformat()  # the day after its forward clock ran out
    schemas = escalate_overdue_complaints.delay(now=later).get(timeout=30)
    assert personas.tulungagung.schema_name in schemas
    assert personas.kediri.schema_name in schemas
    assert _wait(lambda: _escalated_at(personas, case.pk) is not None)
    assert _wait(lambda: len(_mails_about(case.tracking_code)) == 1)
    sent = _mails_about(case.tracking_code)[0]
    assert sent.to == [personas.tulungagung_admin.email]

    # A second hour: nothing escalated again, no second mail.
    first = _escalated_at(personas, case.pk)
    escalate_overdue_complaints.delay(now=wib(2026, 8, 21, 9, 0).isoformat()).get(timeout=30)
    time.sleep(2)
    assert _escalated_at(personas, case.pk) == first
    assert len(_mails_about(case.tracking_code)) == 1


def test_the_worker_tells_the_agency_of_a_new_case_once(personas, committed_point, celery_worker):
    connection.set_tenant(personas.tulungagung)
    response = complain(committed_point, "Mohon papan informasi.", now=wib(2026, 8, 14, 10, 0))
    connection.set_schema_to_public()
    mail.outbox.clear()

    schemas = notify_new_complaints.delay().get(timeout=30)
    assert {personas.tulungagung.schema_name, personas.kediri.schema_name} <= set(schemas)
    assert _wait(lambda: len(_mails_about(response.tracking_code)) == 1)
    assert _mails_about(response.tracking_code)[0].to == [personas.tulungagung_admin.email]

    notify_new_complaints.delay().get(timeout=30)  # the next minute: nothing new
    time.sleep(2)
    assert len(_mails_about(response.tracking_code)) == 1
