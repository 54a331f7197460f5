"""Provisioning a regency in one step: schema, questionnaire, domain, admin, invitation.

A job records each step as it finishes. Running a job again, or a new job
for the same regency, skips what is done and redoes nothing twice, so a
crash halfway is mended by running it again. The steps are ordered so that
the regency becomes reachable (status active) only once all else is there.
"""

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_creation_fakes_migrations, schema_context, schema_exists

from sukma import background
from sukma.access.audit import audit_record, snapshot
from sukma.access.models import Role
from sukma.access.people import (
    invitation_send,
    membership_grant,
    user_get_or_invite,
)
from sukma.platform.models import JobState, ProvisioningJob, ReplicationAgreement
from sukma.platform.services.agreements import agreement_in_force
from sukma.surveys.province import questionnaire_install_standard
from sukma.tenants.clone import clone_template
from sukma.tenants.models import Domain, Regency, RegencyStatus
from sukma.tenants.naming import SUBDOMAIN_PATTERN, host_for
from sukma.tenants.schemas import template_schema_name

log = logging.getLogger(__name__)


def _check_request(regency: Regency, subdomain: str, admin_email: str) -> ReplicationAgreement:
    errors = {}
    agreement = agreement_in_force(regency)
    if agreement is None:
        errors["agreement"] = [
            _("%(name)s has no signed agreement; sign one before provisioning.")
            % {"name": regency.name}
        ]
    if regency.status == RegencyStatus.OFFBOARDED:
        errors["regency"] = [_("An offboarded regency cannot be provisioned again.")]
    if not SUBDOMAIN_PATTERN.match(subdomain):
        errors["subdomain"] = [
            _("Use 3 to 42 lower-case letters, digits or hyphens, such as tulungagungkab.")
        ]
    elif Domain.objects.filter(domain=host_for(subdomain)).exclude(tenant=regency).exists():
        errors["subdomain"] = [_("This subdomain already belongs to another regency.")]
    try:
        validate_email(admin_email)
    except ValidationError:
        errors["admin_email"] = [_("Enter a valid e-mail address.")]
    if errors:
        raise ValidationError(errors)
    return agreement


@transaction.atomic
def provisioning_start(
    *, acting_user, regency: Regency, subdomain: str, admin_email: str
) -> ProvisioningJob:
    """Check the request and record a job; the caller runs it (a worker, or the command)."""
    subdomain = subdomain.strip().lower()
    admin_email = admin_email.strip().lower()
    agreement = _check_request(regency, subdomain, admin_email)
    job = ProvisioningJob.objects.create(
        regency=regency,
        agreement=agreement,
        subdomain=subdomain,
        admin_email=admin_email,
        requested_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    audit_record(
        actor=acting_user,
        action="provisioning.requested",
        target=job,
        regency=regency,
        after=snapshot(job),
    )
    return job


# What a job says when the worker queue refused it: failed at once, never left pending.
QUEUE_UNREACHABLE = "the worker queue could not be reached; nothing was started"


def provisioning_send(job: ProvisioningJob) -> str:
    """Send a recorded (committed) job to a worker; its task id, recorded on the job.

    When the queue cannot be reached the job is marked failed (a failed job may be
    started again) and background.BrokerUnavailable raised."""
    task_id = str(uuid.uuid4())
    ProvisioningJob.objects.filter(pk=job.pk).update(task_id=task_id, updated_at=timezone.now())
    job.task_id = task_id
    if connection.in_atomic_block:  # a caller's transaction: sent when it commits
        transaction.on_commit(lambda: _send_or_fail(job.pk, task_id, quiet=True))
    else:
        _send_or_fail(job.pk, task_id)
    return task_id


def _send_or_fail(job_id, task_id: str, *, quiet: bool = False) -> None:
    try:
        background.send(background.PROVISION_REGENCY, args=[str(job_id)], task_id=task_id)
    except background.BrokerUnavailable:
        ProvisioningJob.objects.filter(pk=job_id).exclude(state=JobState.SUCCEEDED).update(
            state=JobState.FAILED, error=QUEUE_UNREACHABLE, updated_at=timezone.now()
        )
        if not quiet:
            raise


RESUMED = "its worker was lost; sent again"
WORKER_LOST = "its worker was lost twice; start it again"


def provisioning_sweep(*, stale_after: timedelta) -> dict[str, int]:
    """Jobs nobody is working on (no step recorded for `stale_after`, longer than the task's
    hard time limit): sent again once, then failed. Every step is idempotent and a failed
    job may be started again, so neither loses or doubles anything."""
    stale = ProvisioningJob.objects.filter(
        state__in=[JobState.PENDING, JobState.RUNNING],
        updated_at__lt=timezone.now() - stale_after,
    )
    counts = {"resumed": 0, "failed": 0}
    for job in stale:
        if job.error == RESUMED:
            ProvisioningJob.objects.filter(pk=job.pk, state=job.state).update(
                state=JobState.FAILED, error=WORKER_LOST, updated_at=timezone.now()
            )
            counts["failed"] += 1
            continue
        taken = ProvisioningJob.objects.filter(pk=job.pk, state=job.state, error=job.error)
        if taken.update(error=RESUMED, updated_at=timezone.now()):
            provisioning_send(job)
            counts["resumed"] += 1
    return counts


# ------------------------------------------------------------------ steps
def step_schema(job: ProvisioningJob) -> None:
    """Clone the template schema, its migration records included. A schema already there is kept.

    Our clone (sukma/tenants/clone.py) stays flat as regencies multiply, and copies the
    migration records, so no faked migrate pass is needed (one would only hide a stale
    template instead of letting `migrate` fix it).
    """
    if schema_exists(job.regency.schema_name):
        return
    if get_creation_fakes_migrations():
        clone_template(template_schema_name(), job.regency.schema_name)
    else:  # cloning switched off (bench/provision.py's baseline): migrate from nothing
        job.regency.create_schema(verbosity=0)
    audit_record(
        actor=job.requested_by,
        action="regency.schema_created",
        target=job.regency,
        regency=job.regency,
        after={"schema_name": job.regency.schema_name},
    )


def step_questionnaire(job: ProvisioningJob) -> None:
    with schema_context(job.regency.schema_name):
        questionnaire_install_standard()


def step_domain(job: ProvisioningJob) -> None:
    host = host_for(job.subdomain)
    domain = Domain.objects.filter(tenant=job.regency, is_primary=True).first()
    if domain is not None and domain.domain == host:
        return
    before = snapshot(domain)
    if domain is None:
        domain = Domain(tenant=job.regency, is_primary=True)
    domain.domain = host
    domain.save()
    audit_record(
        actor=job.requested_by,
        action="domain.primary_set",
        target=domain,
        regency=job.regency,
        before=before,
        after=snapshot(domain),
    )


def step_admin(job: ProvisioningJob) -> None:
    user = user_get_or_invite(acting_user=job.requested_by, email=job.admin_email)
    membership_grant(
        acting_user=job.requested_by, user=user, role=Role.REGENCY_ADMIN, regency=job.regency
    )


def step_invitation(job: ProvisioningJob) -> None:
    user = user_get_or_invite(acting_user=job.requested_by, email=job.admin_email)
    if user.has_usable_password():
        return  # already has a way in; an invitation would only confuse
    invitation_send(
        acting_user=job.requested_by, user=user, regency=job.regency, host=host_for(job.subdomain)
    )


def step_activate(job: ProvisioningJob) -> None:
    from sukma.platform.services.agreements import agreement_transition

    regency = Regency.objects.select_for_update().get(pk=job.regency_id)
    if regency.status == RegencyStatus.ONBOARDING:
        before = snapshot(regency)
        regency.status = RegencyStatus.ACTIVE
        regency.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=job.requested_by,
            action="regency.active",
            target=regency,
            regency=regency,
            before=before,
            after=snapshot(regency),
        )
    agreement = ReplicationAgreement.objects.get(pk=job.agreement_id)
    if agreement.status == "signed":
        agreement_transition(acting_user=job.requested_by, agreement=agreement, to="active")


