"""Redis (the worker queue) stopped: work that needs it is refused at once with "try again"
and leaves nothing pending; the worker rides out the outage and works again after it."""

import time

import pytest

from sukma.platform.rankings.models import RefreshRun, RunState
from tests.conftest import PUBLIC_HOST, host_client
from tests.faults.conftest import redis_start, redis_stop, wait_until

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


def test_the_worker_survives_redis_going_away_while_it_works(province, worker):
    worker.start()
    wait_until(lambda: "ready." in worker.output(), 60)
    first = province.post(REFRESH_API, {"kind": "full"})
    assert first.status_code == 202
    redis_stop()
    time.sleep(8)
    redis_start()
    time.sleep(3)

    assert worker.alive(), worker.output()[-3000:]
    assert "Unrecoverable error" not in worker.output()
    again = province.post(REFRESH_API, {"kind": "full"})
    assert again.status_code == 202
    run = RefreshRun.objects.get(pk=again.json()["id"])

    def done():
        run.refresh_from_db()
        return run.state == RunState.DONE

    wait_until(done, 90)
