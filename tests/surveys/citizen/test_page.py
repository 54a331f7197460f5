"""The citizen's page a service point's QR code opens: /s/<code>/ on the regency's host."""

import html as htmllib
import itertools
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sukma.surveys.citizen import protection
from sukma.surveys.citizen.protection import (
    DEVICE_COOKIE,
    RATE_WINDOW,
    SUBMISSIONS,
    rate_key,
    started_stamp,
)
from sukma.surveys.citizen.submission import keyed_hash, respondent_hash, response_submit
from sukma.surveys.method.elements import ELEMENTS
from sukma.surveys.models import (
    Agency,
    Question,
    QuestionKind,
    Questionnaire,
    Response,
    Service,
    ServicePoint,
)
from sukma.surveys.recording.hash_keys import DEVICE
from tests.conftest import KEDIRI_HOST, TULUNGAGUNG_HOST

POINT_CODE = "TA7K2M9Q"
URL = f"/s/{POINT_CODE}/"
THANKS = f"/s/{POINT_CODE}/terima-kasih/"
_addresses = itertools.count(1)


@pytest.fixture
def address(in_tulungagung):
    """An address of its own per test, its rate-limit counter cleared before and after."""
    value = f"198.51.100.{next(_addresses) % 250 + 1}"
    cache.delete(rate_key(SUBMISSIONS, f"{value}|{POINT_CODE}"))
    yield value
    connection.set_tenant(in_tulungagung)
    cache.delete(rate_key(SUBMISSIONS, f"{value}|{POINT_CODE}"))


@pytest.fixture
def citizen(dukcapil, address) -> Client:
    return Client(HTTP_HOST=TULUNGAGUNG_HOST, REMOTE_ADDR=address)


def text(response) -> str:
    return htmllib.unescape(response.content.decode())


def version() -> int:
    return Questionnaire.objects.get(is_current=True).version


def form_data(**overrides) -> dict:
    data = {f"U{i}": "4" for i in range(1, 10)}
    data.update(U3="3", U7="2", version=str(version()), sex="P", age_band="26-35")
    data.update(started=started_stamp())
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post(client: Client, data, **extra):
    return client.post(URL, data, **extra)


# ------------------------------------------------------------------ the page
def test_the_page_asks_the_nine_elements_in_indonesian_by_default(citizen):
    page = citizen.get(URL)
    html = text(page)
    assert page.status_code == 200
    assert '<html lang="id">' in html
    for element in ELEMENTS:
        assert element.question_id in html
        for label in element.answers_id:
            assert f"<span>{label}</span>" in html
        assert html.count(f'name="{element.code}"') == (5 if element.code == "U4" else 4)
    assert "Tidak berlaku" in html and "Not applicable" not in html
    assert 'value="na"' in html  # "tidak berlaku" only for U4 Biaya
    assert html.count('value="na"') == 1


def test_the_service_is_preset_from_the_service_point_and_changeable(citizen, dukcapil):
    _agency, ktp, kk, _point = dukcapil
    html = text(citizen.get(URL))
    assert f'<option value="{ktp.pk}" selected>' in html
    assert f'<option value="{kk.pk}">' in html


def test_the_page_asks_no_name_nik_or_phone(citizen):
    html = text(citizen.get(URL)).lower()
    fields = set(re.findall(r'name="([^"]+)"', html))
    assert not {"name", "nama", "nik", "phone", "telepon", "hp", "email"} & fields


def test_english_is_one_tap_away(citizen):
    html = text(citizen.get(URL))
    assert 'href="?lang=en"' in html
    english = text(citizen.get(URL + "?lang=en"))
    assert '<html lang="en">' in english
    for element in ELEMENTS:
        assert element.question_en in english and element.question_id not in english
    assert "Not applicable" in english
    # The choice is remembered for the next page.
    assert '<html lang="en">' in text(citizen.get(URL))
    assert '<html lang="id">' in text(citizen.get(URL + "?lang=id"))


def test_english_follows_the_phones_language_too(dukcapil, address):
    client = Client(HTTP_HOST=TULUNGAGUNG_HOST, HTTP_ACCEPT_LANGUAGE="en")
    assert ELEMENTS[0].question_en in text(client.get(URL))


def test_the_device_cookie_is_random_httponly_and_lax(citizen):
    cookie = citizen.get(URL).cookies[DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] > 365 * 24 * 3600
    assert len(cookie.value.split(":")[0]) >= 32  # 24 random bytes, then their signature
    assert DEVICE_COOKIE not in citizen.get(URL).cookies  # kept, not renewed on every page
    other = Client(HTTP_HOST=TULUNGAGUNG_HOST).get(URL).cookies[DEVICE_COOKIE]
    assert other.value != cookie.value  # random per device