STEPS: list[tuple[str, Callable[[ProvisioningJob], None]]] = [
    ("schema", step_schema),
    ("questionnaire", step_questionnaire),
    ("domain", step_domain),
    ("admin", step_admin),
    ("invitation", step_invitation),
    ("activate", step_activate),
]


def step_label(name: str) -> str:
    labels = {
        "schema": _("Database schema"),
        "questionnaire": _("Standard questionnaire (nine elements)"),
        "domain": _("Subdomain"),
        "admin": _("Regency administrator"),
        "invitation": _("Invitation e-mail"),
        "activate": _("Regency activated"),
    }
    return str(labels[name])


def provisioning_run(*, job_id) -> ProvisioningJob:
    """Run (or resume) a job's steps in order. Raises after recording the failure."""
    job = _claim(job_id)
    if job is None:
        return ProvisioningJob.objects.get(pk=job_id)
    for name, run in STEPS:
        if name in job.steps_done:
            continue
        try:
            with transaction.atomic():
                run(job)
                job.steps_done = [*job.steps_done, name]
                job.save(update_fields=["steps_done", "updated_at"])
        except Exception as exc:
            log.exception("provisioning %s failed at step %s", job.pk, name)
            job.state = JobState.FAILED
            job.error = f"{name}: {exc}"
            job.save(update_fields=["state", "error", "updated_at"])
            raise
    job.state = JobState.SUCCEEDED
    job.error = ""
    job.save(update_fields=["state", "error", "updated_at"])
    return job


def _claim(job_id) -> ProvisioningJob | None:
    """Mark a job running unless it already succeeded; a failed job may be claimed again."""
    with transaction.atomic():
        job = (
            ProvisioningJob.objects.select_for_update(of=("self",))
            .select_related("regency", "requested_by")
            .get(pk=job_id)
        )
        if job.state == JobState.SUCCEEDED:
            return None
        job.state = JobState.RUNNING
        job.save(update_fields=["state", "updated_at"])
        return job


def provisioning_progress(job: ProvisioningJob) -> dict:
    """What a caller watching the job sees: state, percent and each step's status."""
    done = set(job.steps_done)
    return {
        "id": str(job.pk),
        "state": job.state,
        "percent": round(100 * len(done) / len(STEPS)),
        "steps": [
            {"name": name, "label": step_label(name), "done": name in done} for name, _r in STEPS
        ],
        "error": job.error,
        "regency": job.regency_id,
    }
