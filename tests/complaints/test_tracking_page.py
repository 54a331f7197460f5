"""The citizen's tracking page: one case by its code, nothing else; wrong = missing."""

import re

from django.core.cache import cache
from django.db import connection

from sukma.surveys.citizen.protection import rate_key
from sukma.surveys.complaints.models import Case
from sukma.surveys.complaints.services import (
    case_answer,
    case_assign,
    case_note_add,
    case_transition,
)
from sukma.surveys.complaints.views import LOOKUP_LIMIT, LOOKUPS
from tests.complaints.conftest import complain, wib
from tests.conftest import KEDIRI_HOST, TULUNGAGUNG_HOST, host_client

FRI = wib(2026, 8, 14, 10, 0)


def test_the_tracking_page_shows_exactly_one_case_and_nothing_else(personas, dukcapil, dinkes):
    admin = personas.tulungagung_admin
    mine = Case.objects.get(response=complain(dukcapil[3], "Ruang tunggu panas.", now=FRI))
    other = Case.objects.get(response=complain(dinkes[2], "Dokter sering terlambat.", now=FRI))
    case_assign(case=mine, acting_user=admin, assignee=admin)
    case_note_add(case=mine, acting_user=admin, text="CATATAN-INTERNAL-RAHASIA")
    case_answer(case=mine, acting_user=admin, text="Kipas angin sudah dipasang.")
    case_transition(case=mine, acting_user=admin, to="selesai")
    connection.set_schema_to_public()

    page = host_client(TULUNGAGUNG_HOST).get(f"/lacak/{mine.tracking_code}")
    assert page.status_code == 200
    body = page.content.decode()
    assert mine.tracking_code in body
    assert "Ruang tunggu panas." in body
    assert "Kipas angin sudah dipasang." in body
    assert 'id="case-status"' in body and page.context["shown"]["status"] == "selesai"
    # Never: the notes, the assignee, another case, the citizen's other answers.
    assert "CATATAN-INTERNAL-RAHASIA" not in body
    assert admin.email not in body and (admin.full_name or "@@") not in body
    assert other.tracking_code not in body and "Dokter sering terlambat." not in body
    assert "Perekaman KTP-el" in body  # the service is the citizen's own context
    assert set(page.context["shown"]) == {
        "tracking_code", "status", "status_label", "agency", "service", "suggestion",
        "received_at", "forwarded_at", "closed_at", "forward_due_on", "answer_due_on",
        "public_answer", "answered_at", "rejection_reason", "steps", "answer_latest_on",
        "overdue",
    }  # fmt: skip
    assert "case" not in page.context
    assert page["Cache-Control"] == "private, no-store"
    assert page["Referrer-Policy"] == "no-referrer"


def test_a_lowercase_code_finds_the_case(dukcapil):
    case = Case.objects.get(response=complain(dukcapil[3], "Lantai licin.", now=FRI))
    connection.set_schema_to_public()
    assert (
        host_client(TULUNGAGUNG_HOST).get(f"/lacak/{case.tracking_code.lower()}").status_code == 200
    )


NONCE = re.compile(rb' nonce="[^"]*"')


def test_a_wrong_code_and_a_missing_one_get_the_same_answer(personas, dukcapil):
    case = Case.objects.get(response=complain(dukcapil[3], "Wifi lambat.", now=FRI))
    code = case.tracking_code
    deleted = Case.objects.get(response=complain(dukcapil[3], "Hapus.", now=FRI, token="z"))
    deleted_code = deleted.tracking_code
    deleted.delete()
    connection.set_schema_to_public()
    client = host_client(TULUNGAGUNG_HOST)
    answers = [
        client.get(f"/lacak/{code[:-1]}{'2' if code[-1] != '2' else '3'}"),  # one typo
        client.get(f"/lacak/{deleted_code}"),  # was a case, no longer
        client.get("/lacak/ZZZZZZZZZZ"),
        client.get("/lacak/%3Cscript%3E"),  # malformed
        client.get("/lacak/" + "A" * 40),
    ]
    assert {a.status_code for a in answers} == {404}
    # The same page to the byte, but for the Content-Security-Policy nonce of each response.
    assert len({NONCE.sub(b"", a.content) for a in answers}) == 1
    assert code[:-1].encode() not in answers[0].content
    # Kediri's host does not know Tulungagung's case: the same answer there too.
    connection.set_schema_to_public()
    elsewhere = host_client(KEDIRI_HOST).get(f"/lacak/{code}")
    assert elsewhere.status_code == 404


