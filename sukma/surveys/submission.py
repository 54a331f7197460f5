"""A citizen's response: checked, flagged, stored and counted, in one transaction.

Impossible submissions are refused with a message the citizen can act on
and change nothing. Suspicious ones (a burst from one address at one
counter, all-identical answers, done in under 10 seconds) are stored and
counted but flagged for an admin to look at: flagging never silently drops.
Anonymity: the device token and the address are stored only as keyed
hashes; the address key changes every day.
"""

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sukma.surveys.complaints.services import case_open
from sukma.surveys.elements import ELEMENT_CODES
from sukma.surveys.models import (
    PROFILE_FIELDS,
    AgeBand,
    Period,
    Question,
    QuestionKind,
    Questionnaire,
    Response,
    Service,
    ServicePoint,
)
from sukma.surveys.totals import totals_apply

FAST_SECONDS = 10
BURST_WINDOW = timedelta(minutes=10)
BURST_LIMIT = 5  # this many from one address at one counter within the window is a burst
OLDEST_SERVICE_DAYS = 30
SUGGESTION_MAX = 2000
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud, typed on phones


class Flag:
    BURST = "burst"
    IDENTICAL = "identical"
    FAST = "fast"


@dataclass(frozen=True)
class Submission:
    """What a citizen sent, as the page or the API parsed it (answers keyed U1..U9)."""

    service_point_code: str
    answers: Mapping[str, int | None]
    questionnaire_version: int
    service_id: int | None = None
    profile: Mapping[str, str] = field(default_factory=dict)
    age: int | None = None
    extra_answers: Mapping[str, str] = field(default_factory=dict)
    suggestion: str = ""
    service_date: date | None = None
    device_token: str = ""
    address: str = ""
    started_at: datetime | None = None


@dataclass(frozen=True)
class Loaded:
    """What the page already read for this submission, so it is not read twice.

    Only a shortcut: anything that does not match the submission (another
    code, another version) is looked up again under the usual rules.
    """

    point: ServicePoint
    services: list[Service]
    questionnaire: Questionnaire | None = None
    extras: list[Question] | None = None


