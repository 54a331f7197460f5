"""A citizen's response: the survey's rules, then one call that stores and counts it.

Impossible submissions are refused with a message the citizen can act on
and change nothing. Suspicious ones (all-identical answers, done in under
10 seconds, many from one address at one counter) are stored and counted
but flagged for an admin to look at. Ones that look automated (a burst
within seconds from one address at one counter, which the storing statement
counts, or a page's post without its genuine "opened at" stamp) are stored
but held out of the index until a moderator admits them: nothing is ever
silently dropped. Anonymity: the device token and the address are stored
only as keyed hashes; the address key changes every day.

Exactly once: each submission carries a key made by its client. A repeat of
a key (a double tap, a retry, an offline resend) stores nothing and gets the
original response back. A kiosk's or an operator's submission is always a
new respondent: no device or address rule applies to it; a kiosk's are
paced instead (Flag.PACE).

The response is stored, with a suggestion's complaint case and the totals
it moves, by one SQL statement: sukma.surveys.recording.statement, where
its parts and the reason for it are written down.
"""

import functools
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from sukma import metrics
from sukma.forms import whole_number
from sukma.surveys.complaints.services import case_for
from sukma.surveys.kiosks.models import Kiosk
from sukma.surveys.method.elements import ELEMENT_CODES
from sukma.surveys.models import (
    PROFILE_FIELDS,
    PROFILE_VALUES,
    AgeBand,
    Channel,
    Flag,
    Question,
    QuestionKind,
    Response,
)
from sukma.surveys.recording.bursts import burst_hold_earlier
from sukma.surveys.recording.hash_keys import ADDRESS, DEVICE, hash_key
from sukma.surveys.recording.periods import check_day_writable
from sukma.surveys.recording.statement import Place, context_read, response_store

FAST_SECONDS = 10
OLDEST_SERVICE_DAYS = 30
KIOSK_PACE = timedelta(seconds=20)  # sooner after the previous answer on one kiosk: flagged
CLOCK_SKEW = timedelta(minutes=5)  # a device clock this far ahead is taken as "now"
SUBMISSION_KEY = re.compile(r"\A[A-Za-z0-9_\-]{16,64}\Z")
SUGGESTION_MAX = 2000
VERSION_MAX = 2**31 - 1  # a PostgreSQL integer: a larger one is refused, not a database error
ID_MAX = 2**63 - 1  # a PostgreSQL bigint
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud, typed on phones


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
    stamped: bool = True  # the form's signed "opened at" stamp came back genuine
    submission_key: str = ""  # made by the client; a repeat returns the original response
    channel: str = Channel.PHONE
    answered_at: datetime | None = None  # sent later than answered (offline): when answered
    kiosk_id: int | None = None  # the kiosk's credential was checked by the caller
    entered_by: int | None = None  # the operator of an assisted entry


@dataclass(frozen=True)
class Context:
    """What a submission is judged against, read in one query: its counter, service, version."""

    point_id: int
    agency_id: int
    service_id: int
    questionnaire_id: int
    extras: list[Question]  # the version's local questions


def keyed_hash(purpose: str, value: str) -> str:
    """A signature or short-lived cache key made with SECRET_KEY; never stored with a response."""
    return hmac.new(_hash_key(settings.SECRET_KEY, purpose), value.encode(), "sha256").hexdigest()


@functools.lru_cache(maxsize=64)
def _hash_key(secret: str, purpose: str) -> bytes:
    """One key per purpose (the address's changes daily), derived once, not on every hash."""
    return hashlib.sha256(f"{secret}:{purpose}".encode()).digest()


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


def _context(code: str, service_id: int | None, version: int) -> Context:
    """The counter, the chosen (or preset) service and the version, or the refusal that fits."""
    row = context_read(code, service_id, version)
    if row is None:
        raise ValidationError(
            {"service_point": _("This service point is unknown here. Scan the QR code again.")}
        )
    point_id, agency_id, service, questionnaire, extras = row
    if service is None:
        _refuse_service()
    if questionnaire is None:
        _refuse_version()
    questions = [
        Question(pk=pk, questionnaire_id=questionnaire, kind=kind, choices=choices, required=req)
        for pk, kind, choices, req in extras
    ]
    return Context(point_id, agency_id, service, questionnaire, questions)


