"""Liveness, readiness and the Prometheus metrics, answered before anything else runs.

HealthMiddleware is first in MIDDLEWARE and answers three paths on every host (the base
domain, every regency's, a bare address), before the regency is looked up, before
sessions, the second-factor gate and every rate limit, so none of them can refuse or slow
a probe:

- /health/live: the process answers. Touches neither the database nor Redis.
- /health/ready: PostgreSQL answers, Redis answers, and every migration of the code is
  applied to every schema and the template (sukma.tenants.migration_state, remembered for
  HEALTH_MIGRATIONS_SECONDS: a load balancer polls every few seconds). 503 naming what is
  not ready.
- /metrics: Prometheus text, for a bearer token (METRICS_TOKEN) or a direct peer in
  METRICS_NETWORKS that did not come through a proxy (no X-Forwarded-For).

Both health answers are JSON without personal data and need no authentication.
"""

import hmac
import ipaddress
import logging
import threading
import time

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from sukma import metrics
from sukma.platform.rankings.lag import rollup_lag
from sukma.platform.selectors import task_failures_unhandled_count
from sukma.tenants.migration_state import migration_state

log = logging.getLogger(__name__)

LIVE_PATHS = frozenset({"/health/live", "/health/live/"})
READY_PATHS = frozenset({"/health/ready", "/health/ready/"})
METRICS_PATHS = frozenset({"/metrics", "/metrics/"})


# ------------------------------------------------------------------------- remembered answers
class Remembered:
    """One value per process, computed again when older than `seconds` (thread-safe)."""

    def __init__(self, compute, seconds_setting: str):
        self._compute = compute
        self._seconds_setting = seconds_setting
        self._lock = threading.Lock()
        self._value = None
        self._until = 0.0

    def get(self):
        with self._lock:
            if time.monotonic() >= self._until:
                self._value = self._compute()
                self._until = time.monotonic() + getattr(settings, self._seconds_setting)
            return self._value

    def forget(self) -> None:
        with self._lock:
            self._until = 0.0


MIGRATIONS = Remembered(migration_state, "HEALTH_MIGRATIONS_SECONDS")
LAG = Remembered(rollup_lag, "METRICS_LAG_SECONDS")


# ------------------------------------------------------------------------- checks
def check_database() -> str:
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_redis() -> str:
    client = metrics.redis_client(settings.REDIS_URL)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def check_migrations() -> str:
    state = MIGRATIONS.get()
    if state.complete:
        return "ok"
    MIGRATIONS.forget()  # a deploy that is migrating is watched closely, not once a minute
    return f"pending in {len(state.pending)} of {state.schemas} schemas"


def readiness() -> dict[str, str]:
    """Each dependency's state: 'ok', or a short reason with no secret in it."""
    checks = {}
    for name, check in (("database", check_database), ("redis", check_redis)):
        try:
            checks[name] = check()
        except Exception as exc:
            log.warning("readiness: %s is down: %s", name, exc)
            checks[name] = f"down ({type(exc).__name__})"
    if checks["database"] != "ok":
        checks["migrations"] = "unknown (database down)"
        return checks
    try:
        checks["migrations"] = check_migrations()
    except Exception as exc:
        log.warning("readiness: migrations could not be read: %s", exc)
        checks["migrations"] = f"unknown ({type(exc).__name__})"
    return checks


# ------------------------------------------------------------------------- metrics
class ScrapeCollector:
    """The gauges whose truth is elsewhere, read when Prometheus scrapes."""

    def collect(self):
        errors = GaugeMetricFamily(
            "sukma_scrape_error",
            "1 when a source could not be read this scrape.",
            labels=["source"],
        )
        for source, read in (
            ("queues", self._queues),
            ("rankings_lag", self._lag),
            ("task_failures", self._failures),
        ):
            try:
                yield from read()
                errors.add_metric([source], 0)
            except Exception as exc:
                log.warning("metrics: %s could not be read: %s", source, exc)
                errors.add_metric([source], 1)
        yield errors

    @staticmethod
    def _queues():
        depth = GaugeMetricFamily(
            "sukma_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"]
        )
        for queue, length in metrics.queue_depths().items():
            depth.add_metric([queue], length)
        yield depth

    @staticmethod
    def _lag():
        lags = LAG.get()
        per_regency = GaugeMetricFamily(
            "sukma_rankings_lag_seconds",
            "How much later a regency's newest response was stored than the rollup's last "
            "snapshot of it (0: the rankings include it).",
            labels=["regency"],
        )
        for lag in lags:
            per_regency.add_metric([lag.schema_name], lag.seconds)
        yield per_regency
        yield GaugeMetricFamily(
            "sukma_rankings_lag_max_seconds",
            "The largest regency's rankings lag.",
            value=max((lag.seconds for lag in lags), default=0.0),
        )

    @staticmethod
    def _failures():
        yield GaugeMetricFamily(
            "sukma_task_failures_unhandled",
            "Tasks that failed for good and nobody has marked handled yet.",
            value=task_failures_unhandled_count(),
        )


def metrics_text() -> bytes:
    """Every process's counters (multiprocess files, or this process) and the scrape gauges."""
    registry = CollectorRegistry()
    registry.register(_Joined(metrics.process_registry(), ScrapeCollector()))
    return generate_latest(registry)


class _Joined:
    """Several collectors as one (registered without describe: nothing is read twice)."""

    def __init__(self, *sources):
        self._sources = sources

    def collect(self):
        for source in self._sources:
            yield from source.collect()


def metrics_allowed(request) -> bool:
    """A bearer token that matches, or a direct peer from an internal network (no proxy)."""
    token = settings.METRICS_TOKEN
    given = request.META.get("HTTP_AUTHORIZATION", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    if "HTTP_X_FORWARDED_FOR" in request.META:
        return False
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(peer in ipaddress.ip_network(n, strict=False) for n in settings.METRICS_NETWORKS)


# ------------------------------------------------------------------------- the middleware
def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


class HealthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path in LIVE_PATHS:
            return _no_store(JsonResponse({"status": "alive"}))
        if path in READY_PATHS:
            checks = readiness()
            ready = all(value == "ok" for value in checks.values())
            body = {"status": "ready" if ready else "not ready", "checks": checks}
            return _no_store(JsonResponse(body, status=200 if ready else 503))
        if path in METRICS_PATHS:
            if not metrics_allowed(request):
                return _no_store(JsonResponse({"detail": "forbidden"}, status=403))
            connection.set_schema_to_public()
            return _no_store(HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST))
        return self.get_response(request)