def test_local_questions_come_after_the_nine_in_order(citizen, in_tulungagung):
    questionnaire = Questionnaire.objects.get(is_current=True)
    Question.objects.create(
        questionnaire=questionnaire,
        position=20,
        kind=QuestionKind.TEXT,
        text_id="Dari mana Anda tahu layanan ini?",
        text_en="How did you hear of this service?",
    )
    Question.objects.create(
        questionnaire=questionnaire,
        position=11,
        kind=QuestionKind.CHOICE,
        text_id="Apakah antrean tertib?",
        text_en="Was the queue orderly?",
        choices=[["Ya", "Tidak"], ["Yes", "No"]],
    )
    html = text(citizen.get(URL))
    u9 = html.index(ELEMENTS[-1].question_id)
    queue = html.index("Apakah antrean tertib?")
    heard = html.index("Dari mana Anda tahu layanan ini?")
    assert u9 < queue < heard < html.index('name="suggestion"')

    choice = Question.objects.get(text_id="Apakah antrean tertib?")
    response = post(citizen, form_data(**{f"extra_{choice.pk}": "Ya"}))
    assert response.status_code == 302
    assert Response.objects.get().extra_answers == {str(choice.pk): "Ya"}


# ------------------------------------------------------------------ sending
def test_a_response_is_stored_and_the_citizen_thanked(citizen, dukcapil, address):
    _agency, _ktp, kk, point = dukcapil
    page = citizen.get(URL)
    started = re.search(r'name="started" value="([^"]+)"', text(page)).group(1)
    response = post(
        citizen, form_data(service=str(kk.pk), U4="na", started=started, service_session="pagi")
    )

    assert response.status_code == 302 and response["Location"] == THANKS
    stored = Response.objects.get()
    assert stored.service == kk and stored.service_point == point
    assert stored.answers() == {
        **{f"U{i}": 4 for i in range(1, 10)},
        "U3": 3,
        "U4": None,
        "U7": 2,
    }
    assert (stored.sex, stored.age_band, stored.service_session) == ("P", "26-35", "pagi")
    assert stored.tracking_code is None
    assert stored.seconds_to_complete is not None and stored.seconds_to_complete < 60
    assert stored.address_hash and address not in str(Response.objects.values().get())
    assert stored.device_hash
    thanks = citizen.get(THANKS)
    assert thanks.status_code == 200 and 'id="thanks"' in text(thanks)
    assert 'id="tracking-code"' not in text(thanks)


def test_a_submission_after_another_sends_no_set_search_path(citizen, dukcapil):
    """The storing statement names its schema: the connection stays on the public path."""
    first, second = form_data(), form_data(service=str(dukcapil[2].pk))  # they read the version
    assert post(citizen, first).status_code == 302
    with CaptureQueriesContext(connection) as queries:
        assert post(citizen, second).status_code == 302
    assert not [q for q in queries.captured_queries if q["sql"].startswith("SET")]
    assert Response.objects.count() == 2


def test_the_service_defaults_to_the_points_preset(citizen, dukcapil):
    post(citizen, form_data())
    assert Response.objects.get().service == dukcapil[1]


def test_a_suggestion_gets_a_tracking_code_shown_on_the_thank_you_page(citizen, dukcapil):
    response = post(citizen, form_data(suggestion="Antrean terlalu panjang di pagi hari."))
    assert response.status_code == 302
    code = Response.objects.get().tracking_code
    assert code
    assert code not in response["Location"]  # not in the URL, nor guessable from it
    html = text(citizen.get(THANKS))
    assert f'<p class="code" id="tracking-code">{code}</p>' in html
    assert f"http://{TULUNGAGUNG_HOST}/lacak/{code}" in html
    # Another browser going to the same thank-you page sees no code.
    other = text(Client(HTTP_HOST=TULUNGAGUNG_HOST).get(THANKS))
    assert code not in other
    # The same phone's next response, without a suggestion, is not shown the earlier code.
    assert post(citizen, form_data(service=str(dukcapil[2].pk))).status_code == 302
    assert code not in text(citizen.get(THANKS))


def test_a_response_without_suggestion_always_clears_an_earlier_tracking_code(citizen):
    # The code's cookie lives on the thank-you path, so a phone never sends it with its
    # POST to the form: the clearing cannot wait to see it. (Django's test client sends
    # every cookie whatever its path, so the test before this one cannot tell.)
    from sukma.surveys.citizen.views import THANKS_COOKIE

    response = post(citizen, form_data())
    cleared = response.cookies[THANKS_COOKIE]
    assert cleared.value == "" and cleared["max-age"] == 0 and cleared["path"] == THANKS


