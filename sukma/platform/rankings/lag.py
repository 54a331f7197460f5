"""How far the rankings are behind each regency's newest response.

The rollup's high-water mark is its cursor (sukma.platform.rankings.rollup): a completed
run copied everything committed before it took its snapshot, just before `started_at`.
A regency's lag is how much later its newest response was stored than that: 0 when the
last run came after it. While a run is going its cursor says STARTED and the previous
run's start is no longer kept, so the previous run's end stands in for it (the lag then
reads at most that run's duration too low). A regency never rolled up is behind by
everything since it was created.
"""

from dataclasses import dataclass
from datetime import datetime

from sukma.platform.rankings.models import CursorState, RollupCursor
from sukma.platform.rankings.rollup import active_regencies
from sukma.surveys.province import responses_newest


@dataclass(frozen=True)
class RegencyLag:
    schema_name: str
    name: str
    newest_response: datetime | None
    covered_until: datetime | None
    seconds: float


def covered_until(cursor: RollupCursor | None) -> datetime | None:
    """When the rollup last took a snapshot of the regency, as far as its cursor tells."""
    if cursor is None:
        return None
    if cursor.state == CursorState.DONE and cursor.started_at:
        return cursor.started_at
    return cursor.finished_at


def lag_seconds(newest: datetime | None, covered: datetime | None, created: datetime) -> float:
    if newest is None:
        return 0.0
    return max(0.0, (newest - (covered or created)).total_seconds())


def rollup_lag() -> list[RegencyLag]:
    """Every active regency's lag, most behind first."""
    regencies = list(active_regencies().order_by("schema_name"))
    cursors = {c.regency_id: c for c in RollupCursor.objects.filter(regency__in=regencies)}
    newest = responses_newest([r.schema_name for r in regencies])
    lags = []
    for regency in regencies:
        covered = covered_until(cursors.get(regency.pk))
        last = newest.get(regency.schema_name)
        lags.append(
            RegencyLag(
                schema_name=regency.schema_name,
                name=regency.name,
                newest_response=last,
                covered_until=covered,
                seconds=lag_seconds(last, covered, regency.created_at),
            )
        )
    return sorted(lags, key=lambda lag: (-lag.seconds, lag.schema_name))
