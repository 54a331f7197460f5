"""/kiosk/ on a paired tablet: every citizen a new respondent, the credential checked each time."""

import datetime
import html as htmllib
import json

from django.core.cache import cache
from django.utils import timezone

from sukma.surveys.citizen.kiosk import (
    KIOSK_COOKIE,
    PAIRING_FAILURE_LIMIT,
    PAIRING_FAILURES,
)
from sukma.surveys.citizen.protection import SUBMISSIONS, rate_key
from sukma.surveys.kiosks import services
from sukma.surveys.kiosks.models import Kiosk, KioskPairing
from sukma.surveys.models import Channel, Flag, Questionnaire, Response

KIOSK = "/kiosk/"
PAIR = "/kiosk/pasang/"


def text(response) -> str:
    return htmllib.unescape(response.content.decode())


def answers(**overrides) -> dict:
    data = {f"U{i}": "4" for i in range(1, 10)}
    data.update(U3="3", version=str(Questionnaire.objects.get(is_current=True).version))
    data.update(overrides)
    return data


def test_the_tablet_pairs_with_the_code_and_gets_a_long_lived_httponly_credential(
    personas, dukcapil, tablet
):
    pairing = services.pairing_create(
        acting_user=personas.tulungagung_admin, service_point=dukcapil[3], name="Tablet 1"
    )
    page = tablet.get(PAIR, {"kode": pairing.code})  # from the QR: filled in, not yet paired
    assert page.status_code == 200 and f'value="{pairing.code}"' in text(page)
    assert not Kiosk.objects.exists()
    paired = tablet.post(PAIR, {"kode": pairing.code})
    assert paired.status_code == 302 and paired["Location"] == KIOSK
    cookie = paired.cookies[KIOSK_COOKIE]
    assert cookie["httponly"] and cookie["path"] == "/kiosk/"
    assert cookie["max-age"] >= 365 * 24 * 3600
    kiosk = Kiosk.objects.get()
    assert kiosk.credential_hash == services.credential_hash(cookie.value)
    welcome = tablet.get(KIOSK)
    html = text(welcome)
    assert welcome.status_code == 200
    assert 'id="welcome"' in html and "Loket 1" in html
    assert 'class="face f1"' in html  # faces beside the answers, aria-hidden
    assert 'aria-hidden="true"' in html


def test_a_wrong_code_is_explained_in_indonesian_and_nothing_changes(dukcapil, tablet):
    refused = tablet.post(PAIR, {"kode": "ABCD2345"})
    assert refused.status_code == 400
    assert "Kode ini salah" in text(refused)
    assert not Kiosk.objects.exists() and KIOSK_COOKIE not in refused.cookies


def test_a_clerk_may_mistype_but_guessing_is_stopped(personas, dukcapil, tablet, address):
    for _ in range(PAIRING_FAILURE_LIMIT - 1):
        assert tablet.post(PAIR, {"kode": "WRONG234"}).status_code == 400
    pairing = services.pairing_create(
        acting_user=personas.tulungagung_admin, service_point=dukcapil[3], name="Tablet 1"
    )
    assert tablet.post(PAIR, {"kode": pairing.code}).status_code == 302  # still let in
    tablet.post(PAIR, {"kode": "WRONG234"})
    blocked = tablet.post(PAIR, {"kode": "WRONG234"})
    assert blocked.status_code == 429
    assert cache.get(rate_key(PAIRING_FAILURES, address)) == PAIRING_FAILURE_LIMIT


def test_an_unpaired_tablet_is_sent_to_pairing(dukcapil, tablet):
    response = tablet.get(KIOSK)
    assert response.status_code == 302 and response["Location"] == PAIR


def test_three_respondents_in_a_row_are_three_new_respondents(paired, address):
    kiosk, tablet = paired
    cache.delete(rate_key(SUBMISSIONS, f"{address}|TA7K2M9Q"))
    for n in range(3):
        sent = tablet.post(KIOSK, answers(U1=str(n + 2)))
        assert sent.status_code == 302 and sent["Location"] == "/kiosk/terima-kasih/"
        thanks = tablet.get(sent["Location"])
        assert thanks.status_code == 200
        assert 'http-equiv="refresh"' in text(thanks) and "url=/kiosk/" in text(thanks)
    stored = Response.objects.order_by("pk")
    assert [r.u1 for r in stored] == [2, 3, 4]
    assert {r.channel for r in stored} == {Channel.KIOSK}
    assert {r.kiosk_id for r in stored} == {kiosk.pk}
    assert {r.device_hash for r in stored} == {""} and {r.address_hash for r in stored} == {""}
    assert not any(r.held for r in stored)
    kiosk.refresh_from_db()
    assert kiosk.last_seen_at is not None and kiosk.last_answered_at is not None


