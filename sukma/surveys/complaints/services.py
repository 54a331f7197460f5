"""Complaints: every write. Status changes are enforced here and nowhere else.

Lifecycle: diterima -> diproses -> selesai, or -> ditolak (with a public reason)
from diterima or diproses. Closed cases (selesai, ditolak) do not change again.
Marking as spam closes the case as ditolak, takes it out of the inbox, and is
audited. E-mails are plain text, sent only once the transaction commits.
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sukma.access.audit import audit_record, snapshot
from sukma.access.models import Membership, Role, User
from sukma.surveys.complaints import clocks
from sukma.surveys.complaints.models import Case, Note, Status
from sukma.surveys.models import Response
from sukma.tenants.naming import url_for_host

TEXT_MAX = 4000
ALLOWED = {
    Status.RECEIVED: {Status.IN_PROGRESS, Status.REJECTED},
    Status.IN_PROGRESS: {Status.DONE, Status.REJECTED},
    Status.DONE: set(),
    Status.REJECTED: set(),
}


# ---------------------------------------------------------------- helpers
def _regency():
    tenant = getattr(connection, "tenant", None)
    return tenant if getattr(tenant, "pk", None) else None


def _text(value: str, field: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > TEXT_MAX:
        raise ValidationError({field: _("Keep it under 4,000 characters.")})
    return value


def _one_line(text: str) -> str:
    """A subject line: never a newline (header injection), never overly long."""
    return " ".join(text.split())[:200]


def case_url(regency, case: Case) -> str:
    path = reverse("complaints:case", kwargs={"pk": case.pk})
    return url_for_host(regency.primary_domain or "", path) if regency else path


def _mail(recipients: list[str], template: str, context: dict) -> None:
    if not recipients:
        return
    with translation.override("id"):
        subject = _one_line(render_to_string(f"complaints/email/{template}_subject.txt", context))
        # Plain text, rendered with autoescaping on: citizen text arrives escaped.
        body = render_to_string(f"complaints/email/{template}_body.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, recipients))


def agency_operator_emails(regency, agency_id: int) -> list[str]:
    return sorted(
        Membership.objects.filter(
            regency_id=regency.pk,
            role=Role.AGENCY_OPERATOR,
            agency_id=agency_id,
            user__is_active=True,
        ).values_list("user__email", flat=True)
    )


def regency_admin_emails(regency) -> list[str]:
    return sorted(
        Membership.objects.filter(
            regency_id=regency.pk, role=Role.REGENCY_ADMIN, user__is_active=True
        ).values_list("user__email", flat=True)
    )


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


# ---------------------------------------------------------------- opening
def cases_notify_arrivals(*, regency=None) -> list[int]:
    """Tell each new case's agency operators (or, without any, the regency admins). Once.

    Each case is claimed by a conditional UPDATE before its mail is prepared, so a second
    or concurrent run sends nothing again; the mails go out when the claim commits.
    """
    regency = regency or _regency()
    notified = []
    with transaction.atomic():
        for case in Case.objects.filter(arrival_notified_at__isnull=True).select_related(
            "response__service__agency"
        ):
            claimed = Case.objects.filter(pk=case.pk, arrival_notified_at__isnull=True).update(
                arrival_notified_at=timezone.now()
            )
            if not claimed:
                continue
            _mail_arrival(regency, case)
            notified.append(case.pk)
    return notified


def _mail_arrival(regency, case: Case) -> None:
    response = case.response
    recipients = agency_operator_emails(regency, case.agency_id) or regency_admin_emails(regency)
    _mail(
        recipients,
        "received",
        {
            "case": case,
            "agency": response.service.agency,
            "service": response.service,
            "regency": regency,
            "link": case_url(regency, case),
        },
    )


def case_for(response: Response) -> Case | None:
    """The case a response with a suggestion opens, unsaved; None without one.

    response_submit stores it in the very statement that stores the response,
    which also resolves the case's response and agency (the agency of the
    service the citizen rated): the two are stored together or not at all.
    Nobody is mailed here: the worker's cases_notify_arrivals tells the
    agency, off the citizen's request.
    """
    if not response.suggestion or not response.tracking_code:
        return None
    return Case(
        tracking_code=response.tracking_code,
        received_at=response.submitted_at,
        forward_due_on=clocks.forward_due(response.submitted_at),
    )


# ---------------------------------------------------------------- the lifecycle
def _forward(case: Case, now: datetime.datetime) -> None:
    if case.forwarded_at is None:
        case.forwarded_at = now
        case.answer_due_on = clocks.answer_due(now)


@transaction.atomic
def case_transition(
    *, case: Case, acting_user, to: str, reason: str = "", now: datetime.datetime | None = None
) -> Case:
    """Move a case to another status; an illegal move is refused and changes nothing."""
    now = now or timezone.now()
    case = _locked(case)
    if case.spam:
        raise ValidationError({"status": _("This case was marked as spam; it does not change.")})
    if to not in Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    to = Status(to)
    if to not in ALLOWED[Status(case.status)]:
        raise ValidationError(
            {
                "status": _("A case that is %(from)s cannot become %(to)s.")
                % {"from": Status(case.status).label, "to": to.label}
            }
        )
    if to == Status.DONE and not case.public_answer:
        raise ValidationError(
            {"status": _("Write the public answer before marking the case as done.")}
        )
    if to == Status.REJECTED:
        case.rejection_reason = _text(reason, "reason")
    _forward(case, now)
    case.status = to
    if to in (Status.DONE, Status.REJECTED):
        case.closed_at = now
    case.save()
    return case


@transaction.atomic
def case_assign(
    *, case: Case, acting_user, assignee: User | None, now: datetime.datetime | None = None
) -> Case:
    """Give the case to an officer who may work on it; a received case is taken up by it."""
    now = now or timezone.now()
    case = _locked(case)
    if case.closed or case.spam:
        raise ValidationError({"assignee": _("A closed case cannot be reassigned.")})
    if assignee is not None and assignee.pk not in {u.pk for u in assignable_users(case)}:
        raise ValidationError({"assignee": _("This person cannot work on this agency's cases.")})
    case.assignee_id = assignee.pk if assignee else None
    if assignee is not None and case.status == Status.RECEIVED:
        _forward(case, now)
        case.status = Status.IN_PROGRESS
    case.save()
    return case


def assignable_users(case: Case) -> list[User]:
    regency = _regency()
    if regency is None:
        return []
    ids = Membership.objects.filter(regency_id=regency.pk, user__is_active=True).filter(
        role=Role.REGENCY_ADMIN
    ) | Membership.objects.filter(
        regency_id=regency.pk,
        user__is_active=True,
        role=Role.AGENCY_OPERATOR,
        agency_id=case.agency_id,
    )
    return list(User.objects.filter(pk__in=ids.values("user_id")).order_by("email"))


@transaction.atomic
def case_answer(
    *, case: Case, acting_user, text: str, now: datetime.datetime | None = None
) -> Case:
    """Write (or correct) the agency's public answer while the case is open."""
    now = now or timezone.now()
    case = _locked(case)
    if case.closed or case.spam:
        raise ValidationError({"answer": _("The case is closed; its answer no longer changes.")})
    case.public_answer = _text(text, "answer")
    case.answered_at = now
    case.save()
    return case


