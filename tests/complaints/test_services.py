"""Opening a case, its lifecycle (one place enforces it), spam (audited), escalation."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from sukma.access.models import AuditEvent
from sukma.surveys.citizen import submission
from sukma.surveys.complaints import selectors
from sukma.surveys.complaints.models import Case, Note, Status
from sukma.surveys.complaints.services import (
    case_answer,
    case_assign,
    case_mark_spam,
    case_note_add,
    case_transition,
    cases_escalate_due,
    cases_notify_arrivals,
)
from sukma.surveys.models import DailyServiceTotals, Response
from tests.complaints.conftest import ALL_FOUR, complain, submit, wib

FRI = wib(2026, 8, 14, 10, 0)  # Friday before the Independence Day long weekend


def test_a_suggestion_opens_one_case_for_the_services_agency(dukcapil):
    agency, _ktp, _kk, point = dukcapil
    response = complain(point, "Antrean terlalu panjang.", now=FRI)
    case = Case.objects.get(response=response)
    assert case.agency == agency
    assert case.tracking_code == response.tracking_code and len(case.tracking_code) == 10
    assert case.status == Status.RECEIVED
    assert case.received_at == FRI
    assert str(case.forward_due_on) == "2026-08-20"
    assert case.answer_due_on is None


def test_the_case_is_stored_by_the_responses_own_statement_or_not_at_all(dukcapil, monkeypatch):
    """One statement stores both: a case that cannot be stored takes its response with it."""
    point = dukcapil[3]
    first = complain(point, "Antrean terlalu panjang.", now=FRI)
    Case.objects.filter(response=first).update(tracking_code="ZZZZZZZZZZ")  # only the case's
    monkeypatch.setattr(submission, "new_tracking_code", lambda: "ZZZZZZZZZZ")
    with (
        pytest.raises(IntegrityError),
        transaction.atomic(),
        CaptureQueriesContext(connection) as queries,
    ):
        complain(point, "Kursi kurang.", now=FRI, token="another phone")
    assert not [q for q in queries.captured_queries if "INSERT" in q["sql"]]  # not Django's
    assert Response.objects.get() == first
    assert DailyServiceTotals.objects.get().responses == 1
    assert Case.objects.get().response == first


def test_a_response_without_a_suggestion_opens_no_case(dukcapil):
    submit(dukcapil[3], ALL_FOUR, now=FRI)
    assert Case.objects.count() == 0


def test_the_agencys_operators_are_told_when_a_case_arrives(
    personas, dukcapil, operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = complain(dukcapil[3], "Tolong\nSubject: injeksi", now=FRI)
    assert mail.outbox == []  # the citizen's request sends nothing: the worker does
    with django_capture_on_commit_callbacks(execute=True):
        assert len(cases_notify_arrivals(regency=personas.tulungagung)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert cases_notify_arrivals(regency=personas.tulungagung) == []  # once only
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [operator.email]
    assert response.tracking_code in sent.subject and "\n" not in sent.subject
    assert response.tracking_code in sent.body and "/pengaduan/" in sent.body
    # The citizen's text stays on the case's page: a mail may be forwarded or kept anywhere.
    assert "Tolong" not in sent.body and "injeksi" not in sent.body


def test_the_lifecycle_moves_forward_and_forwarding_starts_the_answer_clock(personas, dukcapil):
    case = Case.objects.get(response=complain(dukcapil[3], "Kursi kurang.", now=FRI))
    admin = personas.tulungagung_admin
    case = case_transition(case=case, acting_user=admin, to="diproses", now=wib(2026, 8, 18, 9))
    assert case.forwarded_at == wib(2026, 8, 18, 9)
    # Wed 19, Thu 20, Fri 21, Mon 24, (Tue 25: the Prophet's Birthday), Wed 26.
    assert str(case.answer_due_on) == "2026-08-26"
    case = case_answer(case=case, acting_user=admin, text="Kursi ditambah 10 buah.")
    case = case_transition(case=case, acting_user=admin, to="selesai", now=wib(2026, 8, 19, 9))
    assert (case.status, case.closed_at) == (Status.DONE, wib(2026, 8, 19, 9))


@pytest.mark.parametrize(
    ("path", "to"),
    [
        ([], "selesai"),  # done without being taken up
        (["diproses", "selesai"], "diproses"),  # reopened
        (["ditolak"], "diproses"),
        ([], "diterima"),
        ([], "nonsense"),
    ],
)
def test_illegal_moves_are_refused_and_change_nothing(personas, dukcapil, path, to):
    case = Case.objects.get(response=complain(dukcapil[3], "Parkir sempit.", now=FRI))
    admin = personas.tulungagung_admin
    case_answer(case=case, acting_user=admin, text="Jawaban.")
    for step in path:
        case = case_transition(case=case, acting_user=admin, to=step, reason="Bukan wewenang.")
    before = Case.objects.get(pk=case.pk).status
    with pytest.raises(ValidationError) as refused:
        case_transition(case=case, acting_user=admin, to=to)
    assert refused.value.message_dict["status"]
    assert Case.objects.get(pk=case.pk).status == before


def test_done_needs_a_public_answer_and_rejected_needs_a_reason(personas, dukcapil):
    case = Case.objects.get(response=complain(dukcapil[3], "Toilet kotor.", now=FRI))
    admin = personas.tulungagung_admin
    with pytest.raises(ValidationError):
        case_transition(case=case, acting_user=admin, to="ditolak", reason="  ")
    case = case_transition(case=case, acting_user=admin, to="diproses")
    with pytest.raises(ValidationError):
        case_transition(case=case, acting_user=admin, to="selesai")
    case = case_transition(case=case, acting_user=admin, to="ditolak", reason="Di luar wewenang.")
    assert case.rejection_reason == "Di luar wewenang."


def test_assigning_takes_the_case_up_and_only_people_of_the_agency_qualify(
    personas, dukcapil, dinkes, operator
):
    case = Case.objects.get(response=complain(dinkes[2], "Obat habis.", now=FRI))
    admin = personas.tulungagung_admin
    with pytest.raises(ValidationError):
        case_assign(case=case, acting_user=admin, assignee=operator)  # Dukcapil's operator
    with pytest.raises(ValidationError):
        case_assign(case=case, acting_user=admin, assignee=personas.kediri_admin)
    case = case_assign(case=case, acting_user=admin, assignee=admin, now=wib(2026, 8, 18, 8))
    assert (case.assignee_id, case.status) == (admin.pk, Status.IN_PROGRESS)
    assert case.forwarded_at == wib(2026, 8, 18, 8)


def test_notes_are_kept_with_author_and_time(personas, dukcapil):
    case = Case.objects.get(response=complain(dukcapil[3], "AC mati.", now=FRI))
    note = case_note_add(case=case, acting_user=personas.tulungagung_admin, text="Cek ke umum.")
    assert Note.objects.get(case=case) == note
    assert note.author_id == personas.tulungagung_admin.pk and note.created_at


def test_marking_spam_is_audited_and_takes_the_case_out_of_the_inbox(personas, dukcapil):
    case = Case.objects.get(response=complain(dukcapil[3], "beli pulsa murah di sini", now=FRI))
    assert list(selectors.inbox(agency_ids=None)) == [case]
    case = case_mark_spam(case=case, acting_user=personas.tulungagung_admin, reason="Iklan.")
    assert case.spam and case.status == Status.REJECTED and case.rejection_reason == "Iklan."
    assert list(selectors.inbox(agency_ids=None)) == []
    event = AuditEvent.objects.get(action="complaint.marked_spam", target_id=str(case.pk))
    assert event.actor == personas.tulungagung_admin
    assert event.regency == personas.tulungagung
    assert event.before["spam"] is False and event.after["spam"] is True
    with pytest.raises(ValidationError):
        case_transition(case=case, acting_user=personas.tulungagung_admin, to="diproses")


def test_a_case_past_its_forward_clock_is_escalated_once_and_the_admins_are_told(
    personas, dukcapil, django_capture_on_commit_callbacks
):
    late = Case.objects.get(response=complain(dukcapil[3], "Belum ditanggapi.", now=FRI))
    complain(dukcapil[3], "Baru masuk.", now=wib(2026, 8, 20, 9), token="b")
    # Due Thursday 20 August: on time all that day, overdue on Friday 21.
    with django_capture_on_commit_callbacks(execute=True):
        assert cases_escalate_due(now=wib(2026, 8, 20, 23, 0)) == []
    assert mail.outbox == []
    on_time = selectors.inbox(agency_ids=None, overdue=True, now=wib(2026, 8, 20, 23))
    assert list(on_time) == []

    friday = wib(2026, 8, 21, 8, 0)
    with django_capture_on_commit_callbacks(execute=True):
        assert cases_escalate_due(now=friday) == [late.pk]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [personas.tulungagung_admin.email]
    assert late.tracking_code in mail.outbox[0].body
    assert "\n" not in mail.outbox[0].subject
    late.refresh_from_db()
    assert late.forward_escalated_at == friday and late.escalated
    overdue = list(selectors.inbox(agency_ids=None, overdue=True, now=friday))
    assert [c.pk for c in overdue] == [late.pk] and overdue[0].is_overdue

    # Again (the next hour, or a second worker): nothing new, no second mail.
    with django_capture_on_commit_callbacks(execute=True):
        assert cases_escalate_due(now=wib(2026, 8, 21, 9, 0)) == []
    assert len(mail.outbox) == 1


def test_the_answer_clock_escalates_separately_and_closing_stops_the_clocks(personas, dukcapil):
    admin = personas.tulungagung_admin
    case = Case.objects.get(response=complain(dukcapil[3], "Lambat.", now=FRI))
    case = case_transition(case=case, acting_user=admin, to="diproses", now=wib(2026, 8, 18, 9))
    assert cases_escalate_due(now=wib(2026, 8, 26, 12)) == []  # due Wed 26 (25th a holiday)
    assert cases_escalate_due(now=wib(2026, 8, 27, 0, 5)) == [case.pk]
    case.refresh_from_db()
    assert case.answer_escalated_at and case.forward_escalated_at is None

    other = Case.objects.get(response=complain(dukcapil[3], "Lain.", now=FRI, token="x"))
    case_answer(case=other, acting_user=admin, text="Sudah.")
    other = case_transition(case=other, acting_user=admin, to="ditolak", reason="Duplikat.")
    assert cases_escalate_due(now=wib(2026, 12, 1)) == []
