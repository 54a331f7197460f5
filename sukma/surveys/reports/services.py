"""Writes of reports: asking for one (cached by its data), and making it (in a worker).

report_request returns the file already made for the same data (or the one
being made) when the fingerprint matches; otherwise it records a new
request and, after commit, hands it to a worker with the regency's schema
on the message. report_generate is what the worker runs: it claims the
request with a conditional UPDATE (so a redelivered message does no work
twice), builds the PDF or the workbook, saves it and records progress on
the way.

The report settings (coat of arms, signatory, foreword) are written by
report_settings_update, report_coat_of_arms_set and report_coat_of_arms_remove:
regency admins only, each write audited in its transaction.
"""

import contextlib
import logging
import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sukma import background
from sukma.access.audit import audit_record, snapshot
from sukma.access.permissions import can_admin_regency
from sukma.access.work_limits import work_limit_check, work_limit_lock
from sukma.surveys.models import Agency, Period, Service
from sukma.surveys.reports.emblem import coat_of_arms_clean
from sukma.surveys.reports.models import (
    ReportFile,
    ReportFormat,
    ReportScope,
    ReportSettings,
    ReportState,
)
from sukma.surveys.reports.selectors import data_fingerprint, report_data, subject_for
from sukma.tenants.models import Regency

log = logging.getLogger(__name__)

TRANSIENT = (DatabaseError, ConnectionError, TimeoutError)


def report_access_check(*, scope_limit, scope: str, scope_id: int) -> None:
    """Regency admins (limit None) may ask for anything; operators only for their agencies."""
    if scope_limit is None:
        return
    if scope == ReportScope.REGENCY:
        raise PermissionDenied(_("Only regency admins may ask for the regency's report."))
    if scope == ReportScope.AGENCY:
        agency_id = scope_id
    else:
        agency_id = Service.objects.filter(pk=scope_id).values_list("agency_id", flat=True).first()
    if agency_id not in scope_limit:
        raise PermissionDenied(_("You may ask only for your own agency's reports."))


def _subject(scope: str, scope_id: int):
    if scope not in ReportScope.values:
        raise ValidationError({"scope": _("Choose regency, agency or service.")})
    try:
        return subject_for(scope, scope_id)
    except (Agency.DoesNotExist, Service.DoesNotExist):
        raise ValidationError({"scope_id": _("No such agency or service.")}) from None


# What a report says when the worker queue refused it: failed at once, never left pending.
QUEUE_UNREACHABLE = "the worker queue could not be reached; nothing was started"


def report_send(*, report_id: int, schema: str) -> None:
    """Send a recorded (committed) request to a worker. When the queue cannot be reached the
    request is marked failed (so asking again makes a new one) and BrokerUnavailable raised."""
    try:
        result = background.send(background.GENERATE_REPORT, args=[report_id], schema=schema)
    except background.BrokerUnavailable:
        ReportFile.objects.filter(pk=report_id).update(
            state=ReportState.FAILED, error=QUEUE_UNREACHABLE, finished_at=timezone.now()
        )
        raise
    ReportFile.objects.filter(pk=report_id).update(task_id=result.id or "")


def _dispatch(report_id: int, schema: str) -> None:
    report_send(report_id=report_id, schema=schema)


def _dispatch_on_commit(report_id: int, schema: str) -> None:
    """Inside a caller's transaction the send waits for its commit; a failure is recorded."""

    def _send():
        # The request is marked failed and background logged why.
        with contextlib.suppress(background.BrokerUnavailable):
            _dispatch(report_id, schema)

    transaction.on_commit(_send)


def _report_limit_check(user_id: int) -> None:
    """TooManyRequests when this person asked for SUKMA_REPORT_LIMIT new files in the window
    (in this regency). Files the queue refused started nothing and do not count."""
    work_limit_check(
        what="report",
        started=ReportFile.objects.filter(requested_by=user_id).exclude(error=QUEUE_UNREACHABLE),
        limit=settings.SUKMA_REPORT_LIMIT,
        window=settings.SUKMA_REPORT_WINDOW,
    )


