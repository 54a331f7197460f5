"""Rankings: models (shared schema).

Three groups of tables, all in the public schema:

- the province-maintained lists every regency maps to: StandardAgencyKind and
  StandardService (by their codes; a regency's Agency.standard_kind and
  Service.standard_service hold these codes);
- the rollup, written only by the workers (rankings.rollup): a directory of
  every regency's agencies and services, the per-service per-day totals
  (RollupDay, the faithful copy of each regency's DailyServiceTotals) and the
  per-service per-month totals derived from them in the same transaction
  (RollupMonth, which rankings read: every period is whole months);
- the bookkeeping of the workers: one RollupCursor per regency (how far its
  change record has been read, STARTED/DONE), RefreshRun (a refresh the
  province started or beat sent, with its progress) and ReconciliationRun.

Rankings never touch a tenant schema: they read these tables only.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sukma.standards import models as standards_models  # noqa: F401  (registers the standard lists)
from sukma.standards.models import AgencyKind
from sukma.surveys.province import ElementTotalsColumns, never_negative


# ====================================================================== the rollup
class RollupAgency(models.Model):
    """A regency's agency, mirrored by the rollup (agency_id is its id in the regency's schema)."""

    regency = models.ForeignKey("tenants.Regency", on_delete=models.CASCADE, related_name="+")
    agency_id = models.IntegerField()
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=20, choices=AgencyKind.choices)
    standard_kind = models.CharField(max_length=40, blank=True, db_index=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("rolled-up agency")
        verbose_name_plural = _("rolled-up agencies")
        constraints = [
            models.UniqueConstraint(fields=["regency", "agency_id"], name="rollup_agency_once")
        ]

    def __str__(self) -> str:
        return f"{self.regency_id}/{self.agency_id} {self.short_name or self.name}"


class RollupService(models.Model):
    """A regency's service, mirrored by the rollup (service_id: its id in the regency's schema)."""

    regency = models.ForeignKey("tenants.Regency", on_delete=models.CASCADE, related_name="+")
    service_id = models.IntegerField()
    agency_id = models.IntegerField()
    name = models.CharField(max_length=200)
    standard_service = models.CharField(max_length=40, blank=True, db_index=True)
    annual_users = models.PositiveIntegerField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("rolled-up service")
        verbose_name_plural = _("rolled-up services")
        constraints = [
            models.UniqueConstraint(fields=["regency", "service_id"], name="rollup_service_once")
        ]

    def __str__(self) -> str:
        return f"{self.regency_id}/{self.service_id} {self.name}"


class RollupDay(ElementTotalsColumns):
    """One regency's DailyServiceTotals row, copied with its absolute values.

    Keyed by (regency, agency, service, day); written only by the rollup, which
    recomputes the affected RollupMonth rows from these in the same transaction.
    """

    regency = models.ForeignKey("tenants.Regency", on_delete=models.CASCADE, related_name="+")
    agency_id = models.IntegerField()
    service_id = models.IntegerField()
    day = models.DateField()

    class Meta:
        verbose_name = _("rolled-up day")
        verbose_name_plural = _("rolled-up days")
        constraints = [
            models.UniqueConstraint(
                fields=["regency", "service_id", "day"], name="rollup_day_once"
            ),
            never_negative("rollup_day"),
        ]

    def __str__(self) -> str:
        return f"{self.regency_id}/{self.service_id} {self.day}"


class RollupMonth(ElementTotalsColumns):
    """Per regency, service and month: the sum of its RollupDay rows. Rankings read this."""

    regency = models.ForeignKey("tenants.Regency", on_delete=models.CASCADE, related_name="+")
    agency_id = models.IntegerField()
    service_id = models.IntegerField()
    month = models.DateField(help_text="The first day of the month.")

    class Meta:
        verbose_name = _("rolled-up month")
        verbose_name_plural = _("rolled-up months")
        constraints = [
            models.UniqueConstraint(
                fields=["regency", "service_id", "month"], name="rollup_month_once"
            ),
            never_negative("rollup_month"),
        ]
        indexes = [models.Index(fields=["month", "regency"], name="rollup_month_by_month")]

    def __str__(self) -> str:
        return f"{self.regency_id}/{self.service_id} {self.month:%Y-%m}"


# ====================================================================== bookkeeping
class CursorState(models.TextChoices):
    STARTED = "started", _("Started")
    DONE = "done", _("Done")


class RollupCursor(models.Model):
    """How far one regency's change record has been rolled up.

    xid_done: every totals row changed by a transaction below it is in the
    rollup. A run records STARTED, copies rows with xid_done <= changed_xid <
    its snapshot's xmin, then moves xid_done to that xmin and records DONE in
    one transaction; a crash in between leaves xid_done where it was.
    """

    regency = models.OneToOneField(
        "tenants.Regency", on_delete=models.CASCADE, related_name="rollup_cursor"
    )
    xid_done = models.BigIntegerField(default=0)
    state = models.CharField(max_length=10, choices=CursorState.choices, default=CursorState.DONE)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_last_run = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # The RefreshRun that last counted this regency as done: a redelivered task counts once.
    last_run = models.UUIDField(null=True, blank=True)
    # The snapshot the last completed run started from: a totals row whose changed_xid is
    # visible in it was copied; the reconciliation counts the others as pending.
    snapshot = models.TextField(blank=True)
    # The cluster (pg_control_system's system_identifier) that issued xid_done: after a
    # restore into another cluster the ids mean nothing and the regency is read again whole.
    cluster = models.CharField(max_length=24, blank=True)

    class Meta:
        verbose_name = _("rollup cursor")
        verbose_name_plural = _("rollup cursors")

    def __str__(self) -> str:
        return f"{self.regency_id} {self.state} @{self.xid_done}"


class RefreshKind(models.TextChoices):
    INCREMENTAL = "incremental", _("Incremental")
    FULL = "full", _("Full")


class RunState(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RefreshRun(models.Model):
    """One refresh of the rankings: a rollup of every active regency, then the ranking."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(
        _("kind"), max_length=12, choices=RefreshKind.choices, default=RefreshKind.INCREMENTAL
    )
    state = models.CharField(
        _("state"), max_length=10, choices=RunState.choices, default=RunState.PENDING
    )
    regencies_total = models.PositiveIntegerField(default=0)
    regencies_done = models.PositiveIntegerField(default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # Moved by every step of a running refresh: a run whose heartbeat is older than the
    # longest step may take has lost its worker, and the sweeper resumes it (or fails it).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    resumed = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ranking refresh")
        verbose_name_plural = _("ranking refreshes")

    def __str__(self) -> str:
        return f"{self.kind} {self.state} {self.regencies_done}/{self.regencies_total}"


class ReconciliationRun(models.Model):
    """A recomputation of the rollup from every regency's raw responses, with every difference."""

    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(null=True)
    regencies_checked = models.PositiveIntegerField(default=0)
    # Every difference found, each with "repaired": whether re-copying the regency fixed it.
    differences = models.JSONField(default=list, blank=True)
    repaired = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} ok={self.ok}"