def test_a_filled_honeypot_is_thanked_and_nothing_is_stored(citizen):
    response = post(citizen, form_data(catatan_petugas="http://spam.example"))
    assert response.status_code == 302 and response["Location"] == THANKS
    assert Response.objects.count() == 0


def test_the_same_device_cannot_rate_the_same_service_twice_a_day(citizen, dukcapil):
    assert post(citizen, form_data()).status_code == 302
    again = post(citizen, form_data(suggestion="Sekali lagi"), HTTP_ACCEPT_LANGUAGE="en")
    html = text(again)
    assert again.status_code == 400
    assert "You have already rated this service today" in html
    assert "Sekali lagi</textarea>" in html  # the answers are kept
    assert Response.objects.count() == 1
    # Another service the same day is fine.
    kk = dukcapil[2]
    assert post(citizen, form_data(service=str(kk.pk))).status_code == 302
    assert Response.objects.count() == 2


def test_a_refused_post_is_tried_once_and_shown_by_the_form(citizen, monkeypatch):
    from sukma.surveys.citizen import views as views_citizen

    calls = []

    def counted(submission, **kwargs):
        calls.append(submission)
        return response_submit(submission, **kwargs)

    monkeypatch.setattr(views_citizen, "response_submit", counted)
    assert post(citizen, form_data()).status_code == 302
    calls.clear()
    again = post(citizen, form_data(), HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 400 and "already rated this service today" in text(again)
    assert len(calls) == 1  # the quick path's refusal is shown, not met a second time


def test_a_new_device_gets_a_cookie_when_it_posts_without_one(citizen):
    response = post(citizen, form_data())
    assert DEVICE_COOKIE in response.cookies


def test_a_device_is_known_by_its_signed_cookie(citizen, dukcapil):
    first = post(citizen, form_data())
    cookie = first.cookies[DEVICE_COOKIE].value
    token, signature = cookie.split(":")
    assert signature == keyed_hash("device-cookie", token)
    stored = Response.objects.get()
    assert stored.device_hash == respondent_hash(DEVICE, token, stored.service_date)
    again = post(citizen, form_data())
    assert again.status_code == 400  # the same device, the same day
    assert DEVICE_COOKIE not in again.cookies and Response.objects.count() == 1


@pytest.mark.parametrize(
    "cookie",
    [
        "short",
        "x" * 65,
        "spaces are not in a token",
        "<script>",
        "Zx3" * 11,  # a token without its signature
        "Zx3" * 11 + ":" + "0" * 64,  # a forged signature
        "Zx3" * 11 + ":é",  # not even ASCII
    ],
)
def test_a_malformed_or_forged_device_cookie_is_replaced_by_a_new_token(citizen, dukcapil, cookie):
    citizen.cookies[DEVICE_COOKIE] = cookie
    response = post(citizen, form_data())
    assert response.status_code == 302
    issued, _sep, _signature = response.cookies[DEVICE_COOKIE].value.partition(":")
    assert issued != cookie.partition(":")[0] and len(issued) >= 32
    stored = Response.objects.get()
    assert stored.device_hash == respondent_hash(DEVICE, issued, stored.service_date)


def test_posts_beyond_the_rate_limit_get_429(citizen, dukcapil, address, monkeypatch):
    monkeypatch.setattr(protection, "RATE_LIMIT", 20)
    counter = f"{address}|{POINT_CODE}"
    for _ in range(20):
        assert post(citizen, {"U1": "9"}).status_code == 400
    limited = post(citizen, form_data(), HTTP_ACCEPT_LANGUAGE="en")
    assert limited.status_code == 429
    assert 'id="too-many"' in text(limited)
    assert "wait ten minutes" in text(limited)
    assert Response.objects.count() == 0
    # The counter is keyed by a hash, never the address itself.
    assert address not in rate_key(SUBMISSIONS, counter)
    assert keyed_hash("citizen-rate", counter) in rate_key(SUBMISSIONS, counter)
    assert cache.get(rate_key(SUBMISSIONS, counter)) == 21
    # The window started with the first count and ends on its own.
    key = cache.make_and_validate_key(rate_key(SUBMISSIONS, counter))
    assert 0 < cache._cache.get_client(key).ttl(key) <= RATE_WINDOW
    # Another address is not limited.
    other = Client(HTTP_HOST=TULUNGAGUNG_HOST, REMOTE_ADDR="192.0.2.77")
    cache.delete(rate_key(SUBMISSIONS, f"192.0.2.77|{POINT_CODE}"))
    assert post(other, form_data()).status_code == 302
    cache.delete(rate_key(SUBMISSIONS, f"192.0.2.77|{POINT_CODE}"))


def test_x_forwarded_for_is_believed_only_from_a_named_proxy(citizen, address, settings):
    forged = "192.0.2.200"
    counter = f"{forged}|{POINT_CODE}"
    cache.delete(rate_key(SUBMISSIONS, counter))
    post(citizen, {"U1": "1"}, HTTP_X_FORWARDED_FOR=forged)
    assert cache.get(rate_key(SUBMISSIONS, counter)) is None
    assert cache.get(rate_key(SUBMISSIONS, f"{address}|{POINT_CODE}")) == 1
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]  # a proxy of ours, but the peer is not it
    post(citizen, {"U1": "1"}, HTTP_X_FORWARDED_FOR=forged)
    assert cache.get(rate_key(SUBMISSIONS, counter)) is None
    settings.TRUSTED_PROXIES = [address]  # the peer is our proxy: the hop it appended counts
    post(citizen, {"U1": "1"}, HTTP_X_FORWARDED_FOR=f"10.9.9.9, {forged}")
    assert cache.get(rate_key(SUBMISSIONS, counter)) == 1
    cache.delete(rate_key(SUBMISSIONS, counter))


