"""The questionnaire, read by anyone: the nine elements in the regulation's words, the extras."""

import pytest

from sukma.surveys.method.elements import ELEMENT_CODES
from sukma.surveys.models import Questionnaire
from sukma.surveys.structure.services import ExtraQuestion, questionnaire_extra_add
from tests.api.conftest import assert_error_shape

pytestmark = pytest.mark.django_db
URL = "/api/v1/questionnaire/"


def test_anyone_reads_the_current_questionnaire_in_bahasa_indonesia(tulungagung_host_api):
    response = tulungagung_host_api().get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["current"] is True and body["language"] == "id"
    assert [e["code"] for e in body["elements"]] == list(ELEMENT_CODES)
    u1 = body["elements"][0]
    assert u1["name"] == "Persyaratan"
    assert u1["question"].startswith("Bagaimana pendapat Saudara tentang kesesuaian persyaratan")
    assert u1["answers"] == [
        {"value": "1", "label": "Tidak sesuai"},
        {"value": "2", "label": "Kurang sesuai"},
        {"value": "3", "label": "Sesuai"},
        {"value": "4", "label": "Sangat sesuai"},
    ]
    assert body["extras"] == []
    assert body["started"]
    assert [f["name"] for f in body["profile"]] == [
        "sex",
        "age_band",
        "education",
        "occupation",
        "disability",
        "service_session",
    ]


def test_the_questionnaire_speaks_english_when_asked(tulungagung_host_api):
    body = tulungagung_host_api(language="en").get(URL).json()
    assert body["language"] == "en"
    u4 = body["elements"][3]
    assert u4["name"] == "Cost/fee"
    assert [a["label"] for a in u4["answers"]] == [
        "Very expensive",
        "Rather expensive",
        "Cheap",
        "Free",
    ]


def test_local_extras_come_after_the_nine_in_a_new_version(
    tulungagung_host_api, personas, in_tulungagung
):
    questionnaire_extra_add(
        acting_user=personas.tulungagung_admin,
        extra=ExtraQuestion(
            kind="choice",
            text_id="Dari mana Anda tahu layanan ini?",
            text_en="How did you hear of this service?",
            choices_id=["Teman", "Internet"],
            choices_en=["A friend", "The internet"],
        ),
    )
    questionnaire_extra_add(
        acting_user=personas.tulungagung_admin,
        extra=ExtraQuestion(kind="scale", text_id="Kebersihan ruang tunggu?"),
    )
    body = tulungagung_host_api(language="en").get(URL).json()
    assert body["version"] == Questionnaire.objects.get(is_current=True).version
    choice, scale = body["extras"]
    assert choice["type"] == "choice" and choice["question"] == "How did you hear of this service?"
    # The value sent back is the Indonesian label, whatever the language shown.
    assert choice["options"] == [
        {"value": "Teman", "label": "A friend"},
        {"value": "Internet", "label": "The internet"},
    ]
    assert scale["type"] == "scale" and [o["value"] for o in scale["options"]] == list("12345")
    assert scale["position"] > 9


def test_an_older_version_stays_readable(tulungagung_host_api, personas, in_tulungagung):
    first = Questionnaire.objects.get(is_current=True).version
    questionnaire_extra_add(
        acting_user=personas.tulungagung_admin,
        extra=ExtraQuestion(kind="text", text_id="Ada pesan lain?"),
    )
    body = tulungagung_host_api().get(f"{URL}{first}/").json()
    assert body["version"] == first and body["current"] is False and body["extras"] == []
    assert len(tulungagung_host_api().get(URL).json()["extras"]) == 1


def test_an_unknown_version_is_a_404(tulungagung_host_api):
    assert_error_shape(tulungagung_host_api().get(f"{URL}999/"), 404)


def test_a_signed_in_user_reads_it_as_anyone_does(tulungagung_host_api, personas):
    assert tulungagung_host_api(personas.tulungagung_admin).get(URL).status_code == 200


def test_there_is_no_questionnaire_api_on_the_base_domain(anonymous_api):
    assert anonymous_api.get(URL).status_code == 404
