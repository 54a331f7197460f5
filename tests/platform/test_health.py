"""Liveness, readiness, /metrics, the rankings' lag, `manage.py status` and the log lines.

Through Django's test client on the real database and Redis; the same endpoints through
gunicorn, with the database or Redis down, are in tests/serving/test_health.py.
"""

import io
import logging

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django_tenants.utils import schema_context
from prometheus_client import REGISTRY

from sukma.logs import TEXT_FORMAT, RegencyFilter
from sukma.platform import health
from sukma.platform.rankings.lag import rollup_lag
from sukma.platform.rankings.models import CursorState, RollupCursor
from sukma.platform.rankings.rollup import rollup_regency_run
from tests import rollup_data
from tests.conftest import KEDIRI_HOST, PUBLIC_HOST, TULUNGAGUNG_HOST
from tests.rollup_data import answer

two_answered = rollup_data.two_answered


@pytest.fixture(autouse=True)
def _fresh_answers():
    health.MIGRATIONS.forget()
    health.LAG.forget()
    yield
    health.MIGRATIONS.forget()
    health.LAG.forget()


@pytest.mark.parametrize("host", [PUBLIC_HOST, TULUNGAGUNG_HOST, "unknown.example.org"])
def test_liveness_answers_on_every_host_without_touching_the_database(
    db, host, django_assert_num_queries
):
    with django_assert_num_queries(0):
        answer = Client(HTTP_HOST=host).get("/health/live")
    assert answer.status_code == 200
    assert answer.json() == {"status": "alive"}
    assert answer["Cache-Control"] == "no-store"


def test_readiness_remembers_the_migration_check(personas, db, django_assert_max_num_queries):
    client = Client(HTTP_HOST=KEDIRI_HOST)
    assert client.get("/health/ready/").json()["checks"]["migrations"] == "ok"
    with django_assert_max_num_queries(1):  # SELECT 1; the migrations are remembered
        answer = client.get("/health/ready")
    assert answer.status_code == 200


def test_a_migration_missing_in_the_template_makes_readiness_503_and_status_says_where(
    personas, db
):
    with schema_context("template_regency"), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM template_regency.django_migrations "
            "WHERE app = 'surveys' AND name LIKE '0001%%'"
        )
    answer = Client(HTTP_HOST=PUBLIC_HOST).get("/health/ready")
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "not ready"
    assert body["checks"]["migrations"].startswith("pending in 1 of ")
    assert body["checks"]["database"] == body["checks"]["redis"] == "ok"

    out = io.StringIO()
    call_command("status", stdout=out)
    text = out.getvalue()
    assert "migrations: PENDING in 1 of " in text
    assert "  template_regency: 1 pending" in text


def test_status_prints_regencies_queues_lag_and_failures(personas, db):
    out = io.StringIO()
    call_command("status", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("regencies: ")
    assert "active " in lines[0]
    assert lines[1].startswith("migrations: all ")
    assert lines[2].startswith("queues: ")
    for queue in ("default", "mail", "provisioning", "reports", "rollups"):  # one per kind
        assert f" {queue} " in lines[2] + " ", lines[2]
    assert any(line.startswith("rankings lag: max ") for line in lines)
    assert any(line.startswith("failed tasks not handled: ") for line in lines)


def test_health_is_open_to_a_session_that_owes_its_second_factor(personas, db):
    """The gate sends such a session to the code page everywhere else; probes pass."""
    client = Client(HTTP_HOST=PUBLIC_HOST)
    client.force_login(personas.province_admin)  # an admin, not verified in this session
    assert client.get("/kabupaten-kota/").status_code == 302
    assert client.get("/health/ready").status_code == 200
    assert client.get("/health/live").status_code == 200


def test_metrics_are_served_to_a_direct_local_peer_and_refused_through_a_proxy(personas, db):
    local = Client(HTTP_HOST=PUBLIC_HOST, REMOTE_ADDR="127.0.0.1")
    answer = local.get("/metrics")
    assert answer.status_code == 200
    text = answer.content.decode()
    for queue in ("default", "mail", "provisioning", "reports", "rollups"):
        assert f'sukma_queue_depth{{queue="{queue}"}}' in text
    assert 'sukma_rankings_lag_seconds{regency="r35_04"}' in text
    assert "sukma_task_failures_unhandled " in text
    proxied = Client(
        HTTP_HOST=PUBLIC_HOST, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5"
    )
    assert proxied.get("/metrics").status_code == 403
    assert (
        Client(HTTP_HOST=PUBLIC_HOST, REMOTE_ADDR="198.51.100.7").get("/metrics").status_code == 403
    )


@override_settings(METRICS_TOKEN="token-prometheus")
def test_metrics_token_is_compared_exactly(personas, db):
    remote = {"HTTP_HOST": TULUNGAGUNG_HOST, "REMOTE_ADDR": "198.51.100.7"}
    good = Client(**remote, HTTP_AUTHORIZATION="Bearer token-prometheus")
    assert good.get("/metrics").status_code == 200
    for wrong in ("Bearer token-prometheu", "token-prometheus", "Bearer ", ""):
        assert Client(**remote, HTTP_AUTHORIZATION=wrong).get("/metrics").status_code == 403


def test_lag_is_how_much_later_the_newest_response_came_than_the_rollup(two_answered):
    blitar, malang = two_answered
    schema = blitar.regency.schema_name

    def lag_of(name):
        return next(lag for lag in rollup_lag() if lag.schema_name == name)

    never = lag_of(schema)  # never rolled up: behind by everything since it was created
    assert never.covered_until is None
    assert never.seconds == (never.newest_response - blitar.regency.created_at).total_seconds()
    assert never.seconds > 0

    rollup_regency_run(regency=blitar.regency)
    assert lag_of(schema).seconds == 0

    answer(blitar, 1, seed=7)
    cursor = RollupCursor.objects.get(regency=blitar.regency)
    assert cursor.state == CursorState.DONE
    behind = lag_of(schema)
    assert behind.covered_until == cursor.started_at
    assert behind.seconds == (behind.newest_response - cursor.started_at).total_seconds() > 0

    rollup_regency_run(regency=blitar.regency)
    assert lag_of(schema).seconds == 0
    assert lag_of(malang.regency.schema_name).seconds > 0  # never rolled up


def test_every_stored_response_counts_for_its_regency(two_answered):
    blitar, _malang = two_answered
    schema = blitar.regency.schema_name

    def counted():
        return REGISTRY.get_sample_value("sukma_submissions_total", {"regency": schema}) or 0

    before = counted()
    answer(blitar, 4, seed=11)
    assert counted() == before + 4


def test_each_log_line_carries_the_regency_of_its_connection(personas, db):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RegencyFilter())
    handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    logger = logging.getLogger("sukma.test_health")
    logger.addHandler(handler)
    try:
        logger.warning("di provinsi")
        connection.set_tenant(personas.tulungagung)
        logger.warning("di kabupaten")
        connection.set_schema_to_public()
    finally:
        logger.removeHandler(handler)
    first, second = stream.getvalue().splitlines()
    assert "WARNING [public] sukma.test_health: di provinsi" in first
    assert "WARNING [r35_04] sukma.test_health: di kabupaten" in second