def _refuse_service():
    raise ValidationError({"service": _("Choose the service you received at this place.")})


def _refuse_version():
    raise ValidationError(
        {"questionnaire_version": _("This form is out of date. Please open it again.")}
    )


def _place(submission: Submission) -> Place:
    """Where the submission says it belongs; a number no column can hold is refused here."""
    if not 1 <= submission.questionnaire_version <= VERSION_MAX:
        _refuse_version()
    if submission.service_id is not None and not 1 <= submission.service_id <= ID_MAX:
        _refuse_service()
    return Place(
        code=str(submission.service_point_code).strip().upper(),
        service_id=submission.service_id,
        version=submission.questionnaire_version,
        extras_checked=bool(submission.extra_answers),
    )


def _profile(profile: Mapping[str, str], age: int | None) -> dict[str, str]:
    checked = {}
    for name, values in PROFILE_VALUES.items():
        value = str(profile.get(name) or "")
        if name == "age_band" and not value and age is not None:
            value = age_band_for(age)
        if value and value not in values:
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
    number = whole_number(value)
    if (
        question.kind == QuestionKind.SCALE
        and number is not None
        and 1 <= number <= max(2, len(question.choices) or 5)
    ):
        return value
    raise ValidationError({f"extra_{key}": _("Choose one of the options offered.")})


def _choice_values(choices: list) -> list[str]:
    """A choice question's answers: its Indonesian labels ([[id...], [en...]]) or a flat list."""
    if choices and isinstance(choices[0], list):
        return [str(c) for c in choices[0]]
    return [str(c) for c in choices]


def _answered_at(given: datetime | None, now: datetime) -> datetime | None:
    """When an answer sent later was given: never in the future, never before the oldest day."""
    if given is None:
        return None
    if given > now + CLOCK_SKEW:
        raise ValidationError({"answered_at": _("The time of answering cannot be in the future.")})
    oldest = timezone.localdate(now) - timedelta(days=OLDEST_SERVICE_DAYS)
    if timezone.localdate(given) < oldest:
        raise ValidationError(
            {"answered_at": _("This answer was given more than 30 days ago: too late to count.")}
        )
    return min(given, now)


def _submission_key(key: str) -> str:
    if key and not SUBMISSION_KEY.match(key):
        raise ValidationError(
            {"submission_key": _("The submission key must be 16 to 64 letters, digits, - or _.")}
        )
    return key


def _service_date(given: date | None, answered: date, today: date) -> date:
    """The day served: as given, else the day answered; never in the future, never too old."""
    day = given or answered
    if day > today:
        raise ValidationError({"service_date": _("The date of service cannot be in the future.")})
    if day < today - timedelta(days=OLDEST_SERVICE_DAYS):
        raise ValidationError({"service_date": _("The date of service is more than 30 days ago.")})
    return day


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10))


def _flags_known_now(response: Response) -> list[str]:
    """The flags a response's own content shows; a burst is counted where it is stored."""
    flags = []
    answers = [a for a in response.answers().values() if a is not None]
    if len(answers) == len(ELEMENT_CODES) and len(set(answers)) == 1:
        flags.append(Flag.IDENTICAL)
    if response.seconds_to_complete is not None and response.seconds_to_complete < FAST_SECONDS:
        flags.append(Flag.FAST)
    return flags


def _paced_too_fast(kiosk_id: int, answered: datetime) -> bool:
    """Whether this kiosk's previous answer was given less than KIOSK_PACE before this one.

    Compared by when each was answered, not when it arrived: a kiosk sending its
    offline answers all at once is not too fast.
    """
    previous = Kiosk.objects.filter(pk=kiosk_id).values_list("last_answered_at", flat=True).first()
    return previous is not None and abs(answered - previous) < KIOSK_PACE


def _kiosk_seen(kiosk_id: int, answered: datetime, now: datetime) -> None:
    Kiosk.objects.filter(pk=kiosk_id).update(last_seen_at=now, last_answered_at=answered)


