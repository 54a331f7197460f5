"""Provisioning a regency in one step: idempotent, resumable, only under a signed agreement."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context, schema_exists

from sukma.access.models import AuditEvent, Invitation, Membership, Role, User
from sukma.platform.models import JobState
from sukma.platform.services import provisioning
from sukma.platform.services.agreements import agreement_register
from sukma.platform.services.provisioning import provisioning_progress, provisioning_start
from sukma.surveys.models import Question, Questionnaire
from sukma.tenants.models import Domain, RegencyStatus
from tests.factories import agreement_values, signed_agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_job(django_capture_on_commit_callbacks):
    """Run a job as the worker would; invitations go out when their transaction commits."""

    def run(job_id):
        with django_capture_on_commit_callbacks(execute=True):
            return provisioning.provisioning_run(job_id=job_id)

    return run


ADMIN = "organisasi@pacitankab.go.id"


def _start(regency, admin_email=ADMIN, subdomain="pacitankab", user=None):
    return provisioning_start(
        acting_user=user, regency=regency, subdomain=subdomain, admin_email=admin_email
    )


def _state_of(regency) -> dict:
    """Everything provisioning makes, counted, so two runs can be compared."""
    regency.refresh_from_db()
    with schema_context(regency.schema_name):
        questionnaires = Questionnaire.objects.count()
        questions = Question.objects.count()
    return {
        "status": regency.status,
        "schema": schema_exists(regency.schema_name),
        "domains": list(Domain.objects.filter(tenant=regency).values_list("domain", "is_primary")),
        "admins": Membership.objects.filter(regency=regency, role=Role.REGENCY_ADMIN).count(),
        "users": User.objects.filter(email=ADMIN).count(),
        "invitations": Invitation.objects.filter(regency=regency).count(),
        "mails": len(mail.outbox),
        "questionnaires": questionnaires,
        "questions": questions,
        "agreement": regency.agreements.get().status,
    }


def test_provisioning_makes_everything_a_regency_needs(personas, run_job):
    agreement = signed_agreement(personas.province_admin)
    job = run_job(_start(agreement.regency, user=personas.province_admin).pk)

    assert job.state == JobState.SUCCEEDED
    assert _state_of(agreement.regency) == {
        "status": RegencyStatus.ACTIVE,
        "schema": True,
        "domains": [("pacitankab.localhost", True)],
        "admins": 1,
        "users": 1,
        "invitations": 1,
        "mails": 1,
        "questionnaires": 1,
        "questions": 9,
        "agreement": "active",
    }
    assert "http://pacitankab.localhost:8000/akun/atur-sandi/" in mail.outbox[0].body


def test_provisioning_twice_duplicates_nothing(personas, run_job):
    agreement = signed_agreement(personas.province_admin)
    run_job(_start(agreement.regency).pk)
    first = _state_of(agreement.regency)

    run_job(_start(agreement.regency).pk)

    assert _state_of(agreement.regency) == first


def test_running_the_same_job_again_changes_nothing(personas, run_job):
    agreement = signed_agreement()
    job = _start(agreement.regency)
    run_job(job.pk)
    first = _state_of(agreement.regency)
    events = AuditEvent.objects.count()

    run_job(job.pk)

    assert _state_of(agreement.regency) == first
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("failing_step", [name for name, _ in provisioning.STEPS])
def test_provisioning_resumes_after_a_failure_halfway(personas, run_job, monkeypatch, failing_step):
    clean = signed_agreement(region_code="35.03", regency_name="Trenggalek")
    run_job(_start(clean.regency, "a@trenggalekkab.go.id", "trenggalekkab").pk)
    mail.outbox.clear()

    agreement = signed_agreement()
    job = _start(agreement.regency)
    original = dict(provisioning.STEPS)[failing_step]

    def crash(job):
        original(job)  # the step's work is done, then the process dies before recording it
        raise RuntimeError("power cut")

    steps = [(n, crash if n == failing_step else f) for n, f in provisioning.STEPS]
    monkeypatch.setattr(provisioning, "STEPS", steps)
    with pytest.raises(RuntimeError):
        run_job(job.pk)
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert failing_step in job.error

    monkeypatch.undo()
    job = run_job(job.pk)

    assert job.state == JobState.SUCCEEDED
    state = _state_of(agreement.regency)
    assert state["domains"] == [("pacitankab.localhost", True)]
    assert {k: v for k, v in state.items() if k != "domains"} == {
        "status": RegencyStatus.ACTIVE,
        "schema": True,
        "admins": 1,
        "users": 1,
        "invitations": 1,
        "mails": 1,
        "questionnaires": 1,
        "questions": 9,
        "agreement": "active",
    }


def test_provisioning_without_a_signed_agreement_is_refused(personas, run_job):
    draft = agreement_register(acting_user=None, **agreement_values())
    with pytest.raises(ValidationError) as error:
        _start(draft.regency)
    assert "agreement" in error.value.message_dict
    assert not schema_exists(draft.regency.schema_name)


@pytest.mark.parametrize(
    ("subdomain", "email", "field"),
    [
        ("Pacitan Kab", ADMIN, "subdomain"),
        ("a", ADMIN, "subdomain"),
        ("tulungagungkab", ADMIN, "subdomain"),
        ("pacitankab", "not-an-email", "admin_email"),
    ],
)
def test_bad_provisioning_requests_are_refused(personas, run_job, subdomain, email, field):
    agreement = signed_agreement()
    with pytest.raises(ValidationError) as error:
        _start(agreement.regency, email, subdomain)
    assert field in error.value.message_dict


def test_progress_reports_each_step(personas, run_job):
    agreement = signed_agreement()
    job = _start(agreement.regency)
    assert provisioning_progress(job)["percent"] == 0
    job = run_job(job.pk)
    progress = provisioning_progress(job)
    assert progress["state"] == "succeeded"
    assert progress["percent"] == 100
    assert [s["done"] for s in progress["steps"]] == [True] * len(provisioning.STEPS)
