"""Writes to a regency's structure: agencies, services, service points, periods, questionnaire.

Callers put the connection on the regency's schema first (a request on the
regency's host does; elsewhere use tenant_context). Every public function
takes ``acting_user`` and records an AuditEvent, in the public schema, in
the same transaction as its write. ``regency`` defaults to the schema the
connection is on, so audit rows always say which regency changed.

Rules live here, not in forms: a form only checks shapes, and the import,
the API and the pages all reach the same checks.
"""

import calendar
import datetime
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sukma.access.audit import audit_record, snapshot
from sukma.access.permissions import is_province_admin
from sukma.surveys.followup.services import plans_draft_for_period
from sukma.surveys.models import (
    PERIOD_MONTHS,
    Agency,
    Period,
    PeriodKind,
    Question,
    QuestionKind,
    Questionnaire,
    Service,
    ServicePoint,
)
from sukma.surveys.selectors import Basis
from sukma.surveys.structure.questionnaire import questionnaire_install_standard
from sukma.tenants.models import Regency

# No 0/O, 1/I/L: a code is read off a poster and typed on a phone.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8  # 31**8 ≈ 8.5e11 codes: counting up or guessing finds nothing


def current_regency(regency: Regency | None = None) -> Regency:
    """The regency whose schema the connection is on (or the one given, which must match)."""
    tenant = getattr(connection, "tenant", None)
    if regency is None and isinstance(tenant, Regency):
        return tenant
    if regency is None:
        raise RuntimeError("structure writes run inside a regency's schema")
    if connection.schema_name != regency.schema_name:
        raise RuntimeError("the connection is not on this regency's schema")
    return regency


def _full_clean(instance, exclude: tuple[str, ...] = ()) -> None:
    """Field and uniqueness checks of the model, with Django's (translated) messages."""
    instance.full_clean(exclude=list(exclude))


def _assign(instance, allowed: tuple[str, ...], values: dict) -> None:
    """Set the given fields (text trimmed); a field outside `allowed` is a programming error."""
    for name, value in values.items():
        if name not in allowed:
            raise TypeError(f"unknown {instance._meta.model_name} field {name}")
        setattr(instance, name, value.strip() if isinstance(value, str) else value)


def _audited_create(acting_user, regency, noun: str, save: Callable, instance, values: dict):
    regency = current_regency(regency)  # before any write: refuses a connection on another schema
    instance = save(instance, **values)
    audit_record(
        actor=acting_user,
        action=f"{noun}.created",
        target=instance,
        regency=regency,
        after=snapshot(instance),
    )
    return instance


def _audited_update(acting_user, regency, noun: str, save: Callable, instance, values: dict):
    regency = current_regency(regency)
    instance = type(instance).objects.select_for_update().get(pk=instance.pk)
    before = snapshot(instance)
    save(instance, **values)
    audit_record(
        actor=acting_user,
        action=f"{noun}.updated",
        target=instance,
        regency=regency,
        before=before,
        after=snapshot(instance),
    )
    return instance


# ====================================================================== agencies
AGENCY_FIELDS = ("name", "short_name", "kind", "active")


def agency_save(agency: Agency, **values) -> Agency:
    """Check and save an agency without auditing: for callers that audit as a whole (imports)."""
    _assign(agency, AGENCY_FIELDS, values)
    _full_clean(agency)
    agency.save()
    return agency


@transaction.atomic
def agency_create(*, acting_user, regency: Regency | None = None, **values) -> Agency:
    return _audited_create(acting_user, regency, "agency", agency_save, Agency(), values)


@transaction.atomic
def agency_update(*, acting_user, agency: Agency, regency: Regency | None = None, **values):
    return _audited_update(acting_user, regency, "agency", agency_save, agency, values)


# ====================================================================== services
SERVICE_FIELDS = ("name", "annual_users", "active")


def service_save(service: Service, **values) -> Service:
    _assign(service, SERVICE_FIELDS, values)
    if service.annual_users is not None and service.annual_users < 1:
        raise ValidationError(
            {"annual_users": _("Expected users per year must be at least 1, or left empty.")}
        )
    _full_clean(service)
    service.save()
    return service


@transaction.atomic
def service_create(*, acting_user, agency: Agency, regency: Regency | None = None, **values):
    return _audited_create(
        acting_user, regency, "service", service_save, Service(agency=agency), values
    )


@transaction.atomic
def service_update(*, acting_user, service: Service, regency: Regency | None = None, **values):
    return _audited_update(acting_user, regency, "service", service_save, service, values)


