"""The quick parse of a citizen's post reads it as the form does, or leaves it to the form."""

import pytest
from django.http import QueryDict

from sukma.surveys.citizen.forms import CitizenForm, quick_submission
from sukma.surveys.models import Question, QuestionKind, Questionnaire
from sukma.surveys.structure.services import ExtraQuestion, questionnaire_extra_add

ALL = {f"U{i}": "4" for i in range(1, 10)}
DAY = "2026-11-19"


@pytest.fixture
def with_extra(dukcapil, personas):
    version = questionnaire_extra_add(
        acting_user=personas.tulungagung_admin,
        extra=ExtraQuestion(kind="scale", text_id="Seberapa puas?"),
    )
    return version, version.questions.get(kind=QuestionKind.SCALE)


def post(**fields) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            data.appendlist(name, one)
    return data


def form_reading(data, dukcapil, questionnaire):
    _agency, ktp, kk, _point = dukcapil
    extras = Question.objects.filter(questionnaire=questionnaire).exclude(kind=QuestionKind.ELEMENT)
    form = CitizenForm(
        data, services=[ktp, kk], questionnaire=questionnaire, extras=extras, preset_service=ktp
    )
    return form.submission(service_point_code="X") if form.parse() else None


def posts(version, question, kk):
    v = str(version.version)
    return [
        post(**ALL, version=v),
        post(**{**ALL, "U4": "na", "U7": "2"}, version=v, service=str(kk.pk), service_date=DAY),
        post(**ALL, version=v, sex="P", age_band="26-35", occupation="PNS", service_session="pagi"),
        post(**ALL, version=v, suggestion="  Antrean panjang.  ", started="abc"),
        post(**ALL, version=v, **{f"extra_{question.pk}": "4"}),
    ]


def test_an_ordinary_post_reads_the_same_both_ways(dukcapil, with_extra):
    version, question = with_extra
    for data in posts(version, question, dukcapil[2]):
        quick = quick_submission(data, service_point_code="X")
        assert quick is not None
        assert quick == form_reading(data, dukcapil, version), data


@pytest.mark.parametrize(
    "odd",
    [
        {"catatan_petugas": "http://spam.example"},
        {"service_date": "19/11/2026"},
        {"sex": "X"},
        {"U1": ["4", "3"]},
        {"version": "v2"},
        {"suggestion": "a\x00b"},
        {"service": "ktp"},
        {"extra_1": " 4 "},
    ],
)
def test_anything_out_of_the_ordinary_is_left_to_the_form(dukcapil, odd):
    version = Questionnaire.objects.get(is_current=True)
    data = post(**{**ALL, "version": str(version.version), **odd})
    assert quick_submission(data, service_point_code="X") is None
