"""/kelola/bantuan/: an operator enters the answers of a respondent who asks for help."""

import html as htmllib

from sukma.surveys.models import Channel, Questionnaire, Response
from tests.conftest import TULUNGAGUNG_HOST, host_client

CHOOSE = "/kelola/bantuan/"
FORM = "/kelola/bantuan/TA7K2M9Q/"


def text(response) -> str:
    return htmllib.unescape(response.content.decode())


def answers(**overrides) -> dict:
    data = {f"U{i}": "3" for i in range(1, 10)}
    data.update(version=str(Questionnaire.objects.get(is_current=True).version))
    data.update(overrides)
    return data


def test_an_operator_enters_two_respondents_marked_assisted(operator, dukcapil):
    client = host_client(TULUNGAGUNG_HOST, operator)
    chooser = text(client.get(CHOOSE))
    assert f'href="{FORM}"' in chooser
    form = text(client.get(FORM))
    assert "Dibantu petugas" in form and 'name="U1"' in form
    for _ in range(2):
        sent = client.post(FORM, answers(suggestion="Mohon kursi roda di loket"))
        assert sent.status_code == 302 and sent["Location"].startswith(FORM + "tersimpan/?")
        done = text(client.get(sent["Location"]))
        code = Response.objects.order_by("-pk").first().tracking_code
        assert code in done and f'href="{FORM}"' in done
    stored = list(Response.objects.all())
    assert len(stored) == 2
    assert {r.channel for r in stored} == {Channel.ASSISTED}
    assert {r.entered_by for r in stored} == {operator.pk}
    assert {r.device_hash for r in stored} == {""} and not any(r.held for r in stored)


def test_the_regency_admin_may_enter_for_any_service_point(personas, dukcapil, dinkes):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    chooser = text(client.get(CHOOSE))
    assert "Loket 1" in chooser and "Loket Dinkes" in chooser
    assert client.post("/kelola/bantuan/DK3H7P2W/", answers()).status_code == 302
    assert Response.objects.get().entered_by == personas.tulungagung_admin.pk


def test_the_done_page_shows_only_the_users_own_entry(personas, operator, dukcapil):
    client = host_client(TULUNGAGUNG_HOST, operator)
    sent = client.post(FORM, answers(suggestion="Toilet rusak"))
    code = Response.objects.get().tracking_code
    assert code in text(client.get(sent["Location"]))
    admin = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    assert code not in text(admin.get(sent["Location"]))  # not the admin's entry


def test_an_operator_of_another_agency_gets_403(dinkes_operator, dukcapil, dinkes):
    client = host_client(TULUNGAGUNG_HOST, dinkes_operator)
    assert "Loket 1" not in text(client.get(CHOOSE))
    assert client.get(FORM).status_code == 403
    assert client.post(FORM, answers()).status_code == 403
    assert not Response.objects.exists()


def test_citizens_and_other_regencies_cannot_enter_assisted_responses(personas, dukcapil):
    anonymous = host_client(TULUNGAGUNG_HOST)
    assert anonymous.post(FORM, answers()).status_code == 302  # to sign in
    kediri = host_client(TULUNGAGUNG_HOST, personas.kediri_admin)
    assert kediri.post(FORM, answers()).status_code == 403
    assert not Response.objects.exists()


def test_a_refusal_is_shown_on_the_form(operator, dukcapil):
    client = host_client(TULUNGAGUNG_HOST, operator)
    refused = client.post(FORM, {"version": answers()["version"]})
    assert refused.status_code == 400 and 'id="errors"' in text(refused)
    assert not Response.objects.exists()
