"""The operators' inbox and case page: who sees what, the filters, the actions, escaping."""

import pytest
from django.core import mail
from django.db import connection

from sukma.surveys.complaints.models import Case, Note, Status
from sukma.surveys.complaints.services import (
    case_transition,
    cases_escalate_due,
    cases_notify_arrivals,
)
from tests.complaints.conftest import complain, wib
from tests.conftest import KEDIRI_HOST, TULUNGAGUNG_HOST, host_client

FRI = wib(2026, 8, 14, 10, 0)
XSS = "<script>alert(1)</script>"


@pytest.fixture
def two_cases(dukcapil, dinkes):
    ktp = Case.objects.get(response=complain(dukcapil[3], "Antrean KTP panjang.", now=FRI))
    sehat = Case.objects.get(response=complain(dinkes[2], "Loket kesehatan tutup.", now=FRI))
    connection.set_schema_to_public()
    return ktp, sehat


def codes(response) -> set[str]:
    return {c.tracking_code for c in response.context["cases"]}


def test_kediri_admin_cannot_see_tulungagungs_inbox(personas, two_cases):
    client = host_client(TULUNGAGUNG_HOST, personas.kediri_admin)
    inbox = client.get("/pengaduan/")
    assert inbox.status_code == 403
    assert two_cases[0].tracking_code not in inbox.content.decode()
    page = client.get(f"/pengaduan/{two_cases[0].pk}/")
    assert page.status_code == 403
    assert "Antrean KTP panjang." not in page.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(two_cases):
    response = host_client(TULUNGAGUNG_HOST).get("/pengaduan/")
    assert response.status_code == 302 and "/masuk/" in response["Location"]


def test_kediri_admin_sees_an_empty_inbox_on_kediris_own_host(personas, two_cases):
    response = host_client(KEDIRI_HOST, personas.kediri_admin).get("/pengaduan/")
    assert response.status_code == 200 and codes(response) == set()


def test_the_regency_admin_sees_every_agency_and_filters(personas, two_cases, dukcapil):
    ktp, sehat = two_cases
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    assert codes(client.get("/pengaduan/")) == {ktp.tracking_code, sehat.tracking_code}
    agency = dukcapil[0]
    assert codes(client.get("/pengaduan/", {"opd": agency.pk})) == {ktp.tracking_code}
    connection.set_tenant(personas.tulungagung)
    case_transition(case=ktp, acting_user=personas.tulungagung_admin, to="diproses")
    connection.set_schema_to_public()
    assert codes(client.get("/pengaduan/", {"status": "diproses"})) == {ktp.tracking_code}
    assert codes(client.get("/pengaduan/", {"status": "diterima"})) == {sehat.tracking_code}
    # Both arrived in August; the one taken up today runs on its answer clock, not late.
    overdue = client.get("/pengaduan/", {"terlambat": "1"})
    assert codes(overdue) == {sehat.tracking_code}
    assert 'data-overdue="1"' in overdue.content.decode()


def test_overdue_filter_leaves_cases_within_their_clock_out(personas, dukcapil):
    from django.utils import timezone

    fresh = Case.objects.get(response=complain(dukcapil[3], "Baru.", now=timezone.now()))
    late = Case.objects.get(response=complain(dukcapil[3], "Lama.", now=FRI, token="l"))
    connection.set_schema_to_public()
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    assert codes(client.get("/pengaduan/", {"terlambat": "1"})) == {late.tracking_code}
    assert fresh.tracking_code in codes(client.get("/pengaduan/"))


def test_an_agency_operator_sees_only_their_agency(personas, two_cases, operator):
    ktp, sehat = two_cases
    client = host_client(TULUNGAGUNG_HOST, operator)
    assert codes(client.get("/pengaduan/")) == {ktp.tracking_code}
    assert client.get(f"/pengaduan/{ktp.pk}/").status_code == 200
    assert client.get(f"/pengaduan/{sehat.pk}/").status_code == 404


def test_the_operator_works_a_case_from_its_page(personas, two_cases, operator):
    ktp, _sehat = two_cases
    client = host_client(TULUNGAGUNG_HOST, operator)
    url = f"/pengaduan/{ktp.pk}/"
    assert client.post(url, {"action": "note", "note": "Cek loket 2."}).status_code == 302
    client.post(url, {"action": "assign", "assignee": str(operator.pk)})
    client.post(url, {"action": "answer", "answer": "Loket ditambah."})
    client.post(url, {"action": "status", "to": "selesai"})
    connection.set_tenant(personas.tulungagung)
    ktp.refresh_from_db()
    assert (ktp.status, ktp.assignee_id, ktp.public_answer) == (
        Status.DONE, operator.pk, "Loket ditambah."
    )  # fmt: skip
    assert Note.objects.get(case=ktp).author_id == operator.pk
    connection.set_schema_to_public()
    # An illegal move is refused with a message and changes nothing.
    refused = client.post(url, {"action": "status", "to": "diproses"}, follow=True)
    assert [str(m) for m in refused.context["messages"]]
    connection.set_tenant(personas.tulungagung)
    ktp.refresh_from_db()
    assert ktp.status == Status.DONE


def test_marking_spam_from_the_case_page_returns_to_the_inbox_without_it(personas, two_cases):
    ktp, sehat = two_cases
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    response = client.post(f"/pengaduan/{ktp.pk}/", {"action": "spam", "reason": "Iklan."})
    assert response.status_code == 302 and response["Location"] == "/pengaduan/"
    assert codes(client.get("/pengaduan/")) == {sehat.tracking_code}


def test_citizen_text_is_escaped_on_every_page_and_in_every_mail(
    personas, dukcapil, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = Case.objects.get(response=complain(dukcapil[3], XSS, now=FRI))
    with django_capture_on_commit_callbacks(execute=True):
        cases_notify_arrivals(regency=personas.tulungagung)
    with django_capture_on_commit_callbacks(execute=True):
        cases_escalate_due(now=wib(2026, 9, 1))
    connection.set_schema_to_public()
    admin = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    pages = {
        "inbox": admin.get("/pengaduan/"),
        "case": admin.get(f"/pengaduan/{case.pk}/"),
        "tracking": host_client(TULUNGAGUNG_HOST).get(f"/lacak/{case.tracking_code}"),
    }
    for name, page in pages.items():
        body = page.content.decode()
        assert page.status_code == 200, name
        assert XSS not in body, name
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, name
    assert len(mail.outbox) == 2  # arrival (to the admins: Dukcapil has no operator) + escalation
    for sent in mail.outbox:
        assert XSS not in sent.body and "alert(1)" not in sent.body  # the text is not mailed
        assert case.tracking_code in sent.body
        assert "\n" not in sent.subject and "<script>" not in sent.subject
