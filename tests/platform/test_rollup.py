"""The rollup service: incremental, idempotent, resumable, right under concurrent answers."""

import threading

import pytest
from django.db import DatabaseError, connection, connections
from django_tenants.utils import schema_context

from sukma.platform.rankings import rollup
from sukma.platform.rankings.models import (
    CursorState,
    RollupAgency,
    RollupCursor,
    RollupService,
)
from sukma.platform.rankings.reconcile import reconcile_regency
from sukma.platform.rankings.rollup import rollup_regency_run
from sukma.surveys.dashboard.moderation import response_exclude
from sukma.surveys.models import Agency, Response, Service
from tests import rollup_data
from tests.rollup_data import (
    answer,
    raw_month_totals,
    rolled_up_months,
    rollup_state,
)

two_answered = rollup_data.two_answered


def test_rollup_copies_every_regency_total_and_the_months_agree_with_raw_responses(
    two_answered,
):
    for answered in two_answered:
        result = rollup_regency_run(regency=answered.regency)
        assert result.rows > 0
        assert rolled_up_months(answered.regency) == raw_month_totals(answered.regency)
        assert reconcile_regency(answered.regency) == ([], 0)
        cursor = RollupCursor.objects.get(regency=answered.regency)
        assert cursor.state == CursorState.DONE and cursor.xid_done == result.xid_to


def test_rollup_mirrors_the_directory_with_standard_codes(two_answered):
    blitar, _ = two_answered
    rollup_regency_run(regency=blitar.regency)
    agencies = RollupAgency.objects.filter(regency=blitar.regency)
    assert sorted(agencies.values_list("standard_kind", flat=True)) == ["dukcapil", "rsud"]
    services = RollupService.objects.filter(regency=blitar.regency)
    assert services.count() == 4
    assert set(services.values_list("annual_users", flat=True)) == {2000, 3000}

    with schema_context(blitar.regency.schema_name):
        Service.objects.filter(pk=blitar.services[0].pk).update(name="KTP-el", annual_users=9000)
        Agency.objects.filter(pk=blitar.points[0].agency_id).update(standard_kind="disdukcapil")
    connection.set_schema_to_public()
    rollup_regency_run(regency=blitar.regency)
    service = RollupService.objects.get(regency=blitar.regency, service_id=blitar.services[0].pk)
    assert (service.name, service.annual_users) == ("KTP-el", 9000)
    assert agencies.filter(agency_id=blitar.points[0].agency_id).get().standard_kind == (
        "disdukcapil"
    )


def test_a_second_run_reads_nothing_and_changes_nothing(two_answered):
    blitar, _ = two_answered
    rollup_regency_run(regency=blitar.regency)
    before = rollup_state(blitar.regency)
    again = rollup_regency_run(regency=blitar.regency)
    assert again.xid_from > 0
    assert rollup_state(blitar.regency) == before
    # Even copying everything again (a full run) changes nothing.
    full = rollup_regency_run(regency=blitar.regency, full=True)
    assert full.rows > 0
    assert rollup_state(blitar.regency) == before


def test_an_incremental_run_reads_only_the_days_that_changed(two_answered):
    blitar, _ = two_answered
    first = rollup_regency_run(regency=blitar.regency)
    answer(blitar, 3, seed=99)
    result = rollup_regency_run(regency=blitar.regency)
    # It starts where the last run stopped and reads exactly the rows changed since then
    # (those still within reach of a transaction that was running then included).
    assert result.xid_from == first.xid_to > 0
    table = f'"{blitar.regency.schema_name}".surveys_dailyservicetotals'
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), count(*) FILTER (WHERE changed_xid >= %s) FROM {table}",
            [result.xid_from],
        )
        everything, changed = cursor.fetchone()
    assert 1 <= result.rows == changed <= everything
    assert rolled_up_months(blitar.regency) == raw_month_totals(blitar.regency)


def test_an_exclusion_reaches_the_rollup(two_answered, personas):
    blitar, _ = two_answered
    rollup_regency_run(regency=blitar.regency)
    with schema_context(blitar.regency.schema_name):
        response = Response.objects.order_by("pk").first()
        response_exclude(
            acting_user=personas.province_admin,
            regency=blitar.regency,
            response_id=response.pk,
            reason="Uji coba petugas",
        )
    connection.set_schema_to_public()
    assert rollup_regency_run(regency=blitar.regency).rows >= 1
    assert rolled_up_months(blitar.regency) == raw_month_totals(blitar.regency)
    assert reconcile_regency(blitar.regency) == ([], 0)


def test_a_run_that_crashes_halfway_leaves_the_cursor_and_the_next_run_finishes_the_job(
    two_answered, monkeypatch
):
    blitar, _ = two_answered
    real_copy = rollup.copy_batch
    calls = []

    def crash_on_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise DatabaseError("worker killed halfway")
        return real_copy(*args, **kwargs)

    monkeypatch.setattr(rollup, "copy_batch", crash_on_second_batch)
    with pytest.raises(DatabaseError):
        rollup_regency_run(regency=blitar.regency, batch_size=4)
    cursor = RollupCursor.objects.get(regency=blitar.regency)
    assert cursor.state == CursorState.STARTED
    assert cursor.xid_done == 0
    assert "worker killed halfway" in cursor.last_error
    assert rolled_up_months(blitar.regency) != raw_month_totals(blitar.regency)  # half done

    monkeypatch.setattr(rollup, "copy_batch", real_copy)
    rollup_regency_run(regency=blitar.regency, batch_size=4)
    cursor.refresh_from_db()
    assert (cursor.state, cursor.last_error) == (CursorState.DONE, "")
    assert rolled_up_months(blitar.regency) == raw_month_totals(blitar.regency)
    assert reconcile_regency(blitar.regency) == ([], 0)


def test_answers_committed_while_a_rollup_runs_are_picked_up_by_the_next_run(two_answered):
    """A citizen's transaction opens (gets its xid) in Blitar, a later one in Malang commits,
    rollups run, then the first commits: nothing is skipped."""
    blitar, malang = two_answered
    rollup_regency_run(regency=blitar.regency)
    written, release, failure, open_xid = threading.Event(), threading.Event(), [], []

    def slow_citizen():
        from django.db import transaction

        try:
            with transaction.atomic():
                answer(blitar, 2, seed=7)  # changes day rows the rollup already copied
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_current_xact_id()::text::bigint")
                    open_xid.append(cursor.fetchone()[0])
                written.set()
                release.wait(30)
        except Exception as exc:  # pragma: no cover - reported below
            failure.append(exc)
            written.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_citizen)
    thread.start()
    assert written.wait(30) and not failure
    answer(malang, 2, seed=8)  # a later transaction, committed first

    during = rollup_regency_run(regency=blitar.regency)
    rollup_regency_run(regency=malang.regency)
    assert during.xid_to <= open_xid[0]  # the cursor did not move past the open transaction
    assert rolled_up_months(malang.regency) == raw_month_totals(malang.regency)
    release.set()
    thread.join(30)
    assert not failure

    rollup_regency_run(regency=blitar.regency)
    with schema_context(blitar.regency.schema_name):
        assert Response.objects.count() == 32
    connection.set_schema_to_public()
    assert rolled_up_months(blitar.regency) == raw_month_totals(blitar.regency)
    assert reconcile_regency(blitar.regency) == ([], 0)
