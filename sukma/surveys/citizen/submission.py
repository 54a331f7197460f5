"""A citizen's response: checked, flagged, stored and counted, in one statement.

With a suggestion, the same statement opens its complaint case.

Impossible submissions are refused with a message the citizen can act on
and change nothing. Suspicious ones (a burst from one address at one
counter, all-identical answers, done in under 10 seconds) are stored and
counted but flagged for an admin to look at: flagging never silently drops.
Anonymity: the device token and the address are stored only as keyed
hashes; the address key changes every day.
"""

import functools
import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from sukma.surveys.complaints.models import Case
from sukma.surveys.complaints.services import case_for
from sukma.surveys.method.elements import ELEMENT_CODES
from sukma.surveys.models import (
    PROFILE_FIELDS,
    PROFILE_VALUES,
    AgeBand,
    Period,
    Question,
    QuestionKind,
    Response,
)
from sukma.surveys.recording.prepared import (
    Numbered,
    as_text,
    fetch_prepared,
    in_schema,
    param_type,
)
from sukma.surveys.recording.totals import rows_per_response, totals_ctes

log = logging.getLogger(__name__)

FAST_SECONDS = 10
BURST_WINDOW = timedelta(minutes=10)
BURST_LIMIT = 5  # this many from one address at one counter within the window is a burst
OLDEST_SERVICE_DAYS = 30
SUGGESTION_MAX = 2000
VERSION_MAX = 2**31 - 1  # a PostgreSQL integer: a larger one is refused, not a database error
ID_MAX = 2**63 - 1  # a PostgreSQL bigint
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
class Context:
    """What a submission is judged against, read in one query: its counter, service, version."""

    point_id: int
    agency_id: int
    service_id: int
    questionnaire_id: int
    extras: list[Question]  # the version's local questions


@dataclass(frozen=True)
class Place:
    """Where the citizen says the response belongs, as sent: the statement storing it checks it."""

    code: str
    service_id: int | None
    version: int
    extras_checked: bool  # its local answers were checked against the version's questions


def keyed_hash(purpose: str, value: str) -> str:
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


# Where a response may go, as SQL: the storing statement and _context both use these.
def _point_of_code(schema: str = "") -> str:
    return f"""{in_schema("surveys_servicepoint", schema)} p
    JOIN {in_schema("surveys_agency", schema)} a ON a.id = p.agency_id AND a.active"""


POINT_ACTIVE = "p.code = %(code)s AND p.active"
SERVICE_OF_POINT = """s.id = COALESCE(%(service)s::bigint, p.default_service_id)
     AND s.agency_id = p.agency_id AND s.active"""
VERSION_SENT = "q.version = %(version)s::integer"

CONTEXT_SQL = f"""
SELECT p.id, p.agency_id,
       (SELECT s.id FROM surveys_service s WHERE {SERVICE_OF_POINT}),
       q.id,
       (SELECT COALESCE(json_agg(json_build_array(x.id, x.kind, x.choices, x.required)
                                 ORDER BY x.position), '[]')
          FROM surveys_question x WHERE x.questionnaire_id = q.id AND x.kind <> 'element')
  FROM {_point_of_code()}
  LEFT JOIN surveys_questionnaire q ON {VERSION_SENT}
 WHERE {POINT_ACTIVE}
"""


def _context(code: str, service_id: int | None, version: int) -> Context:
    """The counter, the chosen (or preset) service and the version, or the refusal that fits."""
    with connection.cursor() as cursor:
        cursor.execute(CONTEXT_SQL, {"code": code, "service": service_id, "version": version})
        row = cursor.fetchone()
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


def _service_date(given: date | None, today: date) -> date:
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


def _flags_known_now(response: Response) -> list[str]:
    """The flags a response's own content shows; a burst is counted where it is stored."""
    flags = []
    answers = [a for a in response.answers().values() if a is not None]
    if len(answers) == len(ELEMENT_CODES) and len(set(answers)) == 1:
        flags.append(Flag.IDENTICAL)
    if response.seconds_to_complete is not None and response.seconds_to_complete < FAST_SECONDS:
        flags.append(Flag.FAST)
    return flags


# The statement resolves these itself, from the counter's code, the service and the version,
# and a complaint case's from the response it stores.
RESOLVED = ("service_point_id", "service_id", "questionnaire_id")
CASE_RESOLVED = ("response_id", "agency_id")


@functools.cache
def sent_fields(model: type[models.Model], resolved: tuple[str, ...]) -> list[models.Field]:
    """The columns the statement inserts from parameters: all but the key and `resolved`."""
    fields = model._meta.concrete_fields
    return [f for f in fields if not f.primary_key and f.column not in resolved]


def _placeholders(fields: list[models.Field], prefix: str) -> list[str]:
    return [f"%({prefix}{n})s::{param_type(f)}" for n, f in enumerate(fields)]


def _params(instance: models.Model, fields: list[models.Field], prefix: str) -> dict:
    """pre_save: the values Django's own insert would store (auto_now included)."""
    return {f"{prefix}{n}": as_text(f, f.pre_save(instance, True)) for n, f in enumerate(fields)}


def _opened_cte(schema: str) -> str:
    """WITH part storing the complaint case of the response `inserted` holds (if it holds one)."""
    fields = sent_fields(Case, CASE_RESOLVED)
    columns = [*CASE_RESOLVED, *(f.column for f in fields)]
    values = ["i.id", "target.agency_id", *_placeholders(fields, "c")]
    return f"""opened AS (
  INSERT INTO {in_schema(Case._meta.db_table, schema)} ({", ".join(columns)})
  SELECT {", ".join(values)} FROM inserted i, target
  RETURNING 1
)"""


