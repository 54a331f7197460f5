"""The ranking refresh through a real Celery worker and Redis: fan-out, retries, broker outages."""

import time
from unittest import mock

import pytest
from django.db import DatabaseError, connection
from django.test import Client, override_settings
from django_tenants.utils import schema_context

from sukma.platform.rankings import rollup
from sukma.platform.rankings.models import (
    RankingSnapshot,
    ReconciliationRun,
    RefreshKind,
    RefreshRun,
    RollupCursor,
    RunState,
)
from sukma.platform.rankings.reconcile import reconcile_regency
from sukma.platform.rankings.services import refresh_progress, refresh_start
from sukma.surveys.citizen.protection import started_stamp
from sukma.surveys.models import Questionnaire, Response
from sukma.tenants.models import Regency, RegencyStatus
from sukma.worker import tasks_rankings
from sukma.worker.celery import app
from tests import rollup_data
from tests.rollup_data import answer, raw_month_totals, rolled_up_months, rollup_state

pytestmark = pytest.mark.worker
two_answered = rollup_data.two_answered


def run_refresh(acting_user, kind=RefreshKind.INCREMENTAL, timeout=90) -> RefreshRun:
    run = refresh_start(acting_user=acting_user, kind=kind)
    tasks_rankings.refresh_rankings.apply_async(
        args=(str(run.pk),), headers=tasks_rankings.PUBLIC
    ).get(timeout=30)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.state in (RunState.DONE, RunState.FAILED):
            return run
        time.sleep(0.2)
    raise AssertionError(f"refresh did not finish: {refresh_progress(run)}")


def test_the_fan_out_reaches_every_active_regency_and_no_other(
    personas, two_answered, celery_worker
):
    blitar, malang = two_answered
    kediri = personas.kediri
    Regency.objects.filter(pk=kediri.pk).update(status=RegencyStatus.SUSPENDED)
    try:
        run = run_refresh(personas.province_admin)
    finally:
        Regency.objects.filter(pk=kediri.pk).update(status=RegencyStatus.ACTIVE)

    assert run.state == RunState.DONE, run.error
    active = set(
        Regency.objects.filter(status=RegencyStatus.ACTIVE)
        .exclude(pk=kediri.pk)
        .values_list("pk", flat=True)
    )
    assert {personas.tulungagung.pk, blitar.regency.pk, malang.regency.pk} <= active
    counted = set(RollupCursor.objects.filter(last_run=run.pk).values_list("regency", flat=True))
    assert counted == active
    assert not RollupCursor.objects.filter(regency=kediri).exists()
    assert (run.regencies_total, run.regencies_done) == (len(active), len(active))
    assert refresh_progress(run)["percent"] == 100
    # The final step ran in the public schema and wrote the rankings.
    assert RankingSnapshot.objects.exists()
    for answered in two_answered:
        assert rolled_up_months(answered.regency) == raw_month_totals(answered.regency)


def test_a_rollup_killed_halfway_is_retried_by_the_worker_to_the_same_result(
    personas, two_answered, celery_worker, monkeypatch
):
    blitar, _ = two_answered
    real_copy = rollup.copy_batch
    calls = []

    def killed_on_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise DatabaseError("server closed the connection unexpectedly")
        return real_copy(*args, **kwargs)

    monkeypatch.setattr(rollup, "BATCH_SIZE", 4)
    monkeypatch.setattr(rollup, "copy_batch", killed_on_second_batch)
    result = tasks_rankings.rollup_regency.apply_async(
        args=(blitar.regency.pk,), headers={"_schema_name": blitar.regency.schema_name}
    )
    assert result.get(timeout=60)["regency"] == blitar.regency.pk
    assert len(calls) > 2  # the first attempt died at its second batch; the retry finished
    cursor = RollupCursor.objects.get(regency=blitar.regency)
    assert (cursor.state, cursor.last_error) == ("done", "")
    assert rolled_up_months(blitar.regency) == raw_month_totals(blitar.regency)
    assert reconcile_regency(blitar.regency) == ([], 0)

    # The same result as running it once more, cleanly.
    monkeypatch.setattr(rollup, "copy_batch", real_copy)
    before = rollup_state(blitar.regency)
    tasks_rankings.rollup_regency.apply_async(
        args=(blitar.regency.pk,),
        kwargs={"full": True},
        headers={"_schema_name": blitar.regency.schema_name},
    ).get(timeout=60)
    assert rollup_state(blitar.regency) == before


