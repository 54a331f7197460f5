"""The citizen's survey form: parses what a phone posted into a Submission.

The form only parses (types, choices offered); every rule of the survey is
checked by sukma.surveys.citizen.submission.response_submit, whose refusals are put
back on the form next to the field they concern, or at the top. The page
is rendered by hand (radio buttons as big cards), so this form also hands
the template what it needs: each group's options with the one checked.
"""

import datetime
import re
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from sukma.forms import whole_number
from sukma.surveys.citizen.protection import started_at
from sukma.surveys.citizen.submission import (
    OLDEST_SERVICE_DAYS,
    VERSION_MAX,
    Submission,
    answers_from_pairs,
    response_submit,
)
from sukma.surveys.method.elements import ELEMENTS
from sukma.surveys.models import (
    PROFILE_FIELDS,
    PROFILE_VALUES,
    Question,
    QuestionKind,
    Response,
)

HONEYPOT = "catatan_petugas"  # a name no browser autofills; humans never see the field
NOT_APPLICABLE = "na"  # "tidak berlaku": stored as unanswered
SCALE_POINTS = 5
TEXT_MAX = 1000

PROFILE_LABELS = {
    "sex": _("Sex"),
    "age_band": _("Age"),
    "education": _("Education"),
    "occupation": _("Occupation"),
    "disability": _("Disability"),
    "service_session": _("Time of service"),
}
SELECT_FIELDS = ("education", "occupation")


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
KEY_MAX = 64
EXTRA_FIELD = re.compile(r"extra_(\d{1,18})")


def quick_submission(data, **context) -> Submission | None:
    """The common post (a phone sending the page as served) parsed without building the form.

    It accepts only what CitizenForm would parse to the very same Submission;
    anything unusual (a filled honeypot, a non-ISO date, an unknown choice, an
    element posted twice, a NUL character, an over-long text) returns None and
    goes through the form, which explains what is wrong. The rules of the
    survey are then checked by response_submit either way.
    """
    values = {name: str(data.get(name, "")) for name in ("version", "service", "service_date")}
    version = whole_number(values["version"])
    if data.get(HONEYPOT, "").strip() or version is None:
        return None
    if data.get("answered_at") or len(str(data.get("key", ""))) > KEY_MAX:
        return None  # an offline answer, or a key the form refuses: the form parses it
    service = values["service"]
    day = values["service_date"]
    if not 1 <= version <= VERSION_MAX or not (service == "" or whole_number(service)):
        return None
    if day and not ISO_DATE.fullmatch(day):
        return None
    profile = {name: str(data.get(name, "")) for name in PROFILE_VALUES}
    if any(v and v not in PROFILE_VALUES[n] for n, v in profile.items()):
        return None
    extras = {}
    for key in data:
        found = EXTRA_FIELD.fullmatch(key)
        value = str(data.get(key, ""))
        if found and value != value.strip():
            return None  # the form strips a typed answer but refuses a padded choice
        if found and value:
            extras[found.group(1)] = value
    suggestion = str(data.get("suggestion", ""))
    texts = [suggestion, data.get("started", ""), *extras.values()]
    if any("\x00" in t for t in texts) or any(len(t) > TEXT_MAX for t in extras.values()):
        return None
    try:
        answers = answers_from_pairs((e.code, v) for e in ELEMENTS for v in data.getlist(e.code))
        service_date = datetime.date.fromisoformat(day) if day else None
    except (ValidationError, ValueError):
        return None
    return Submission(
        answers=answers,
        questionnaire_version=version,
        service_id=int(service) if service else None,
        profile={name: value for name, value in profile.items() if value},
        extra_answers=extras,
        suggestion=suggestion.strip(),
        service_date=service_date,
        submission_key=str(data.get("key", "")),
        **context,
    )


def english() -> bool:
    return (get_language() or "id").startswith("en")


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    checked: bool