@functools.lru_cache(maxsize=256)
def _store_sql(schema: str, opens_case: bool) -> Numbered:
    """Resolve, guard, insert and count one response in ONE statement (atomic by itself).

    Every table is named with the regency's schema (see fetch_prepared).

    `target` is the counter of that code with its agency active, the service
    chosen (or preset) if it is an active service of that agency, and the
    version; without checked local answers, a version with a required local
    question fails it. The covering periods are read FOR SHARE (see
    locked_period_covering) and a locked one inserts nothing; so does a second
    response from the same device to the same service on the same day. The
    burst count reads the responses committed before this one. The totals read
    the inserted row; with `opens_case`, so does the complaint case that a
    suggestion opens (a response without one runs the statement without that
    part: each table a statement names costs every run of it, written or not).
    Inserting nothing tells response_submit to find out why.
    """
    fields = sent_fields(Response, RESOLVED)
    columns = [*RESOLVED, *(f.column for f in fields)]
    values = [*(f"target.{c}" for c in RESOLVED), *_placeholders(fields, "v")]
    values[columns.index("flags")] = (
        f"CASE WHEN %(address)s <> '' AND burst.recent + 1 >= {int(BURST_LIMIT)} "
        "THEN %(flags_burst)s::jsonb ELSE %(flags)s::jsonb END"
    )
    totals, touched = totals_ctes("inserted", sign=+1, schema=schema)
    writes = [*totals, _opened_cte(schema)] if opens_case else totals
    return Numbered.of(f"""
WITH target AS (
  SELECT p.id AS service_point_id, s.id AS service_id, q.id AS questionnaire_id, p.agency_id
    FROM {_point_of_code(schema)}
    JOIN {in_schema("surveys_service", schema)} s ON {SERVICE_OF_POINT}
    JOIN {in_schema("surveys_questionnaire", schema)} q ON {VERSION_SENT}
   WHERE {POINT_ACTIVE}
     AND (%(extras_checked)s::boolean OR NOT EXISTS (
       SELECT 1 FROM {in_schema("surveys_question", schema)} x
        WHERE x.questionnaire_id = q.id AND x.kind <> 'element' AND x.required))
), covering AS (
  SELECT locked FROM {in_schema("surveys_period", schema)}
   WHERE starts_on <= %(day)s::date AND ends_on >= %(day)s::date FOR SHARE
), burst AS (
  SELECT count(*) AS recent FROM {in_schema("surveys_response", schema)} r, target
   WHERE r.service_point_id = target.service_point_id AND r.address_hash = %(address)s
     AND r.submitted_at >= %(since)s::timestamptz
), inserted AS (
  INSERT INTO {in_schema("surveys_response", schema)} ({", ".join(columns)})
  SELECT {", ".join(values)} FROM target, burst
   WHERE NOT EXISTS (SELECT 1 FROM covering WHERE locked)
  ON CONFLICT (device_hash, service_id, service_date) WHERE NOT (device_hash = '') DO NOTHING
  RETURNING *
), {", ".join(writes)}
SELECT i.id, i.flags, {", ".join(f"i.{c}" for c in RESOLVED)}, {touched}
  FROM inserted i""")


def _store(response: Response, place: Place, now: datetime, case: Case | None) -> None:
    """Insert the response (and its case), add it to its totals, or raise the refusal."""
    params = _params(response, sent_fields(Response, RESOLVED), "v")
    if case is not None:
        params |= _params(case, sent_fields(Case, CASE_RESOLVED), "c")
    flags = Response._meta.get_field("flags")
    params |= {
        "code": place.code,
        "service": None if place.service_id is None else str(place.service_id),
        "version": str(place.version),
        "extras_checked": "true" if place.extras_checked else "false",
        "day": str(response.service_date),
        "address": response.address_hash,
        "since": str(now - BURST_WINDOW),
        "flags": as_text(flags, response.flags),
        "flags_burst": as_text(flags, [*response.flags, Flag.BURST]),
    }
    row = fetch_prepared(_store_sql(connection.schema_name, case is not None), params)
    if row is None:
        _explain_refusal(response, place)
    response.pk, stored_flags, *ids, touched = row
    response.flags = flags.from_db_value(stored_flags, None, connection)
    for column, value in zip(RESOLVED, ids, strict=True):
        setattr(response, column, value)
    response._state.adding = False
    if touched != rows_per_response(response):  # a bug; the response is stored already
        log.error("response %s touched %s totals rows", response.pk, touched)


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


def response_submit(submission: Submission, *, now: datetime | None = None) -> Response:
    """Check, flag, store and count one response. Raises ValidationError, changing nothing."""
    now = now or timezone.now()
    place = _place(submission)
    # Local answers are checked against their version's questions before storing;
    # without any, the storing statement itself resolves the counter, service and version.
    extras = {}
    if place.extras_checked:
        context = _context(place.code, place.service_id, place.version)
        extras = _extras(context.extras, submission.extra_answers)
    answers = _check_answers(submission.answers)
    profile = _profile(submission.profile, submission.age)
    today = timezone.localdate(now)
    day = _service_date(submission.service_date, today)
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
        device_hash=keyed_hash("device", submission.device_token)
        if submission.device_token
        else "",
        address_hash=keyed_hash(f"address:{today}", submission.address)
        if submission.address
        else "",
        seconds_to_complete=_seconds(submission.started_at, now),
        **{code.lower(): value for code, value in answers.items()},
        **profile,
    )
    response.flags = _flags_known_now(response)
    _store(response, place, now, case_for(response))  # one statement: atomic by itself
    return response


def _seconds(started_at: datetime | None, now: datetime) -> int | None:
    if started_at is None:
        return None
    return max(0, int((now - started_at).total_seconds()))
