"""Redis (the worker queue and the cache) stopped: work that needs it is refused at once with
"try again" and leaves nothing pending; a worker stopped by the outage works again after it;
citizens' answers are taken with the rate limit skipped, said once in the log, not per post."""

import logging
import time

import pytest

from sukma.platform.rankings.models import RefreshRun, RunState
from sukma.surveys.citizen import protection
from tests.conftest import PUBLIC_HOST, TULUNGAGUNG_HOST, host_client
from tests.faults.conftest import beat_process, redis_start, redis_stop, wait_until
from tests.serving.test_one_address import ANSWERS, HIDDEN

REFRESH_API = "/api/v1/rankings/refresh/"
REFRESH_PAGE = "/peringkat/segarkan/"


@pytest.fixture
def province(personas, committed):
    return host_client(PUBLIC_HOST, personas.province_admin)


@pytest.fixture
def redis_down():
    redis_stop()
    yield
    redis_start()


def test_a_refresh_asked_while_redis_is_down_answers_503_at_once_and_nothing_stays_pending(
    province, redis_down
):
    before = RefreshRun.objects.count()
    started = time.monotonic()
    response = province.post(REFRESH_API, {"kind": "full"})
    took = time.monotonic() - started

    assert response.status_code == 503, response.content
    assert took < 5, f"answered after {took:.1f} s"
    assert response["Retry-After"] == "30"
    assert "coba lagi" in response.json()["detail"].lower()
    runs = RefreshRun.objects.order_by("-created_at")
    assert runs.count() == before + 1
    assert runs.first().state == RunState.FAILED
    assert not RefreshRun.objects.filter(state__in=[RunState.PENDING, RunState.RUNNING]).exists()

    page = province.post(REFRESH_PAGE, {"kind": "full"})
    assert page.status_code == 503
    assert "coba lagi" in page.content.decode().lower()
    assert not RefreshRun.objects.filter(state__in=[RunState.PENDING, RunState.RUNNING]).exists()


def test_asking_again_after_redis_returns_makes_a_new_run_the_worker_finishes(province, worker):
    redis_stop()
    refused = province.post(REFRESH_API, {"kind": "full"})
    redis_start()
    worker.start()
    accepted = province.post(REFRESH_API, {"kind": "full"})

    assert refused.status_code == 503
    assert accepted.status_code == 202, accepted.content
    run = RefreshRun.objects.get(pk=accepted.json()["id"])
    assert str(run.pk) != refused.json().get("id")

    def done():
        run.refresh_from_db()
        return run.state == RunState.DONE

    wait_until(done, 90)


def test_after_redis_went_away_while_the_worker_worked_a_worker_works_again(
    province, worker, processes, tmp_path
):
    """The worker may exit when Redis goes away under it (kombu #582: measured here, Celery
    5.x with kombu 5.x, "'NoneType' object has no attribute 'connection_errors'"); its
    supervisor starts it again (compose `restart: unless-stopped`, systemd `Restart=always`),
    played here by the test, and work asked for after the outage is done.

    The request after the outage may join the run the outage interrupted (requests merge,
    README "Work that cannot pile up"): beat's sweeper resumes that run, so it ends too."""
    processes(beat_process(tmp_path / "beat.log", "sweep-stale-jobs"))
    worker.start()
    wait_until(lambda: "ready." in worker.output(), 60)
    first = province.post(REFRESH_API, {"kind": "full"})
    assert first.status_code == 202
    redis_stop()
    time.sleep(8)
    redis_start()
    time.sleep(3)

    again = province.post(REFRESH_API, {"kind": "full"})
    assert again.status_code == 202
    run = RefreshRun.objects.get(pk=again.json()["id"])

    def done():
        # The supervisor's part: a worker that has exited (it may take seconds to) is started
        # again, as Restart=always and restart: unless-stopped do.
        if not worker.alive():
            print("the worker exited in the outage; its supervisor starts it again")
            worker.start()
        run.refresh_from_db()
        return run.state == RunState.DONE

    wait_until(done, 120)


def test_citizens_posts_while_redis_is_down_log_one_short_warning_not_a_traceback_each(
    counter, redis_down, caplog, monkeypatch
):
    monkeypatch.setattr(protection, "_skipped", {"last": -protection.SKIPPED_WARNING_EVERY,
                                                 "count": 0})  # fmt: skip
    caplog.set_level(logging.WARNING)
    phones = [host_client(TULUNGAGUNG_HOST) for _ in range(5)]
    for phone in phones:
        form = phone.get(f"/s/{counter.code}/")
        assert form.status_code == 200
        fields = dict(HIDDEN.findall(form.content.decode()))
        answered = phone.post(f"/s/{counter.code}/", {**fields, **ANSWERS})
        assert answered.status_code == 302, answered.content[:2000]

    warnings = [r for r in caplog.records if r.name == protection.log.name]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "cache is unreachable" in warnings[0].getMessage()
    assert not [r for r in caplog.records if r.exc_info], caplog.text[:3000]
    assert len(caplog.text.splitlines()) <= 3, caplog.text[:3000]