def report_request(
    *, acting_user, scope: str, scope_id: int, period: Period, fmt: str, scope_limit=None
) -> tuple[ReportFile, bool]:
    """The report for this scope, period and format: (file, created).

    Not created when a file with the same data fingerprint is done or on its
    way; created (and sent to a worker after commit) otherwise. `scope_limit`
    is the caller's agency ids (None for a regency admin), checked first.
    Raises background.BrokerUnavailable (the new request marked failed) when the worker
    queue cannot be reached, and sukma.errors.TooManyRequests when a new file would pass
    the person's limit (a file made or being made is returned whatever the limit).
    """
    if fmt not in ReportFormat.values:
        raise ValidationError({"fmt": _("Choose PDF or XLSX.")})
    subject = _subject(scope, int(scope_id or 0))
    report_access_check(scope_limit=scope_limit, scope=scope, scope_id=subject.scope_id)
    fingerprint = data_fingerprint(subject, period)
    live = ReportFile.objects.filter(
        scope=scope, scope_id=subject.scope_id, period=period, fmt=fmt, fingerprint=fingerprint
    ).exclude(state=ReportState.FAILED)
    user_id = getattr(acting_user, "pk", None)
    with transaction.atomic():
        if user_id:
            work_limit_lock(f"report:{connection.schema_name}:{user_id}")
        existing = live.first()
        if existing is not None:
            return existing, False
        if user_id:
            _report_limit_check(user_id)
        try:
            with transaction.atomic():
                report = ReportFile.objects.create(
                    scope=scope,
                    scope_id=subject.scope_id,
                    period=period,
                    fmt=fmt,
                    fingerprint=fingerprint,
                    requested_by=user_id,
                )
        except IntegrityError:  # asked twice at once: the other request won
            return live.get(), False
    schema = connection.schema_name
    if connection.in_atomic_block:
        _dispatch_on_commit(report.pk, schema)
    else:
        _dispatch(report.pk, schema)
    return report, True


RESUMED = "its worker was lost; sent again"
WORKER_LOST = "its worker was lost twice; ask for the report again"


def report_sweep(*, stale_after: timedelta) -> dict[str, int]:
    """Requests of this schema nobody is working on: sent again once, then failed.

    Stale: pending or running with no claim or send for `stale_after` (longer than the task's
    hard time limit, so no live worker still holds it). A redelivered copy of the lost
    message finds the request claimed or done and does nothing; a failed request is never
    the one returned by report_request, so asking again makes a new one. The sweeper task
    (sukma.worker.tasks_jobs) calls this in every active regency's schema."""
    stale = (
        ReportFile.objects.filter(state__in=[ReportState.PENDING, ReportState.RUNNING])
        .annotate(last_sign=Coalesce("started_at", "created_at"))
        .filter(last_sign__lt=timezone.now() - stale_after)
    )
    counts = {"resumed": 0, "failed": 0}
    for report_id, state, error in stale.values_list("pk", "state", "error"):
        if error == RESUMED:
            ReportFile.objects.filter(pk=report_id, state=state).update(
                state=ReportState.FAILED, error=WORKER_LOST, finished_at=timezone.now()
            )
            counts["failed"] += 1
            continue
        taken = ReportFile.objects.filter(pk=report_id, state=state, error=error).update(
            state=ReportState.PENDING, progress=0, started_at=timezone.now(), error=RESUMED
        )
        if taken:
            report_send(report_id=report_id, schema=connection.schema_name)
            counts["resumed"] += 1
    return counts


def _progress(report_id: int, percent: int) -> None:
    ReportFile.objects.filter(pk=report_id, state=ReportState.RUNNING).update(progress=percent)