@dataclass(frozen=True)
class Group:
    """One question rendered as a set of tappable cards (radio buttons)."""

    name: str
    label: str
    options: list[Option]
    errors: list[str]
    hint: str = ""
    number: int | None = None
    extra_option: Option | None = None  # "not applicable", shown small under the four
    required: bool = False
    as_select: bool = False  # many long labels: a drop-down keeps the page short


def extra_choice_labels(question: Question) -> tuple[list[str], list[str]]:
    """(values, labels) of a local choice question: the Indonesian label is the stored value."""
    choices = question.choices or []
    if choices and isinstance(choices[0], list):
        values = [str(c) for c in choices[0]]
        labels = [str(c) for c in (choices[1] if len(choices) > 1 and choices[1] else choices[0])]
    else:
        values = labels = [str(c) for c in choices]
    if len(labels) != len(values):
        labels = values
    return values, labels


class CitizenForm(forms.Form):
    service = forms.TypedChoiceField(
        label=_("Service you received"), coerce=int, required=False, empty_value=None
    )
    service_date = forms.DateField(label=_("Date of service"), required=False)
    suggestion = forms.CharField(
        label=_("Suggestion or complaint (optional)"), required=False, strip=True
    )
    version = forms.IntegerField(min_value=1, max_value=VERSION_MAX)
    started = forms.CharField(required=False)  # checked by its signature, never an error
    key = forms.CharField(required=False, max_length=KEY_MAX)  # see Submission.submission_key
    # Sent by the offline queue: when the citizen answered (ISO 8601, with its offset).
    answered_at = forms.DateTimeField(required=False)

    def __init__(self, data=None, *, services, questionnaire, extras, preset_service=None):
        super().__init__(data)
        self.questionnaire = questionnaire
        self.extras = list(extras)
        self.answer_errors: list[str] = []
        self.fields["service"].choices = [("", "")] + [(s.pk, s.name) for s in services]
        self.services = list(services)
        self.preset_service = preset_service
        for name, choices in PROFILE_FIELDS.items():
            self.fields[name] = forms.ChoiceField(
                label=PROFILE_LABELS[name], choices=choices.choices, required=False
            )
        for question in self.extras:
            field = self._extra_field(question)
            field.label = (question.text_en or question.text_id) if english() else question.text_id
            self.fields[f"extra_{question.pk}"] = field

    @staticmethod
    def _extra_field(question: Question) -> forms.Field:
        if question.kind == QuestionKind.TEXT:
            return forms.CharField(required=False, max_length=TEXT_MAX, strip=True)
        if question.kind == QuestionKind.CHOICE:
            values, _labels = extra_choice_labels(question)
            return forms.ChoiceField(choices=[(v, v) for v in values], required=False)
        return forms.ChoiceField(
            choices=[(str(n), str(n)) for n in range(1, SCALE_POINTS + 1)], required=False
        )

    # ------------------------------------------------------------ parsing
    def element_answers(self) -> dict[str, int | None] | None:
        """U1..U9 from the post; an element posted twice is refused (None, with the message)."""
        pairs = [(e.code, value) for e in ELEMENTS for value in self.data.getlist(e.code)]
        try:
            return answers_from_pairs(pairs)
        except ValidationError as error:
            self.add_refusal(error)
            return None

    def submission(self, **context) -> Submission:
        data = self.cleaned_data
        return Submission(
            answers=self._answers,
            questionnaire_version=data["version"],
            service_id=data["service"],
            profile={name: data[name] for name in PROFILE_FIELDS if data.get(name)},
            extra_answers={
                str(q.pk): data[f"extra_{q.pk}"] for q in self.extras if data.get(f"extra_{q.pk}")
            },
            suggestion=data["suggestion"],
            service_date=data["service_date"],
            submission_key=data["key"],
            answered_at=data["answered_at"],
            **context,
        )

    def store(self, **context) -> Response | None:
        """Store the parsed answers under the survey's rules (response_submit): the response,
        or None with the refusal put next to its field. `context`: where they come from (the
        counter, the channel, the device...); the form's own stamp dates them."""
        now = timezone.now()
        started = started_at(self.cleaned_data["started"], now)
        submission = self.submission(started_at=started, stamped=started is not None, **context)
        try:
            return response_submit(submission, now=now)
        except ValidationError as refusal:
            self.add_refusal(refusal)
            return None

    def parse(self) -> bool:
        """True when the post is well-formed enough to be judged by response_submit."""
        valid = self.is_valid()
        answers = self.element_answers()
        self._answers = answers
        return valid and answers is not None

    def add_refusal(self, error: ValidationError) -> None:
        """A refusal from the survey's rules, next to its field or at the top."""
        messages = (
            error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]
        )
        for key, texts in messages:
            for text in texts:
                if key == "answers":
                    self.answer_errors.append(text)
                    self.add_error(None, text)
                elif key in self.fields and key not in ("version", "started"):
                    self.add_error(key, text)
                else:
                    self.add_error(None, text)

    # ------------------------------------------------------------ rendering
    def value(self, name: str) -> str:
        if self.is_bound:
            return str(self.data.get(name, "") or "")
        return ""

    def selected_service(self) -> str:
        if self.is_bound:
            return self.value("service")
        return str(self.preset_service.pk) if self.preset_service else ""

    def date_value(self) -> str:
        if self.is_bound:
            return self.value("service_date")[:10]
        return timezone.localdate().isoformat()

    def date_bounds(self) -> tuple[str, str]:
        today = timezone.localdate()
        return (today - datetime.timedelta(days=OLDEST_SERVICE_DAYS)).isoformat(), today.isoformat()

    def element_groups(self) -> list[Group]:
        en = english()
        groups = []
        for number, element in enumerate(ELEMENTS, start=1):
            chosen = self.value(element.code)
            answers = element.answers_en if en else element.answers_id
            extra = None
            if element.code == "U4":
                extra = Option(
                    NOT_APPLICABLE,
                    "Not applicable" if en else "Tidak berlaku",
                    chosen == NOT_APPLICABLE,
                )
            groups.append(
                Group(
                    name=element.code,
                    label=element.question_en if en else element.question_id,
                    hint=element.name_en if en else element.name_id,
                    number=number,
                    options=[
                        Option(str(score), label, chosen == str(score))
                        for score, label in enumerate(answers, start=1)
                    ],
                    extra_option=extra,
                    errors=[],
                )
            )
        return groups

    def profile_groups(self) -> list[Group]:
        return [
            self._group(
                name,
                str(PROFILE_LABELS[name]),
                list(choices.choices),
                as_select=name in SELECT_FIELDS,
            )
            for name, choices in PROFILE_FIELDS.items()
        ]

    def extra_groups(self) -> list[dict]:
        """Local questions: scale and choice as cards, text as a text box."""
        en = english()
        items = []
        for question in self.extras:
            name = f"extra_{question.pk}"
            label = (question.text_en or question.text_id) if en else question.text_id
            if question.kind == QuestionKind.TEXT:
                items.append(
                    {
                        "text": True,
                        "name": name,
                        "label": label,
                        "value": self.value(name),
                        "errors": self.errors.get(name, []),
                        "required": question.required,
                        "max": TEXT_MAX,
                    }
                )
                continue
            if question.kind == QuestionKind.CHOICE:
                values, labels = extra_choice_labels(question)
                pairs = list(zip(values, labels if en else values, strict=True))
            else:
                pairs = [(str(n), str(n)) for n in range(1, SCALE_POINTS + 1)]
            group = self._group(name, label, pairs, required=question.required)
            items.append({"text": False, "group": group, "scale": question.kind == "scale"})
        return items

    def _group(
        self, name: str, label: str, pairs, *, required: bool = False, as_select: bool = False
    ) -> Group:
        chosen = self.value(name)
        return Group(
            name=name,
            label=label,
            options=[Option(str(v), str(text), chosen == str(v)) for v, text in pairs],
            errors=list(self.errors.get(name, [])),
            required=required,
            as_select=as_select,
        )

    def honeypot_filled(self) -> bool:
        return bool(self.is_bound and str(self.data.get(HONEYPOT, "")).strip())