def keyed_hash(purpose: str, value: str) -> str:
    key = hashlib.sha256(f"{settings.SECRET_KEY}:{purpose}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def answers_from_pairs(pairs: Iterable[tuple[str, object]]) -> dict[str, int | None]:
    """Element answers from (code, value) pairs; an element given twice is refused."""
    answers: dict[str, int | None] = {}
    for code, value in pairs:
        code = str(code).upper()
        if code in answers:
            raise ValidationError(
                {"answers": _("Element %(code)s was answered twice.") % {"code": code}}
            )
        answers[code] = _answer_value(code, value)
    return answers


def _answer_value(code: str, value: object) -> int | None:
    if value in (None, "", "0", "na"):
        return None  # left blank or "tidak berlaku": excluded from this element's denominator
    try:
        number = int(str(value))
    except ValueError:
        number = 0
    if not 1 <= number <= 4:
        raise ValidationError(
            {"answers": _("The answer to %(code)s must be 1 to 4.") % {"code": code}}
        )
    return number


def _check_answers(answers: Mapping[str, int | None]) -> dict[str, int | None]:
    unknown = sorted(set(answers) - set(ELEMENT_CODES))
    if unknown:
        raise ValidationError(
            {"answers": _("Unknown element: %(codes)s.") % {"codes": ", ".join(unknown)}}
        )
    checked = {code: _answer_value(code, answers.get(code)) for code in ELEMENT_CODES}
    if all(value is None for value in checked.values()):
        raise ValidationError({"answers": _("Answer at least one of the nine questions.")})
    return checked


def _service_point(code: str) -> ServicePoint:
    point = (
        ServicePoint.objects.select_related("agency", "default_service")
        .filter(code=str(code).strip().upper(), active=True, agency__active=True)
        .first()
    )
    if point is None:
        raise ValidationError(
            {"service_point": _("This service point is unknown here. Scan the QR code again.")}
        )
    return point


def _service(point: ServicePoint, service_id: int | None, loaded: Loaded | None) -> Service:
    chosen = service_id if service_id is not None else point.default_service_id
    if loaded is not None:
        for service in loaded.services:
            if service.pk == chosen and service.active and service.agency_id == point.agency_id:
                return service
    service = (
        Service.objects.filter(pk=chosen, agency_id=point.agency_id, active=True).first()
        if chosen is not None
        else None
    )
    if service is None:
        raise ValidationError({"service": _("Choose the service you received at this place.")})
    return service


def _questionnaire(version: int) -> Questionnaire:
    questionnaire = Questionnaire.objects.filter(version=version).first()
    if questionnaire is None:
        raise ValidationError(
            {"questionnaire_version": _("This form is out of date. Please open it again.")}
        )
    return questionnaire


def _profile(profile: Mapping[str, str], age: int | None) -> dict[str, str]:
    checked = {}
    for name, choices in PROFILE_FIELDS.items():
        value = str(profile.get(name) or "")
        if name == "age_band" and not value and age is not None:
            value = age_band_for(age)
        if value and value not in choices.values:
            raise ValidationError({name: _("Choose one of the options offered.")})
        checked[name] = value
    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(
            {"profile": _("Unknown profile field: %(f)s.") % {"f": ", ".join(sorted(unknown))}}
        )
    return checked


def age_band_for(age: int) -> str:
    if not isinstance(age, int) or age < 17 or age > 120:
        raise ValidationError({"age": _("Age must be a whole number of years, 17 or over.")})
    for band in AgeBand.values:
        low, _sep, high = band.partition("-")
        if age >= int(low.rstrip("+")) and (not high or age <= int(high)):
            return band
    raise AssertionError("age bands cover 17 and over")


def _extra_questions(questionnaire: Questionnaire, loaded: Loaded | None) -> list[Question]:
    if loaded is not None and loaded.extras is not None and loaded.questionnaire == questionnaire:
        return loaded.extras
    return list(
        Question.objects.filter(questionnaire=questionnaire).exclude(kind=QuestionKind.ELEMENT)
    )


def _extras(questions: list[Question], given: Mapping[str, str]) -> dict[str, str]:
    questions = {str(q.pk): q for q in questions}
    unknown = set(map(str, given)) - set(questions)
    if unknown:
        raise ValidationError({"extra_answers": _("Unknown question.")})
    checked = {}
    for key, question in questions.items():
        value = str(given.get(key, "") or "").strip()
        if not value:
            if question.required:
                raise ValidationError({f"extra_{key}": _("This question needs an answer.")})
            continue
        checked[key] = _extra_value(question, value, key)
    return checked


def _extra_value(question: Question, value: str, key: str) -> str:
    if question.kind == QuestionKind.TEXT:
        return value[:1000]
    if question.kind == QuestionKind.CHOICE and value in _choice_values(question.choices):
        return value
    if (
        question.kind == QuestionKind.SCALE
        and value.isdigit()
        and 1 <= int(value) <= max(2, len(question.choices) or 5)
    ):
        return value
    raise ValidationError({f"extra_{key}": _("Choose one of the options offered.")})


def _choice_values(choices: list) -> list[str]:
    """A choice question's answers: its Indonesian labels ([[id...], [en...]]) or a flat list."""
    if choices and isinstance(choices[0], list):
        return [str(c) for c in choices[0]]
    return [str(c) for c in choices]


def _service_date(given: date | None, now: datetime) -> date:
    today = timezone.localdate(now)
    day = given or today
    if day > today:
        raise ValidationError({"service_date": _("The date of service cannot be in the future.")})
    if day < today - timedelta(days=OLDEST_SERVICE_DAYS):
        raise ValidationError({"service_date": _("The date of service is more than 30 days ago.")})
    return day


def locked_period_covering(day: date) -> Period | None:
    """The locked period covering a day, if any, holding a share lock on every covering period.

    Called inside the writing transaction, the lock makes period_lock (which
    takes its row FOR UPDATE) wait for the write to commit, and a write that
    comes after the lock sees it: no response slips into a period as it closes.
    """
    covering = Period.objects.raw(
        "SELECT * FROM surveys_period WHERE starts_on <= %s AND ends_on >= %s FOR SHARE",
        [day, day],
    )
    return next((period for period in covering if period.locked), None)


def check_day_writable(day: date) -> None:
    period = locked_period_covering(day)
    if period is not None:
        raise ValidationError(
            {
                "period": _("Period %(period)s is closed; its figures can no longer change.")
                % {"period": period.label}
            }
        )


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10))