class DirectoryChange(models.Model):
    """The last transaction that changed a regency's agencies or services (by schema).

    Written by a statement trigger on the regency's agency and service tables
    (sukma.surveys.province.directory_watch_install, calling the function
    rankings_directory_changed of migration 0008), in the transaction of the change: the
    rollup mirrors a regency's directory again only when this stamp is newer than its
    cursor, without reading the regency's tables to find out.
    """

    schema_name = models.CharField(max_length=63, primary_key=True)
    changed_xid = models.BigIntegerField()

    class Meta:
        verbose_name = _("directory change")
        verbose_name_plural = _("directory changes")

    def __str__(self) -> str:
        return f"{self.schema_name} @{self.changed_xid}"


class RankingChange(models.Model):
    """A regency's rolled-up month changed (month None: its directory did, so every period).

    Written by the rollup in the transaction of the change; read and deleted by the next
    refresh of the rankings (ranking.rankings_refresh), which recomputes only the
    rankings of the periods these months belong to (and of the periods just after them,
    whose change column compares with them). No foreign key: a regency offboarded since
    only needs its rows dropped from the rankings.
    """

    id = models.BigAutoField(primary_key=True)
    regency_id = models.IntegerField()
    month = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("ranking change")
        verbose_name_plural = _("ranking changes")

    def __str__(self) -> str:
        return f"{self.regency_id} {self.month or '*'}"


# ====================================================================== ranking snapshots
class RankingSnapshot(models.Model):
    """One computed ranking, stored whole so that a read is one indexed row (ranking.py).

    Keyed by period (kind, year, number), level (regency, agency, service) and
    standard code (empty for the regency level). ``rows`` is the ranking as
    plain JSON (numbers as decimal strings); ranking.rankings_recompute()
    rewrites it after every refresh, ranking.ranking_read() serves it.
    """

    period_kind = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    number = models.PositiveSmallIntegerField()
    level = models.CharField(max_length=10)
    code = models.CharField(max_length=40, blank=True)
    policy = models.CharField(max_length=14, default="exact")
    rows = models.JSONField(default=list)
    # A digest of the province-wide inputs (active regencies, standard lists) it was computed
    # with: when today's differs, a refresh recomputes every stored ranking.
    inputs = models.CharField(max_length=32, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("ranking snapshot")
        verbose_name_plural = _("ranking snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["period_kind", "year", "number", "level", "code"],
                name="ranking_snapshot_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_kind} {self.year}/{self.number} {self.level} {self.code}"