# ------------------------------------------------------------------ refusals
def test_an_element_answered_twice_is_refused_with_the_answers_kept(citizen):
    data = form_data()
    data["U1"] = ["4", "1"]  # a QueryDict list: U1 posted twice
    response = post(citizen, data, HTTP_ACCEPT_LANGUAGE="en")
    html = text(response)
    assert response.status_code == 400
    assert "Element U1 was answered twice." in html
    assert re.search(r'name="U2" value="4" checked', html)
    assert Response.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({f"U{i}": None for i in range(1, 10)}, "Answer at least one of the nine questions."),
        ({"U5": "7"}, "The answer to U5 must be 1 to 4."),
        ({"service_date": "2001-01-01"}, "The date of service is more than 30 days ago."),
        ({"service_date": "2999-01-01"}, "The date of service cannot be in the future."),
        ({"version": "987654"}, "This form is out of date. Please open it again."),
        ({"suggestion": "x" * 2001}, "Keep the suggestion under 2,000 characters."),
    ],
)
def test_impossible_submissions_are_refused_with_a_message(citizen, overrides, message):
    response = post(citizen, form_data(**overrides), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert message in text(response)
    assert 'id="errors"' in text(response)
    assert Response.objects.count() == 0


def test_a_service_of_another_agency_is_refused_next_to_the_service(citizen, in_tulungagung):
    other = Agency.objects.create(name="Dinas Kesehatan", kind="dinas")
    foreign = Service.objects.create(agency=other, name="Vaksinasi")
    response = post(citizen, form_data(service=str(foreign.pk)), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert '<p class="err">' in text(response)
    assert Response.objects.count() == 0


def test_a_locked_period_refuses_with_its_name(citizen, in_tulungagung):
    import datetime

    from django.utils import timezone

    from sukma.surveys.models import Period

    today = timezone.localdate()
    Period.objects.create(
        kind="month",
        year=today.year,
        number=today.month,
        starts_on=today.replace(day=1),
        ends_on=today,
        locked=True,
        locked_at=timezone.now() - datetime.timedelta(hours=1),
    )
    response = post(citizen, form_data(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "is closed; its figures can no longer change." in text(response)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"version": "abc"},
        {"version": "99999999999999999999999"},
        {"version": "-1", "U1": "1"},
        {"U1": "\x00", "version": "1"},
        {"U1": "1.5", "U2": "four", "U4": "na", "version": "1"},
        {"U1": "1", "service": "x' OR 1=1"},
        {"U1": "1", "service": "99999999999999999999"},
        {"U1": "1", "service_date": "31-31-2026"},
        {"U1": "1", "service_date": "0001-01-01"},
        {"U1": "1", "sex": "X", "age_band": "200", "education": "<script>"},
        {"U1": "1", "started": "not-signed"},
        {"U1": "1", "started": "9" * 500},
        {"U1": "1", "extra_1": "x", "extra_abc": "y"},
        {"U1": "1", "suggestion": "ü" * 200_000},
        {"u1": "4", "U10": "4"},
    ],
)
def test_malformed_posts_never_fail_with_500(citizen, data):
    response = post(citizen, data)
    assert response.status_code in (302, 400)


def test_malformed_posts_with_valid_version_never_fail_with_500(citizen):
    for data in [
        form_data(started="1:abc:def"),
        form_data(U9=["1", "2", "3"]),
        form_data(service_session="malam"),
        form_data(catatan_petugas=""),
    ]:
        assert post(citizen, data).status_code in (302, 400)


def test_oversized_or_garbled_bodies_are_400_not_500(citizen):
    from urllib.parse import urlencode

    too_many = urlencode([(f"f{i}", "1") for i in range(1100)])
    response = citizen.post(URL, too_many, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    garbled = b"U1=%FF%FE&version=\xff\xfe&suggestion=" + b"\xc3\x28" * 50
    response = citizen.post(URL, garbled, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    response = citizen.post(URL, b"\x00\x01{not a form", content_type="application/json")
    assert response.status_code == 400
    assert Response.objects.count() == 0


def test_a_multipart_post_works_like_a_plain_one(citizen):
    # Client.post encodes multipart by default; a plain urlencoded post is checked too.
    from urllib.parse import urlencode

    response = citizen.post(
        URL, urlencode(form_data()), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 302


# ------------------------------------------------------------------ not found
def test_an_unknown_code_is_a_friendly_404(citizen):
    response = citizen.get("/s/NOPE1234/")
    assert response.status_code == 404
    assert "<form" not in text(response)
    assert citizen.get("/s/" + "A" * 300 + "/").status_code == 404
    assert citizen.post("/s/NOPE1234/", form_data()).status_code == 404
    assert citizen.get("/s/NOPE1234/terima-kasih/").status_code == 404


def test_an_inactive_service_point_is_404(citizen, dukcapil):
    ServicePoint.objects.filter(pk=dukcapil[3].pk).update(active=False)
    assert citizen.get(URL).status_code == 404


def test_the_code_is_read_case_insensitively(citizen):
    assert citizen.get("/s/ta7k2m9q/").status_code == 200


def test_a_kediri_service_point_is_404_on_tulungagungs_host(personas, db, address):
    connection.set_tenant(personas.kediri)
    agency = Agency.objects.create(name="Dinas Kependudukan Kota Kediri", kind="dinas")
    service = Service.objects.create(agency=agency, name="KTP-el")
    ServicePoint.objects.create(
        agency=agency, name="Loket A", code="KDR4X7PZ", default_service=service
    )
    connection.set_schema_to_public()
    assert Client(HTTP_HOST=KEDIRI_HOST).get("/s/KDR4X7PZ/").status_code == 200
    tulungagung = Client(HTTP_HOST=TULUNGAGUNG_HOST, REMOTE_ADDR=address)
    assert tulungagung.get("/s/KDR4X7PZ/").status_code == 404
    data = {"U1": "4", "version": "1", "service": str(service.pk)}
    assert tulungagung.post("/s/KDR4X7PZ/", data).status_code == 404


# ------------------------------------------------------------------ without JavaScript
def test_the_form_works_without_javascript(citizen):
    """Everything the page needs is in plain HTML: a form posting to itself, radio buttons."""
    html = text(citizen.get(URL))
    form = re.search(r'<form method="post" action="([^"]+)" id="survey"', html)
    assert form and form.group(1) == URL
    assert '<button type="submit" class="send">' in html
    assert html.count('type="radio"') >= 36
    # What a browser without JavaScript sends: every hidden input as rendered, plus the taps.
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    service = re.search(r'<option value="(\d+)" selected>', html).group(1)
    day = re.search(r'name="service_date" id="service_date" value="([^"]+)"', html).group(1)
    data = {**hidden, "U1": "3", "U2": "4", "service": service, "service_date": day}
    data["catatan_petugas"] = ""
    response = post(citizen, data)
    assert response.status_code == 302
    assert Response.objects.get().answers()["U1"] == 3


def test_a_suspended_regencys_survey_is_503(citizen, personas):
    from sukma.tenants.models import Regency, RegencyStatus

    data = form_data()
    Regency.objects.filter(pk=personas.tulungagung.pk).update(status=RegencyStatus.SUSPENDED)
    assert citizen.get(URL).status_code == 503
    assert citizen.post(URL, data).status_code == 503


@pytest.mark.parametrize(
    "field,value",
    [("version", "²"), ("version", "①"), ("version", "9" * 40), ("service", "①")],
)
def test_digits_that_are_not_ascii_get_the_forms_error_not_a_crash(citizen, field, value):
    # str.isdigit() takes "²" and "①", and int() then raised: the page answered 500.
    response = post(citizen, form_data(**{field: value}))
    assert response.status_code in (200, 400)
    assert Response.objects.count() == 0