@transaction.atomic
def case_note_add(*, case: Case, acting_user, text: str) -> Note:
    return Note.objects.create(case=case, author_id=acting_user.pk, text=_text(text, "note"))


@transaction.atomic
def case_mark_spam(
    *, case: Case, acting_user, reason: str = "", now: datetime.datetime | None = None
) -> Case:
    """Spam: closed as ditolak, out of the inbox, audited (who, when, before and after)."""
    now = now or timezone.now()
    case = _locked(case)
    if case.spam:
        return case
    before = snapshot(case)
    case.spam = True
    case.spam_marked_at = now
    case.spam_marked_by_id = acting_user.pk
    if not case.closed:
        case.rejection_reason = _text(reason, "reason", required=False) or _(
            "Not a suggestion or complaint about a public service."
        )
        case.status = Status.REJECTED
        case.closed_at = now
    case.save()
    audit_record(
        actor=acting_user,
        action="complaint.marked_spam",
        target=case,
        regency=_regency(),
        before=before,
        after=snapshot(case),
    )
    return case


# ---------------------------------------------------------------- escalation
def cases_escalate_due(*, now: datetime.datetime | None = None, regency=None) -> list[int]:
    """Escalate every case past a clock, once per clock; tell the regency admins in one mail.

    Idempotent: each escalation is claimed by a conditional UPDATE, so a second run
    (or a concurrent one) escalates and mails nothing again.
    """
    now = now or timezone.now()
    today = clocks.jakarta_date(now)
    regency = regency or _regency()
    escalated: list[tuple[int, str]] = []
    with transaction.atomic():
        open_cases = Case.objects.filter(
            spam=False, status__in=[Status.RECEIVED, Status.IN_PROGRESS]
        )
        late_forward = open_cases.filter(
            forwarded_at__isnull=True, forward_due_on__lt=today, forward_escalated_at__isnull=True
        )
        late_answer = open_cases.filter(
            forwarded_at__isnull=False, answer_due_on__lt=today, answer_escalated_at__isnull=True
        )
        for pk in list(late_forward.values_list("pk", flat=True)):
            if Case.objects.filter(pk=pk, forward_escalated_at__isnull=True).update(
                forward_escalated_at=now
            ):
                escalated.append((pk, "forward"))
        for pk in list(late_answer.values_list("pk", flat=True)):
            if Case.objects.filter(pk=pk, answer_escalated_at__isnull=True).update(
                answer_escalated_at=now
            ):
                escalated.append((pk, "answer"))
        if escalated and regency is not None:
            cases = Case.objects.select_related("agency").in_bulk([pk for pk, _kind in escalated])
            rows = [
                {
                    "case": cases[pk],
                    "kind": kind,
                    "due_on": cases[pk].forward_due_on
                    if kind == "forward"
                    else cases[pk].answer_due_on,
                    "link": case_url(regency, cases[pk]),
                }
                for pk, kind in escalated
            ]
            _mail(
                regency_admin_emails(regency),
                "escalated",
                {"rows": rows, "regency": regency, "count": len(rows)},
            )
    return [pk for pk, _kind in escalated]