# ====================================================================== service points
POINT_FIELDS = ("name", "address", "default_service", "active")


def service_point_code_new() -> str:
    """A fresh public code, unguessable (secrets) and not in use in this schema."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not ServicePoint.objects.filter(code=code).exists():
            return code


def service_point_save(point: ServicePoint, **values) -> ServicePoint:
    _assign(point, POINT_FIELDS, values)
    if point.default_service is not None and point.default_service.agency_id != point.agency_id:
        raise ValidationError(
            {"default_service": _("The preset service must be one of this agency's services.")}
        )
    if not point.code:
        point.code = service_point_code_new()
    _full_clean(point)
    point.save()
    return point


@transaction.atomic
def service_point_create(
    *, acting_user, agency: Agency, regency: Regency | None = None, **values
) -> ServicePoint:
    point = ServicePoint(agency=agency)
    return _audited_create(acting_user, regency, "service_point", service_point_save, point, values)


@transaction.atomic
def service_point_update(
    *, acting_user, point: ServicePoint, regency: Regency | None = None, **values
) -> ServicePoint:
    """Name, address, preset service, active. The code never changes: posters carry it."""
    return _audited_update(acting_user, regency, "service_point", service_point_save, point, values)


# ====================================================================== periods
PERIODS_IN_YEAR = {
    PeriodKind.MONTH: 12,
    PeriodKind.QUARTER: 4,
    PeriodKind.SEMESTER: 2,
    PeriodKind.YEAR: 1,
}
FIRST_YEAR, LAST_YEAR = 2000, 2100


def period_bounds(kind: str, year: int, number: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of a period: ("quarter", 2026, 2) -> (2026-04-01, 2026-06-30)."""
    if kind not in PERIODS_IN_YEAR:
        raise ValidationError({"kind": _("Choose month, quarter, semester or year.")})
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError({"year": _("Choose a year between 2000 and 2100.")})
    if not 1 <= number <= PERIODS_IN_YEAR[kind]:
        raise ValidationError(
            {
                "number": _("A %(kind)s is numbered 1 to %(last)s.")
                % {"kind": PeriodKind(kind).label, "last": PERIODS_IN_YEAR[kind]}
            }
        )
    span = PERIOD_MONTHS[kind]
    first_month = (number - 1) * span + 1
    last_month = first_month + span - 1
    last_day = calendar.monthrange(year, last_month)[1]
    return datetime.date(year, first_month, 1), datetime.date(year, last_month, last_day)


def _period_new(kind: str, year: int, number: int) -> Period:
    starts_on, ends_on = period_bounds(kind, year, number)
    if Period.objects.filter(kind=kind, year=year, number=number).exists():
        raise ValidationError({"number": _("This period exists already.")})
    return Period.objects.create(
        kind=kind, year=year, number=number, starts_on=starts_on, ends_on=ends_on
    )


@transaction.atomic
def period_create(
    *, acting_user, kind: str, year: int, number: int, regency: Regency | None = None
) -> Period:
    regency = current_regency(regency)
    period = _period_new(kind, year, number)
    audit_record(
        actor=acting_user,
        action="period.created",
        target=period,
        regency=regency,
        after=snapshot(period),
    )
    return period


@transaction.atomic
def periods_create_year(*, acting_user, year: int, regency: Regency | None = None) -> list[Period]:
    """The year's 12 months, 4 quarters, 2 semesters and the year. Existing ones are kept.

    Returns the periods it created (none when the year was complete already).
    """
    regency = current_regency(regency)
    existing = set(Period.objects.filter(year=year).values_list("kind", "number"))
    created = []
    for kind, count in PERIODS_IN_YEAR.items():
        for number in range(1, count + 1):
            if (kind, number) not in existing:
                period = _period_new(kind, year, number)
                audit_record(
                    actor=acting_user,
                    action="period.created",
                    target=period,
                    regency=regency,
                    after=snapshot(period),
                )
                created.append(period)
    return created


@transaction.atomic
def period_lock(
    *, acting_user, period: Period, regency: Regency | None = None, today=None
) -> Period:
    """Close a period that has ended: no day inside it takes responses or exclusions again."""
    regency = current_regency(regency)
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.locked:
        return period
    today = today or timezone.localdate()
    if period.ends_on >= today:
        raise ValidationError(
            {"period": _("A period can be locked only after its last day has passed.")}
        )
    before = snapshot(period)
    period.locked, period.locked_at = True, timezone.now()
    period.basis = Basis.today().to_json(period)  # keeps today's targets and policy
    period.save(update_fields=["locked", "locked_at", "basis"])
    audit_record(
        actor=acting_user,
        action="period.locked",
        target=period,
        regency=regency,
        before=before,
        after=snapshot(period),
    )
    plans_draft_for_period(acting_user=acting_user, period=period, regency=regency)
    return period


