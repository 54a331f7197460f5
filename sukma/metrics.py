"""The product's own Prometheus metrics, defined once, and what a scrape reads from Redis.

Counters and histograms are updated where things happen (a response stored, a task run);
with PROMETHEUS_MULTIPROC_DIR set (gunicorn's workers, Celery's prefork children) each
process writes its values to files there and a scrape sums them (prometheus_client's
multiprocess mode). Gauges whose truth lives elsewhere (queue depth, rankings lag) are not
kept in any process: a collector reads them when scraped (sukma.platform.health).
"""

import os

import redis
from celery import current_app
from django.conf import settings
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.multiprocess import MultiProcessCollector

SUBMISSIONS = Counter(
    "sukma_submissions", "Citizens' responses stored, by regency (schema name).", ["regency"]
)
TASK_SECONDS = Histogram(
    "sukma_task_duration_seconds",
    "Time a Celery task ran, by task and outcome.",
    ["task", "state"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)
TASK_FAILURES = Counter(
    "sukma_task_failures",
    "Celery tasks that failed for good (retries exhausted or not retried), by task.",
    ["task"],
)

# kombu's Redis transport keeps a queue with priorities as one list per priority step.
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)
REDIS_TIMEOUT_SECONDS = 1.0


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def process_registry() -> CollectorRegistry:
    """The registry holding every process's counters: the files in multiprocess mode."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return registry
    from prometheus_client import REGISTRY

    return REGISTRY


def redis_client(url: str) -> redis.Redis:
    """A client for a Redis URL as our settings spell it (redis:// or redis+socket://),
    that gives up within a second: a health check must not hang on a dead server."""
    return redis.Redis.from_url(
        url.replace("redis+socket://", "unix://"),
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )


def queue_names() -> list[str]:
    """The Celery queues the product sends to: one per kind of work (settings.SUKMA_QUEUES),
    the default one and any other configured."""
    conf = current_app.conf
    names = {conf.task_default_queue, *getattr(settings, "SUKMA_QUEUES", ())}
    for queue in conf.task_queues or ():
        names.add(getattr(queue, "name", queue))
    return sorted(names)


def queue_depths() -> dict[str, int]:
    """Messages waiting in each Celery queue (LLEN in the broker). Raises if Redis is down."""
    names = queue_names()
    client = redis_client(current_app.conf.broker_url)
    try:
        pipe = client.pipeline(transaction=False)
        for name in names:
            pipe.llen(name)
            for step in _PRIORITY_STEPS:
                pipe.llen(f"{name}{_PRIORITY_SEPARATOR}{step}")
        lengths = pipe.execute()
    finally:
        client.close()
    per_queue = len(_PRIORITY_STEPS) + 1
    return {name: sum(lengths[i * per_queue : (i + 1) * per_queue]) for i, name in enumerate(names)}
