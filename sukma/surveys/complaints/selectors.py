"""Complaints: every read. Overdue is computed from the clocks at ``now``, so the inbox
is right even before the hourly escalation has run."""

import datetime

from django.db.models import BooleanField, Q, QuerySet, Value, When
from django.db.models import Case as SqlCase
from django.utils import timezone

from sukma.surveys.complaints import clocks
from sukma.surveys.complaints.models import Case, Note, Status

OPEN = [Status.RECEIVED, Status.IN_PROGRESS]


def overdue_q(now: datetime.datetime) -> Q:
    today = clocks.jakarta_date(now)
    return Q(spam=False, status__in=OPEN) & (
        Q(forwarded_at__isnull=True, forward_due_on__lt=today)
        | Q(forwarded_at__isnull=False, answer_due_on__lt=today)
    )


def search_q(query: str) -> Q:
    """A tracking code exactly (any case, any spaces), or every word of the query somewhere in
    the citizen's text or the agency's public answer or reason. Words are text, not patterns
    (``icontains`` escapes ``%`` and ``_``)."""
    words = query.split()
    if not words:
        return Q()
    code = "".join(words).upper()
    by_code = Q(tracking_code=code) if code.isalnum() and len(code) <= 16 else Q(pk__in=[])
    by_words = Q()
    for word in words:
        by_words &= (
            Q(response__suggestion__icontains=word)
            | Q(public_answer__icontains=word)
            | Q(rejection_reason__icontains=word)
        )
    return by_code | by_words


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=clocks.JAKARTA)


def inbox(
    *,
    agency_ids: frozenset[int] | None,
    agency_id: int | None = None,
    status: str = "",
    overdue: bool = False,
    query: str = "",
    received_from: datetime.date | None = None,
    received_to: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[Case]:
    """Cases the desk shows: not spam; limited to ``agency_ids`` unless None (whole regency).

    ``received_from`` and ``received_to`` are days in Jakarta, both included."""
    now = now or timezone.now()
    cases = (
        Case.objects.filter(spam=False)
        .select_related("agency", "response__service")
        .annotate(
            is_overdue=SqlCase(
                When(overdue_q(now), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    )
    if agency_ids is not None:
        cases = cases.filter(agency_id__in=agency_ids)
    if agency_id is not None:
        cases = cases.filter(agency_id=agency_id)
    if status in Status.values:
        cases = cases.filter(status=status)
    if overdue:
        cases = cases.filter(overdue_q(now))
    if query:
        cases = cases.filter(search_q(query))
    if received_from is not None:
        cases = cases.filter(received_at__gte=_start_of(received_from))
    if received_to is not None:
        cases = cases.filter(received_at__lt=_start_of(received_to + datetime.timedelta(days=1)))
    return cases.order_by("-is_overdue", "status", "-received_at", "-pk")


def case_for_staff(pk: int, *, agency_ids: frozenset[int] | None) -> Case | None:
    cases = Case.objects.select_related("agency", "response__service", "response__service_point")
    if agency_ids is not None:
        cases = cases.filter(agency_id__in=agency_ids)
    return cases.filter(pk=pk).first()


def case_is_overdue(case: Case, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    if case.spam or case.status not in OPEN:
        return False
    if case.forwarded_at is None:
        return clocks.is_past(case.forward_due_on, now)
    return clocks.is_past(case.answer_due_on, now)


def case_notes(case: Case) -> list[Note]:
    return list(case.notes.all())


def case_by_tracking_code(code: str) -> Case | None:
    """The one case a citizen's code names, or None (wrong, missing or malformed alike)."""
    code = (code or "").strip().upper()
    if not code or len(code) > 16 or not code.isalnum():
        return None
    return (
        Case.objects.select_related("agency", "response__service")
        .filter(tracking_code=code)
        .first()
    )
