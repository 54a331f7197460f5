"""Two beats started by mistake, both sending every entry (every 2 s here): every scheduled
task arrives twice, and no task's effect is doubled. Refresh runs follow one another (never
two at once, none failed), each new complaint is mailed once, and the worker logs no error.
"""

import itertools
import shutil
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from sukma.platform.rankings.models import RefreshRun, RunState
from sukma.surveys.complaints.models import Case
from sukma.surveys.models import Agency, Service, ServicePoint
from tests.faults.conftest import beat_process, wait_until, worker_process
from tests.reports.conftest import answers
from tests.surveys.conftest import submit

ENTRIES = "refresh-rankings-incremental,notify-new-complaints,sweep-stale-jobs"
SEPARATOR = "-" * 79  # Django's file-based mail backend writes it after every message
MAILS = Path(settings.BASE_DIR) / "var" / "faults" / "mail"


@pytest.fixture
def three_suggestions(personas, committed):
    """Three answers with a suggestion in Tulungagung: three new cases, not yet mailed."""
    with schema_context(personas.tulungagung.schema_name):
        agency = Agency.objects.create(name="Dinas Sosial", kind="dinas")
        service = Service.objects.create(agency=agency, name="Kartu PKH", annual_users=500)
        point = ServicePoint.objects.create(
            agency=agency, name="Loket PKH", code="TB2C3D4F", default_service=service
        )
        for n in range(3):
            submit(point, answers(4, 3, 3, 4, 3, 4, 4, 3, 3), suggestion=f"Antrean lama {n}")
        cases = list(Case.objects.filter(response__service_point=point))
    connection.set_schema_to_public()
    assert len(cases) == 3
    yield cases
    with schema_context(personas.tulungagung.schema_name):
        Case.objects.filter(pk__in=[c.pk for c in cases]).delete()
        from tests.cleanup import remove_agency

    connection.set_schema_to_public()
    remove_agency(personas.tulungagung, agency.pk)


def _mails() -> list[str]:
    messages = []
    for path in sorted(MAILS.glob("*")):
        messages += [m for m in path.read_text().split(SEPARATOR) if m.strip()]
    return messages


def test_two_beats_double_no_task_s_effect(personas, three_suggestions, processes, tmp_path):
    shutil.rmtree(MAILS, ignore_errors=True)
    started = timezone.now()
    worker = processes(worker_process(tmp_path / "worker.log"))
    wait_until(lambda: "ready." in worker.output(), 60)
    beats = [processes(beat_process(tmp_path / f"beat{n}.log", ENTRIES, every=2)) for n in (1, 2)]
    time.sleep(25)
    for beat in beats:
        beat.stop()
        sent = beat.output().count("Sending due task refresh-rankings-incremental")
        assert sent >= 5, beat.output()[-2000:]

    runs = RefreshRun.objects.filter(created_at__gte=started)

    def all_finished():
        return not runs.filter(state__in=[RunState.PENDING, RunState.RUNNING]).exists()

    wait_until(all_finished, 90)
    finished = list(runs.order_by("created_at").values("state", "created_at", "finished_at"))
    assert len(finished) >= 2  # the beats' refreshes ran, one after another
    assert {run["state"] for run in finished} == {RunState.DONE}
    for earlier, later in itertools.pairwise(finished):
        assert earlier["finished_at"] <= later["created_at"], (earlier, later)

    with schema_context(personas.tulungagung.schema_name):
        notified = Case.objects.filter(pk__in=[c.pk for c in three_suggestions])
        assert not notified.filter(arrival_notified_at__isnull=True).exists()
    connection.set_schema_to_public()
    mails = _mails()
    for case in three_suggestions:
        assert sum(case.tracking_code in mail for mail in mails) == 1, case.tracking_code
    assert "Traceback" not in worker.output(), worker.output()[-3000:]