def _explain_refusal(response: Response, place: Place) -> None:
    """Why the statement inserted nothing, as the refusal the citizen can act on."""
    context = _context(place.code, place.service_id, place.version)
    if not place.extras_checked:
        _extras(context.extras, {})  # a required local question was left out
    check_day_writable(response.service_date)
    if response.device_hash:
        raise ValidationError(
            {"device": _("You have already rated this service today. Thank you!")}
        )
    raise ValidationError(
        {"submission": _("The response could not be stored. Please send it again.")}
    )


def _original(key: str) -> Response | None:
    """The response stored earlier under this submission key, if any."""
    if not key:
        return None
    return Response.objects.filter(submission_key=key).first()


def response_submit(submission: Submission, *, now: datetime | None = None) -> Response:
    """Check, flag, store and count one response. Raises ValidationError, changing nothing.

    A repeat of a submission key returns the response first stored under it.
    """
    now = now or timezone.now()
    key = _submission_key(submission.submission_key)
    place = _place(submission)
    # Local answers are checked against their version's questions before storing;
    # without any, the storing statement itself resolves the counter, service and version.
    extras = {}
    if place.extras_checked:
        context = _context(place.code, place.service_id, place.version)
        extras = _extras(context.extras, submission.extra_answers)
    answers = _check_answers(submission.answers)
    profile = _profile(submission.profile, submission.age)
    answered = _answered_at(submission.answered_at, now)
    day = _service_date(
        submission.service_date, timezone.localdate(answered or now), timezone.localdate(now)
    )
    suggestion = submission.suggestion.strip()
    if len(suggestion) > SUGGESTION_MAX:
        raise ValidationError({"suggestion": _("Keep the suggestion under 2,000 characters.")})

    response = Response(
        service_date=day,
        submitted_at=now,
        age=submission.age,
        extra_answers=extras,
        suggestion=suggestion,
        tracking_code=new_tracking_code() if suggestion else None,
        seconds_to_complete=_seconds(submission.started_at, answered or now),
        channel=submission.channel,
        submission_key=key,
        answered_at=answered,
        kiosk_id=submission.kiosk_id,
        entered_by=submission.entered_by,
        **_hashes(submission, now, day),
        **{code.lower(): value for code, value in answers.items()},
        **profile,
    )
    response.flags = _flags_known_now(response)
    if submission.channel == Channel.PHONE and not submission.stamped:
        response.flags.append(Flag.UNSTAMPED)
        response.held = response.excluded = True
    if submission.kiosk_id and _paced_too_fast(submission.kiosk_id, answered or now):
        response.flags.append(Flag.PACE)
    if response_store(response, place, now=now, case=case_for(response)):
        metrics.SUBMISSIONS.labels(regency=connection.schema_name).inc()
        if Flag.BURST in response.flags:
            burst_hold_earlier(response, now)
        if submission.kiosk_id:
            _kiosk_seen(submission.kiosk_id, answered or now, now)
        return response
    original = _original(key)
    if original is not None:
        return original  # a repeat: the first one's answer, nothing new stored
    _explain_refusal(response, place)


def _hashes(submission: Submission, now: datetime, day: date) -> dict[str, str]:
    """The device's and the address's keyed hashes, which the once-a-day and burst rules use.

    Keyed by the rotating random keys of sukma/surveys/recording/hash_keys.py: the device's
    by the month of the service date, the address's by today. A kiosk's or an operator's
    submission has neither: each is a new respondent.
    """
    if submission.channel != Channel.PHONE:
        return {"device_hash": "", "address_hash": ""}
    token, address = submission.device_token, submission.address
    return {
        "device_hash": respondent_hash(DEVICE, token, day) if token else "",
        "address_hash": (
            respondent_hash(ADDRESS, address, timezone.localdate(now)) if address else ""
        ),
    }


def respondent_hash(purpose: str, value: str, day: date) -> str:
    return hmac.new(hash_key(purpose, day), value.encode(), "sha256").hexdigest()


def _seconds(started_at: datetime | None, now: datetime) -> int | None:
    if started_at is None:
        return None
    return max(0, int((now - started_at).total_seconds()))