def _flags(response: Response, point: ServicePoint, now: datetime) -> list[str]:
    flags = []
    answers = [a for a in response.answers().values() if a is not None]
    if len(answers) == len(ELEMENT_CODES) and len(set(answers)) == 1:
        flags.append(Flag.IDENTICAL)
    if response.seconds_to_complete is not None and response.seconds_to_complete < FAST_SECONDS:
        flags.append(Flag.FAST)
    if response.address_hash:
        recent = Response.objects.filter(
            service_point=point,
            address_hash=response.address_hash,
            submitted_at__gte=now - BURST_WINDOW,
        ).count()
        if recent + 1 >= BURST_LIMIT:
            flags.append(Flag.BURST)
    return flags


def response_submit(
    submission: Submission, *, now: datetime | None = None, loaded: Loaded | None = None
) -> Response:
    """Check, flag, store and count one response. Raises ValidationError, changing nothing."""
    now = now or timezone.now()
    code = str(submission.service_point_code).strip().upper()
    point = loaded.point if loaded and loaded.point.code == code else _service_point(code)
    service = _service(point, submission.service_id, loaded)
    questionnaire = (
        loaded.questionnaire
        if loaded and loaded.questionnaire
        and loaded.questionnaire.version == submission.questionnaire_version
        else _questionnaire(submission.questionnaire_version)
    )
    answers = _check_answers(submission.answers)
    profile = _profile(submission.profile, submission.age)
    extras = _extras(_extra_questions(questionnaire, loaded), submission.extra_answers)
    day = _service_date(submission.service_date, now)
    suggestion = submission.suggestion.strip()
    if len(suggestion) > SUGGESTION_MAX:
        raise ValidationError({"suggestion": _("Keep the suggestion under 2,000 characters.")})

    response = Response(
        questionnaire=questionnaire,
        service=service,
        service_point=point,
        service_date=day,
        submitted_at=now,
        age=submission.age,
        extra_answers=extras,
        suggestion=suggestion,
        tracking_code=new_tracking_code() if suggestion else None,
        device_hash=keyed_hash("device", submission.device_token)
        if submission.device_token
        else "",
        address_hash=keyed_hash(f"address:{timezone.localdate(now)}", submission.address)
        if submission.address
        else "",
        seconds_to_complete=_seconds(submission.started_at, now),
        **{code.lower(): value for code, value in answers.items()},
        **profile,
    )
    response.flags = _flags(response, point, now)
    try:
        with transaction.atomic():
            check_day_writable(day)
            response.save()
            totals_apply(response, sign=+1)
            case_open(response=response)  # a suggestion becomes a case for its agency
    except IntegrityError as exc:
        if "one_response_per_device_service_day" in str(exc):
            raise ValidationError(
                {"device": _("You have already rated this service today. Thank you!")}
            ) from exc
        raise
    return response


def _seconds(started_at: datetime | None, now: datetime) -> int | None:
    if started_at is None:
        return None
    return max(0, int((now - started_at).total_seconds()))
