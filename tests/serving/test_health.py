"""Health and metrics through gunicorn, as a load balancer and Prometheus see them.

Readiness with PostgreSQL or Redis really gone (nothing listens at the address the server
was given) says 503 and names what is down, while liveness still says 200. Metrics from
two gunicorn workers in prometheus_client's multiprocess mode add up: every scrape, by
whichever worker, counts every request and every stored response of both.
"""

import http.client
import json
import re
import socket

import pytest
from django.db import connection

from sukma.surveys.models import Response
from tests.conftest import PUBLIC_HOST, TULUNGAGUNG_HOST
from tests.serving.conftest import _database_url, _serving
from tests.serving.test_one_address import Phone


def _closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str, host: str = PUBLIC_HOST, **headers) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Host": host, **headers})
    answer = conn.getresponse()
    return answer.status, answer.read().decode()


def _dead_database_url() -> str:
    live = _database_url()
    return re.sub(r"@[^/]*/", f"@127.0.0.1:{_closed_port()}/", live, count=1)


@pytest.mark.parametrize("host", [PUBLIC_HOST, TULUNGAGUNG_HOST, "10.0.0.7"])
def test_ready_and_live_on_every_host(gunicorn, host):
    status, body = get(gunicorn, "/health/ready", host)
    assert status == 200, body
    assert json.loads(body) == {
        "status": "ready",
        "checks": {"database": "ok", "redis": "ok", "migrations": "ok"},
    }
    status, body = get(gunicorn, "/health/live", host)
    assert (status, json.loads(body)) == (200, {"status": "alive"})


def test_with_the_database_down_readiness_names_it_and_liveness_holds(personas, django_db_blocker):
    with _serving(django_db_blocker, "127.0.0.1", DATABASE_URL=_dead_database_url()) as port:
        status, body = get(port, "/health/ready")
        assert status == 503
        answer = json.loads(body)
        assert answer["status"] == "not ready"
        assert answer["checks"]["database"].startswith("down")
        assert answer["checks"]["redis"] == "ok"
        assert get(port, "/health/live")[0] == 200
        assert get(port, "/health/live", TULUNGAGUNG_HOST)[0] == 200


def test_with_redis_down_readiness_names_it_and_liveness_holds(personas, django_db_blocker):
    dead_redis = f"redis://127.0.0.1:{_closed_port()}/0"
    with _serving(django_db_blocker, "127.0.0.1", REDIS_URL=dead_redis) as port:
        status, body = get(port, "/health/ready", TULUNGAGUNG_HOST)
        assert status == 503
        checks = json.loads(body)["checks"]
        assert checks["redis"].startswith("down")
        assert checks["database"] == "ok"
        assert checks["migrations"] == "ok"
        assert get(port, "/health/live", TULUNGAGUNG_HOST)[0] == 200


def _sample(text: str, name: str, **labels) -> float:
    """The value of one sample in Prometheus' text format (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        metric, _, value = line.rpartition(" ")
        metric_name, _, label_text = metric.partition("{")
        found = ",".join(sorted(label_text.rstrip("}").split(","))) if label_text else ""
        if metric_name == name and found == wanted:
            return float(value)
    return 0.0


def test_two_workers_metrics_add_up_in_every_scrape(personas, django_db_blocker, counter, tmp_path):
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    with _serving(django_db_blocker, "127.0.0.1", PROMETHEUS_MULTIPROC_DIR=str(multiproc)) as port:
        for _ in range(12):
            assert get(port, "/tidak-ada/", PUBLIC_HOST)[0] == 404
        phones = [Phone(port) for _ in range(3)]
        for phone in phones:
            phone.open_form(counter.code)
            assert phone.send(counter.code) == 302
        scrapes = [get(port, "/metrics")[1] for _ in range(6)]
        # Refused without a token through a proxy, whatever the peer.
        assert get(port, "/metrics", **{"X-Forwarded-For": "203.0.113.9"})[0] == 403

    workers = {p.name.split("_")[-1] for p in multiproc.glob("*.db")}
    assert len(workers) >= 2, "both workers wrote their counters"
    for text in scrapes:
        assert _sample(text, "django_http_responses_total_by_status_total", status="404") == 12
        assert _sample(text, "sukma_submissions_total", regency="r35_04") == 3
        assert _sample(text, "sukma_queue_depth", queue="celery") >= 0
        assert 'sukma_rankings_lag_seconds{regency="r35_04"}' in text
        assert _sample(text, "sukma_scrape_error", source="queues") == 0
        assert _sample(text, "sukma_scrape_error", source="rankings_lag") == 0
    connection.set_tenant(personas.tulungagung)
    assert Response.objects.filter(service_point_id=counter.pk).count() == 3
    connection.set_schema_to_public()


def test_metrics_are_refused_to_the_public(gunicorn):
    """Through the proxy (X-Forwarded-For) or with a wrong token: 403, nothing counted shown."""
    status, body = get(gunicorn, "/metrics", **{"X-Forwarded-For": "198.51.100.4"})
    assert status == 403
    assert "sukma_" not in body
    status, _ = get(
        gunicorn,
        "/metrics",
        **{"X-Forwarded-For": "198.51.100.4", "Authorization": "Bearer tebakan"},
    )
    assert status == 403


def test_metrics_answer_a_bearer_token_from_anywhere(personas, django_db_blocker):
    with _serving(django_db_blocker, "127.0.0.1", METRICS_TOKEN="rahasia-prometheus") as port:
        status, body = get(
            port,
            "/metrics",
            TULUNGAGUNG_HOST,
            **{"X-Forwarded-For": "198.51.100.4", "Authorization": "Bearer rahasia-prometheus"},
        )
        assert status == 200
        assert "sukma_task_failures_unhandled" in body
        wrong = {"X-Forwarded-For": "198.51.100.4", "Authorization": "Bearer rahasia-prometheu"}
        assert get(port, "/metrics", **wrong)[0] == 403