def test_wrong_codes_are_limited_per_address_own_codes_never(dukcapil, settings):
    case = Case.objects.get(response=complain(dukcapil[3], "Antrean terlalu panjang.", now=FRI))
    with_code = case.response
    connection.set_schema_to_public()
    shared = host_client(TULUNGAGUNG_HOST, REMOTE_ADDR="10.1.2.3")
    for _ in range(3 * LOOKUP_LIMIT):  # many citizens behind one address, each their own code
        assert shared.get(f"/lacak/{with_code.tracking_code}").status_code == 200
    for _ in range(LOOKUP_LIMIT):
        assert shared.get("/lacak/ZZZZZZZZZZ").status_code == 404
    assert shared.get("/lacak/ZZZZZZZZZZ").status_code == 429
    other = host_client(TULUNGAGUNG_HOST, REMOTE_ADDR="10.9.9.9")
    assert other.get("/lacak/ZZZZZZZZZZ").status_code == 404
    cache.delete(rate_key(LOOKUPS, "10.1.2.3"))
    cache.delete(rate_key(LOOKUPS, "10.9.9.9"))


def test_the_lookup_form_sends_the_citizen_to_the_code(dukcapil):
    connection.set_schema_to_public()
    client = host_client(TULUNGAGUNG_HOST)
    assert client.get("/lacak/").status_code == 200
    response = client.get("/lacak/", {"kode": " ab23cd45ef "})
    assert response.status_code == 302 and response["Location"] == "/lacak/AB23CD45EF"


def test_the_page_is_indonesian_first_and_english_on_request(dukcapil):
    case = Case.objects.get(response=complain(dukcapil[3], "Bahasa.", now=FRI))
    connection.set_schema_to_public()
    indonesian = host_client(TULUNGAGUNG_HOST).get(f"/lacak/{case.tracking_code}")
    assert '<html lang="id">' in indonesian.content.decode()
    english = host_client(TULUNGAGUNG_HOST, HTTP_ACCEPT_LANGUAGE="en").get(
        f"/lacak/{case.tracking_code}?lang=en"
    )
    assert "No answer yet" in english.content.decode()


def test_the_page_still_answers_when_the_cache_is_down(dukcapil, settings):
    case = Case.objects.get(response=complain(dukcapil[3], "Redis mati.", now=FRI))
    connection.set_schema_to_public()
    settings.CACHES = {  # nothing listens on port 1
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    assert host_client(TULUNGAGUNG_HOST).get(f"/lacak/{case.tracking_code}").status_code == 200


def _days(*days) -> list[str]:
    from django.utils import formats, translation

    with translation.override("id"):
        return [formats.date_format(day, "j F Y") for day in days]


def test_the_tracking_page_names_the_days_plainly_not_a_rule_about_following_up(dukcapil):
    """Issue 19: "menjawab paling lambat 5 hari kerja setelah saran Anda ditindaklanjuti"
    read as if the answer came after the matter was settled. The page now names the days."""
    from django.utils import timezone

    from sukma.surveys.complaints import clocks

    case = Case.objects.get(response=complain(dukcapil[3], "Baru saja.", now=timezone.now()))
    connection.set_schema_to_public()
    body = host_client(TULUNGAGUNG_HOST).get(f"/lacak/{case.tracking_code}").content.decode()
    start, answer = _days(case.forward_due_on, clocks.add_working_days(case.forward_due_on, 5))
    assert "ditindaklanjuti" not in body.lower()
    assert (
        f"Belum ada jawaban. Perangkat daerah mulai menangani saran Anda paling lambat {start} "
        f"dan menjawabnya paling lambat {answer}."
    ) in body


def test_once_taken_up_the_page_names_the_answers_own_day(personas, dukcapil):
    from django.utils import timezone

    case = Case.objects.get(response=complain(dukcapil[3], "Diproses.", now=timezone.now()))
    case = case_transition(case=case, acting_user=personas.tulungagung_admin, to="diproses")
    connection.set_schema_to_public()
    body = host_client(TULUNGAGUNG_HOST).get(f"/lacak/{case.tracking_code}").content.decode()
    (answer,) = _days(case.answer_due_on)
    assert (
        "Belum ada jawaban. Perangkat daerah sedang menangani saran Anda dan menjawabnya "
        f"paling lambat {answer}."
    ) in body


def test_a_late_case_says_it_is_late_and_a_rejected_one_promises_no_answer(personas, dukcapil):
    late = Case.objects.get(response=complain(dukcapil[3], "Lama.", now=FRI))
    rejected = Case.objects.get(response=complain(dukcapil[3], "Tolak.", now=FRI, token="t"))
    case_transition(
        case=rejected, acting_user=personas.tulungagung_admin, to="ditolak", reason="Bukan layanan."
    )
    connection.set_schema_to_public()
    client = host_client(TULUNGAGUNG_HOST)
    (start,) = _days(late.forward_due_on)
    body = client.get(f"/lacak/{late.tracking_code}").content.decode()
    assert f"seharusnya mulai menangani saran Anda paling lambat {start}" in body
    body = client.get(f"/lacak/{rejected.tracking_code}").content.decode()
    assert "Belum ada jawaban" not in body and "Bukan layanan." in body