def test_answers_closer_than_the_pace_are_flagged_not_refused(paired):
    _kiosk, tablet = paired
    now = timezone.now()
    for seconds in (60, 55, 20):  # answered 5 s apart, then 35 s after that
        at = (now - datetime.timedelta(seconds=seconds)).isoformat()
        assert tablet.post(KIOSK, answers(answered_at=at)).status_code == 302
    flags = [r.flags for r in Response.objects.order_by("answered_at")]
    assert Flag.PACE not in flags[0] and Flag.PACE in flags[1] and Flag.PACE not in flags[2]
    assert Response.objects.filter(excluded=False).count() == 3


def test_a_suggestion_gets_its_tracking_code_and_the_next_respondent_does_not(paired):
    _kiosk, tablet = paired
    sent = tablet.post(KIOSK, answers(suggestion="Antrean terlalu panjang"))
    code = Response.objects.get().tracking_code
    thanks = text(tablet.get(sent["Location"]))
    assert code in thanks and 'content="60;url=/kiosk/"' in thanks
    tablet.post(KIOSK, answers())  # the next respondent, without a suggestion
    assert code not in text(tablet.get(sent["Location"]))  # never sees the previous code


def test_a_revoked_tablet_stores_nothing_and_says_so(personas, paired):
    kiosk, tablet = paired
    services.kiosk_revoke(acting_user=personas.tulungagung_admin, kiosk=kiosk)
    refused = tablet.post(KIOSK, answers())
    assert refused.status_code == 403
    assert "Tablet ini tidak lagi terdaftar" in text(refused)
    assert not Response.objects.exists()
    assert tablet.get(KIOSK).status_code == 403
    as_queue = tablet.post(KIOSK, answers(), HTTP_ACCEPT="application/json")
    assert as_queue.status_code == 403 and as_queue.json()["unregistered"] is True


def test_a_forged_credential_stores_nothing(paired):
    _kiosk, tablet = paired
    tablet.cookies[KIOSK_COOKIE] = "forged-" + "x" * 40
    assert tablet.post(KIOSK, answers()).status_code == 403
    assert not Response.objects.exists()


def test_a_refusal_comes_back_as_400_with_its_reason(paired):
    _kiosk, tablet = paired
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    page = tablet.post(KIOSK, answers(service_date=future))
    assert page.status_code == 400 and 'id="errors"' in text(page)
    queued = tablet.post(KIOSK, answers(service_date=future), HTTP_ACCEPT="application/json")
    assert queued.status_code == 400
    body = json.loads(queued.content)
    assert body["stored"] is False and body["errors"]["service_date"]
    assert not Response.objects.exists()


def test_the_queue_gets_json_and_a_resend_is_stored_once(paired):
    _kiosk, tablet = paired
    data = answers(key="kiosk-offline-key-0001", suggestion="Ruang tunggu panas")
    first = tablet.post(KIOSK, data, HTTP_ACCEPT="application/json")
    again = tablet.post(KIOSK, data, HTTP_ACCEPT="application/json")
    assert first.status_code == again.status_code == 200
    assert first.json()["stored"] is True
    assert first.json()["tracking_code"] == again.json()["tracking_code"] != ""
    assert Response.objects.count() == 1


def test_a_pairing_code_pairs_one_tablet(personas, dukcapil, tablet):
    pairing = services.pairing_create(
        acting_user=personas.tulungagung_admin, service_point=dukcapil[3], name="Tablet 1"
    )
    assert tablet.post(PAIR, {"kode": pairing.code}).status_code == 302
    assert tablet.post(PAIR, {"kode": pairing.code}).status_code == 400
    assert KioskPairing.objects.get().kiosk == Kiosk.objects.get()
