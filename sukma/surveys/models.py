"""The survey's data in each regency's schema. Nothing here is shared across regencies."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Questionnaire(models.Model):
    """One version of a regency's questionnaire: the nine elements plus its local extras.

    A version is never edited once a response has answered it; changing the
    extras makes a new version. Every response records its version.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    is_current = models.BooleanField(_("current"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="one_current_questionnaire",
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version}"


class QuestionKind(models.TextChoices):
    ELEMENT = "element", _("SKM element (1-4)")
    SCALE = "scale", _("Scale")
    CHOICE = "choice", _("Choice")
    TEXT = "text", _("Text")


class Question(models.Model):
    """A question of one questionnaire version.

    The nine element questions carry their code (U1..U9) and are the only
    ones that enter the index; their wording comes from surveys.elements.
    """

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    element_code = models.CharField(_("element"), max_length=3, blank=True)
    text_id = models.TextField(_("question (Bahasa Indonesia)"))
    text_en = models.TextField(_("question (English)"))
    choices = models.JSONField(_("answer labels"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)

    class Meta:
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "position"], name="one_question_per_position"
            ),
            models.UniqueConstraint(
                fields=["questionnaire", "element_code"],
                condition=~models.Q(element_code=""),
                name="one_question_per_element",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire} #{self.position} {self.element_code}"
