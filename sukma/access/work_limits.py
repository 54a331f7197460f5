"""Per-person limits on starting background work (refreshes of the rankings, reports).

Counted from the job rows themselves (who asked, when), not in a cache: the count is exact,
the window slides, and the limit holds while Redis is away. The caller takes
`work_limit_lock` in the transaction that counts and creates the row, so requests sent in
parallel cannot all slip under the limit. Only new work counts: a request that joins a job
already waiting or running, or that gets a file made before, costs the workers nothing and
is never refused (README "Work that cannot pile up").
"""

from datetime import timedelta

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from sukma.errors import TooManyRequests


def work_limit_lock(key: str) -> None:
    """Serialise, until the transaction ends, everyone who counts and creates under `key`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])


def work_limit_check(*, what: str, started: QuerySet, limit: int, window: int) -> None:
    """Raise TooManyRequests when `started` (this person's jobs of one kind, each with a
    `created_at`) holds `limit` jobs created within the last `window` seconds."""
    since = timezone.now() - timedelta(seconds=window)
    recent = list(
        started.filter(created_at__gte=since)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return
    # The limit-th newest leaves the window first; then one more may start.
    frees_at = recent[-1] + timedelta(seconds=window)
    retry_after = max(1, int((frees_at - timezone.now()).total_seconds()) + 1)
    raise TooManyRequests(what=what, limit=limit, window=window, retry_after=retry_after)
