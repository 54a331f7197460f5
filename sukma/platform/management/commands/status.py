"""`manage.py status`: regencies, pending migrations, queues, rankings lag, failed tasks."""

from collections import Counter

from django.core.management.base import BaseCommand
from django.db import connection

from sukma import metrics
from sukma.platform.rankings.lag import rollup_lag
from sukma.platform.selectors import task_failures, task_failures_unhandled_count
from sukma.tenants.migration_state import migration_state
from sukma.tenants.models import Regency

SHOWN = 5  # the schemas, regencies and failures listed by name in each part


class Command(BaseCommand):
    help = "Print the state of the service: regencies, migrations, queues, rankings, failures."

    def handle(self, *args, **options):
        connection.set_schema_to_public()
        self._regencies()
        self._migrations()
        self._queues()
        self._lag()
        self._failures()

    def _line(self, text: str = "") -> None:
        self.stdout.write(text)

    def _regencies(self) -> None:
        statuses = Counter(
            Regency.objects.exclude(schema_name="public").values_list("status", flat=True)
        )
        by_status = ", ".join(f"{status} {n}" for status, n in sorted(statuses.items()))
        self._line(f"regencies: {sum(statuses.values())} ({by_status or 'none'})")

    def _migrations(self) -> None:
        state = migration_state()
        if state.complete:
            self._line(f"migrations: all {state.expected} applied in {state.schemas} schemas")
            return
        self._line(
            f"migrations: PENDING in {len(state.pending)} of {state.schemas} schemas "
            f"({state.expected} in the code)"
        )
        worst = sorted(state.pending.items(), key=lambda item: (-item[1], item[0]))
        for schema, missing in worst[:SHOWN]:
            self._line(f"  {schema}: {missing} pending")
        if len(worst) > SHOWN:
            self._line(f"  ... and {len(worst) - SHOWN} more schemas")

    def _queues(self) -> None:
        try:
            depths = metrics.queue_depths()
        except Exception as exc:
            self._line(f"queues: UNKNOWN (Redis: {type(exc).__name__}: {exc})")
            return
        self._line("queues: " + ", ".join(f"{q} {n}" for q, n in depths.items()))

    def _lag(self) -> None:
        lags = rollup_lag()
        behind = [lag for lag in lags if lag.seconds > 0]
        self._line(
            f"rankings lag: max {max((g.seconds for g in lags), default=0):.0f} s, "
            f"{len(behind)} of {len(lags)} active regencies behind"
        )
        for lag in behind[:SHOWN]:
            self._line(f"  {lag.schema_name} ({lag.name}): {lag.seconds:.0f} s")

    def _failures(self) -> None:
        unhandled = task_failures_unhandled_count()
        self._line(f"failed tasks not handled: {unhandled}")
        for failure in task_failures(handled=False)[:SHOWN]:
            where = failure.regency.name if failure.regency else failure.schema_name or "-"
            self._line(
                f"  {failure.failed_at:%Y-%m-%d %H:%M} {failure.task_name} [{where}] "
                f"{failure.error}"
            )
