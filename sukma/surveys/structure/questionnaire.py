"""Writes inside a regency's schema. Callers set the schema (tenant_context) first."""

from django.db import transaction

from sukma.surveys.method.elements import ELEMENTS
from sukma.surveys.models import Question, QuestionKind, Questionnaire


@transaction.atomic
def questionnaire_install_standard() -> Questionnaire:
    """Make sure the current schema has a questionnaire with the nine elements. Idempotent."""
    existing = Questionnaire.objects.filter(is_current=True).first()
    if existing is not None:
        return existing
    questionnaire = Questionnaire.objects.create(version=1, is_current=True)
    Question.objects.bulk_create(
        Question(
            questionnaire=questionnaire,
            position=position,
            kind=QuestionKind.ELEMENT,
            element_code=element.code,
            text_id=element.question_id,
            text_en=element.question_en,
            choices=[list(element.answers_id), list(element.answers_en)],
            required=False,
        )
        for position, element in enumerate(ELEMENTS, start=1)
    )
    return questionnaire