@transaction.atomic
def period_unlock(
    *, acting_user, period: Period, reason: str, regency: Regency | None = None
) -> Period:
    """Reopen a locked period. Only the province may: published figures can change after it."""
    regency = current_regency(regency)
    if not is_province_admin(acting_user):
        raise PermissionDenied(_("Only the province's administrators may unlock a period."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the period is unlocked.")})
    period = Period.objects.select_for_update().get(pk=period.pk)
    if not period.locked:
        return period
    before = snapshot(period)
    period.locked, period.locked_at, period.basis = False, None, {}
    period.save(update_fields=["locked", "locked_at", "basis"])
    audit_record(
        actor=acting_user,
        action="period.unlocked",
        target=period,
        regency=regency,
        before=before,
        after={**snapshot(period), "reason": reason},
    )
    return period


# ====================================================================== questionnaire
EXTRA_KINDS = (QuestionKind.SCALE, QuestionKind.CHOICE, QuestionKind.TEXT)
MAX_EXTRAS = 10  # the whole form must still take under a minute
MAX_QUESTION_LENGTH = 300
MAX_LABEL_LENGTH = 100
CHOICES_MIN, CHOICES_MAX = 2, 8
SCALE_POINTS = 5  # a local scale question is answered 1..5


@dataclass
class ExtraQuestion:
    """A local question as the admin writes it, before it becomes a row of a version.

    Stored on Question as: scale -> choices [] (answered 1..SCALE_POINTS);
    choice -> choices [[labels in Indonesian], [labels in English]]; text -> [].
    """

    kind: str
    text_id: str
    text_en: str = ""
    choices_id: list[str] = field(default_factory=list)
    choices_en: list[str] = field(default_factory=list)
    required: bool = False

    @classmethod
    def of(cls, question: Question) -> "ExtraQuestion":
        labels = question.choices if question.kind == QuestionKind.CHOICE else [[], []]
        return cls(
            kind=question.kind,
            text_id=question.text_id,
            text_en=question.text_en,
            choices_id=list(labels[0]),
            choices_en=list(labels[1]),
            required=question.required,
        )

    def cleaned(self) -> "ExtraQuestion":
        """Trimmed and checked; English falls back to Indonesian where left empty."""
        errors: dict[str, str] = {}
        text_id, text_en = self.text_id.strip(), self.text_en.strip()
        if self.kind not in EXTRA_KINDS:
            errors["kind"] = _("A local question is a scale, a choice or a text.")
        if not text_id:
            errors["text_id"] = _("Write the question in Bahasa Indonesia.")
        for name, text in (("text_id", text_id), ("text_en", text_en)):
            if len(text) > MAX_QUESTION_LENGTH:
                errors[name] = _("A question has at most %(n)s characters.") % {
                    "n": MAX_QUESTION_LENGTH
                }
        choices_id = [c.strip() for c in self.choices_id if c.strip()]
        choices_en = [c.strip() for c in self.choices_en if c.strip()]
        if self.kind == QuestionKind.CHOICE:
            errors.update(_choice_errors(choices_id, choices_en))
        else:
            choices_id, choices_en = [], []
        if errors:
            raise ValidationError(errors)
        return ExtraQuestion(
            kind=self.kind,
            text_id=text_id,
            text_en=text_en or text_id,
            choices_id=choices_id,
            choices_en=choices_en or choices_id,
            required=bool(self.required),
        )

    def stored_choices(self) -> list:
        if self.kind == QuestionKind.CHOICE:
            return [self.choices_id, self.choices_en]
        return []


def _choice_errors(choices_id: list[str], choices_en: list[str]) -> dict[str, str]:
    if not CHOICES_MIN <= len(choices_id) <= CHOICES_MAX:
        return {
            "choices_id": _("A choice question has %(min)s to %(max)s answers.")
            % {"min": CHOICES_MIN, "max": CHOICES_MAX}
        }
    if len(set(choices_id)) != len(choices_id):
        return {"choices_id": _("Each answer appears once.")}
    if any(len(c) > MAX_LABEL_LENGTH for c in choices_id + choices_en):
        return {
            "choices_id": _("An answer has at most %(n)s characters.") % {"n": MAX_LABEL_LENGTH}
        }
    if choices_en and len(choices_en) != len(choices_id):
        return {"choices_en": _("Give as many English answers as Indonesian ones, or none.")}
    return {}


def _extra_of_current(question: Question, current: Questionnaire) -> int:
    """Index of an extra question among the current version's extras, or a ValidationError."""
    if question.kind == QuestionKind.ELEMENT:
        raise ValidationError(
            {"question": _("The nine SKM elements are set by regulation and cannot be changed.")}
        )
    if question.questionnaire_id != current.pk:
        raise ValidationError(
            {"question": _("This question belongs to an older version; reload the page.")}
        )
    extras = list(current.questions.exclude(kind=QuestionKind.ELEMENT).values_list("pk", flat=True))
    return extras.index(question.pk)


def _questionnaire_replace(
    *, acting_user, regency: Regency, change: Callable[[list[ExtraQuestion]], list[ExtraQuestion]]
) -> Questionnaire:
    """A new current version: the nine elements copied as they are, the extras as changed.

    The old version stays, with its questions, for the responses that answered it.
    """
    questionnaire_install_standard()
    current = Questionnaire.objects.select_for_update().get(is_current=True)
    questions = list(current.questions.all())
    elements = [q for q in questions if q.kind == QuestionKind.ELEMENT]
    extras = change([ExtraQuestion.of(q) for q in questions if q.kind != QuestionKind.ELEMENT])
    if len(extras) > MAX_EXTRAS:
        raise ValidationError({"question": _("At most %(n)s local questions.") % {"n": MAX_EXTRAS}})
    last_version = Questionnaire.objects.order_by("-version").values_list("version", flat=True)[0]
    Questionnaire.objects.filter(pk=current.pk).update(is_current=False)
    new = Questionnaire.objects.create(version=last_version + 1, is_current=True)
    rows = [_element_copy(new, q) for q in elements]
    rows += [
        Question(
            questionnaire=new,
            position=len(elements) + index,
            kind=extra.kind,
            text_id=extra.text_id,
            text_en=extra.text_en,
            choices=extra.stored_choices(),
            required=extra.required,
        )
        for index, extra in enumerate(extras, start=1)
    ]
    Question.objects.bulk_create(rows)
    audit_record(
        actor=acting_user,
        action="questionnaire.version_created",
        target=new,
        regency=regency,
        before={"version": current.version, "extras": _summary(questions)},
        after={"version": new.version, "extras": _summary(rows)},
    )
    return new


def _element_copy(questionnaire: Questionnaire, question: Question) -> Question:
    return Question(
        questionnaire=questionnaire,
        position=question.position,
        kind=question.kind,
        element_code=question.element_code,
        text_id=question.text_id,
        text_en=question.text_en,
        choices=question.choices,
        required=question.required,
    )


def _summary(questions: list[Question]) -> list[dict]:
    return [
        {"kind": q.kind, "text_id": q.text_id, "choices": q.choices, "required": q.required}
        for q in questions
        if q.kind != QuestionKind.ELEMENT
    ]


@transaction.atomic
def questionnaire_extra_add(
    *, acting_user, extra: ExtraQuestion, regency: Regency | None = None
) -> Questionnaire:
    """Add a local question after the others; returns the new current version."""
    regency = current_regency(regency)
    extra = extra.cleaned()
    return _questionnaire_replace(
        acting_user=acting_user, regency=regency, change=lambda extras: [*extras, extra]
    )


@transaction.atomic
def questionnaire_extra_update(
    *, acting_user, question: Question, extra: ExtraQuestion, regency: Regency | None = None
) -> Questionnaire:
    """Change a local question of the current version; returns the new current version."""
    regency = current_regency(regency)
    questionnaire_install_standard()
    current = Questionnaire.objects.select_for_update().get(is_current=True)
    index = _extra_of_current(question, current)
    extra = extra.cleaned()

    def change(extras):
        extras[index] = extra
        return extras

    return _questionnaire_replace(acting_user=acting_user, regency=regency, change=change)


@transaction.atomic
def questionnaire_extra_remove(
    *, acting_user, question: Question, regency: Regency | None = None
) -> Questionnaire:
    """Drop a local question from the next version; returns the new current version."""
    regency = current_regency(regency)
    questionnaire_install_standard()
    current = Questionnaire.objects.select_for_update().get(is_current=True)
    index = _extra_of_current(question, current)
    return _questionnaire_replace(
        acting_user=acting_user,
        regency=regency,
        change=lambda extras: extras[:index] + extras[index + 1 :],
    )