def test_a_message_with_the_wrong_schema_fails_instead_of_rolling_up_another_regency(
    two_answered, celery_worker
):
    blitar, _ = two_answered
    result = tasks_rankings.rollup_regency.apply_async(
        args=(blitar.regency.pk,), headers=tasks_rankings.PUBLIC
    )
    with pytest.raises(RuntimeError, match="ran in schema 'public'"):
        result.get(timeout=30)
    assert not RollupCursor.objects.filter(regency=blitar.regency).exists()


DEAD_REDIS = "redis://127.0.0.1:1/0"


def test_citizens_answer_while_redis_is_down_and_the_next_run_catches_up(
    personas, two_answered, celery_worker
):
    blitar, _ = two_answered
    run_refresh(personas.province_admin)

    # Redis is down: the cache (rate limit) points to a dead port and any message to the
    # broker fails. Citizens still answer through the page; nothing is sent anywhere.
    def no_broker(*args, **kwargs):
        raise AssertionError("a citizen's answer must not need the broker")

    point = blitar.points[0]
    host = f"{blitar.regency.primary_domain}"
    dead_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
        }
    }
    with (
        override_settings(CACHES=dead_cache),
        mock.patch.object(app, "send_task", no_broker),
        mock.patch("kombu.Connection.connect", no_broker),
    ):
        with schema_context(blitar.regency.schema_name):
            version = Questionnaire.objects.get(is_current=True).version
        connection.set_schema_to_public()
        statuses = []
        for n in range(3):  # three citizens, three phones
            citizen = Client(HTTP_HOST=host, REMOTE_ADDR=f"203.0.113.{n + 7}")
            page = citizen.post(
                f"/s/{point.code}/",
                {
                    **{f"U{i}": "4" for i in range(1, 10)},
                    "version": str(version),
                    "started": started_stamp(),
                },
            )
            statuses.append(page.status_code)
        connection.set_schema_to_public()
        answer(blitar, 5, seed=31)  # and through the service directly
    assert statuses == [302, 302, 302]
    with schema_context(blitar.regency.schema_name):
        assert Response.objects.count() == 38
    connection.set_schema_to_public()

    # Redis is back: the next run catches up, nothing lost.
    run = run_refresh(personas.province_admin)
    assert run.state == RunState.DONE
    assert rolled_up_months(blitar.regency) == raw_month_totals(blitar.regency)
    assert sum(r["responses"] for r in rolled_up_months(blitar.regency).values()) == 38


def test_the_nightly_reconciliation_finds_no_difference(personas, two_answered, celery_worker):
    run_refresh(personas.province_admin, kind=RefreshKind.FULL)
    run_pk = tasks_rankings.reconcile_all.apply_async(headers=tasks_rankings.PUBLIC).get(timeout=30)
    deadline = time.monotonic() + 60
    run = ReconciliationRun.objects.get(pk=run_pk)
    while run.finished_at is None and time.monotonic() < deadline:
        time.sleep(0.2)
        run.refresh_from_db()
    assert run.ok is True, run.differences
    assert run.regencies_checked == Regency.objects.filter(status=RegencyStatus.ACTIVE).count()


def test_the_nightly_reconciliation_repairs_what_it_finds(personas, two_answered, celery_worker):
    """The rollup disagrees with the regency (days holding answers it no longer has, as after
    restoring an older copy of its schema; months gone) and no incremental run would read
    those days again: the nightly run repairs it."""
    from django.db.models import F

    from sukma.platform.rankings.models import RollupDay, RollupMonth

    blitar, _ = two_answered
    run_refresh(personas.province_admin, kind=RefreshKind.FULL)
    RollupDay.objects.filter(regency=blitar.regency).update(responses=F("responses") + 3)
    RollupMonth.objects.filter(regency=blitar.regency).delete()

    run_pk = tasks_rankings.reconcile_all.apply_async(headers=tasks_rankings.PUBLIC).get(timeout=30)
    deadline = time.monotonic() + 90
    run = ReconciliationRun.objects.get(pk=run_pk)
    while run.finished_at is None and time.monotonic() < deadline:
        time.sleep(0.2)
        run.refresh_from_db()

    assert run.differences and all(d["repaired"] for d in run.differences)
    assert {d["regency_id"] for d in run.differences} == {blitar.regency.pk}
    assert run.ok is True and run.repaired == len(run.differences)
    assert rolled_up_months(blitar.regency) == raw_month_totals(blitar.regency)