def report_generate(*, report_id: int, regency) -> ReportFile:
    """Make the file of a pending request. Idempotent: a done or claimed request is left alone."""
    claimed = ReportFile.objects.filter(pk=report_id, state=ReportState.PENDING).update(
        state=ReportState.RUNNING, started_at=timezone.now(), progress=5
    )
    report = ReportFile.objects.select_related("period").get(pk=report_id)
    if not claimed:
        return report
    try:
        with translation.override("id"):
            subject = subject_for(report.scope, report.scope_id)
            data = report_data(regency, subject, report.period, today=timezone.localdate())
            _progress(report_id, 40)
            if report.fmt == ReportFormat.PDF:
                from sukma.surveys.reports.pdf import report_pdf

                body = report_pdf(data)
            else:
                from sukma.surveys.reports.xlsx import report_xlsx

                body = report_xlsx(data, progress=lambda p: _progress(report_id, p))
        _progress(report_id, 90)
        name = f"{report.scope}-{report.scope_id}-{report.fingerprint[:16]}.{report.fmt}"
        report.file.save(name, ContentFile(body), save=False)
        ReportFile.objects.filter(pk=report_id).update(
            file=report.file.name,
            state=ReportState.DONE,
            error="",
            progress=100,
            finished_at=timezone.now(),
        )
    except TRANSIENT:
        # Worth another try: the task retries, and the retry must be able to claim it again.
        ReportFile.objects.filter(pk=report_id).update(state=ReportState.PENDING, progress=0)
        raise
    except Exception as error:
        log.exception("report %s failed", report_id)
        ReportFile.objects.filter(pk=report_id).update(
            state=ReportState.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        raise
    report.refresh_from_db()
    return report


# ---------------------------------------------------------------- the report settings
FOREWORD_MAX = 6000
NIP_SEPARATORS = re.compile(r"[ .]")


def _regency_admin(acting_user, regency: Regency | None) -> Regency:
    """The regency of this schema, if the user administers it; PermissionDenied otherwise."""
    tenant = getattr(connection, "tenant", None)
    regency = regency or tenant
    if not isinstance(regency, Regency) or regency.schema_name != connection.schema_name:
        raise RuntimeError("report settings are written inside the regency's own schema")
    if not can_admin_regency(acting_user, regency):
        raise PermissionDenied(_("Only this regency's administrators may change the reports."))
    return regency


def nip_clean(value: str) -> str:
    """An NIP as its 18 digits (spaces and dots between groups allowed); "" stays ""."""
    nip = NIP_SEPARATORS.sub("", value or "")
    if nip and not (len(nip) == 18 and nip.isascii() and nip.isdigit()):
        raise ValidationError(
            {"signatory_nip": _("An NIP is 18 digits, for example 19800101 200501 1 001.")}
        )
    return nip


def _settings_locked() -> ReportSettings:
    ReportSettings.current()
    return ReportSettings.objects.select_for_update().get(pk=1)


@transaction.atomic
def report_settings_update(
    *,
    acting_user,
    signatory_name: str,
    signatory_position: str,
    signatory_nip: str,
    foreword: str,
    regency: Regency | None = None,
) -> ReportSettings:
    """The signatory and the foreword (empty: the default one) of every report of the regency."""
    regency = _regency_admin(acting_user, regency)
    nip = nip_clean(signatory_nip)
    foreword = (foreword or "").replace("\r\n", "\n").strip()
    if len(foreword) > FOREWORD_MAX:
        raise ValidationError(
            {
                "foreword": _("The foreword is too long: at most %(n)s characters.")
                % {"n": FOREWORD_MAX}
            }
        )
    settings = _settings_locked()
    before = snapshot(settings)
    settings.signatory_name = (signatory_name or "").strip()
    settings.signatory_position = (signatory_position or "").strip()
    settings.signatory_nip = nip
    settings.foreword = foreword
    settings.full_clean()
    settings.save()
    audit_record(
        actor=acting_user,
        action="report_settings.updated",
        target=settings,
        regency=regency,
        before=before,
        after=snapshot(settings),
    )
    return settings


def _replace_coat_of_arms(acting_user, regency, picture: bytes | None) -> ReportSettings:
    settings = _settings_locked()
    before = snapshot(settings)
    old = settings.coat_of_arms.name if settings.coat_of_arms else ""
    if picture is None:
        settings.coat_of_arms = ""
    else:
        settings.coat_of_arms.save("lambang.png", ContentFile(picture), save=False)
    settings.save()
    audit_record(
        actor=acting_user,
        action="report_settings.coat_of_arms",
        target=settings,
        regency=regency,
        before=before,
        after=snapshot(settings),
    )
    if old:  # the old picture goes once the change is committed; a rollback keeps it
        storage = settings.coat_of_arms.storage
        transaction.on_commit(lambda: storage.delete(old))
    return settings


@transaction.atomic
def report_coat_of_arms_set(
    *, acting_user, data: bytes, regency: Regency | None = None
) -> ReportSettings:
    """Check an uploaded picture (see emblem.py) and put it on every report's cover."""
    regency = _regency_admin(acting_user, regency)
    return _replace_coat_of_arms(acting_user, regency, coat_of_arms_clean(data))


@transaction.atomic
def report_coat_of_arms_remove(*, acting_user, regency: Regency | None = None) -> ReportSettings:
    regency = _regency_admin(acting_user, regency)
    return _replace_coat_of_arms(acting_user, regency, None)
