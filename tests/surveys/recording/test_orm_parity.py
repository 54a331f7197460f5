"""The citizen's statement stores exactly what the ORM would: every column, the case, the totals.

Each case sends the same submissions twice through response_submit, its rules
unchanged: once to a counter whose responses the real statement stores, once
to a twin counter of the same agency where a plain-ORM reference stores them
instead: Response.save(), Case.save(), and totals computed in Python and
upserted through the ORM. Each twin has services of its own, a preset one
and one a citizen may choose. Everything the two stored must be the same,
column by column, once what is each twin's own is named by its role: keys,
counter, services, the response a case belongs to, and the tracking codes
(unique in the schema: each twin draws them from its own numbered series).

It fails if the statement stops sending a column (a new field of Response or
Case included), stores a value differently, or counts a total differently.
Refusals are tested in tests/surveys/citizen/test_submission.py.
"""

import datetime
import itertools
from dataclasses import dataclass

import pytest
from django.db import connection
from django.utils import timezone

from sukma.surveys.citizen import submission
from sukma.surveys.citizen.submission import Submission, response_submit
from sukma.surveys.complaints.models import Case
from sukma.surveys.models import (
    ELEMENT_FIELDS,
    PROFILE_FIELDS,
    DailyProfileTotals,
    DailyServiceTotals,
    Flag,
    MonthlyServiceTotals,
    Questionnaire,
    Response,
    Service,
    ServicePoint,
)
from sukma.surveys.recording.statement import BURST_LIMIT, BURST_WINDOW, Place
from sukma.surveys.structure.services import ExtraQuestion, questionnaire_extra_add
from tests.surveys.conftest import ALL_FOUR

NOW = timezone.make_aware(datetime.datetime(2026, 11, 20, 10, 0))
VARIED = {"U1": 4, "U2": 3, "U3": 4, "U4": 2, "U5": 3, "U6": 4, "U7": 1, "U8": 3, "U9": 4}
EVERY_PROFILE_FIELD = {
    "sex": "P",
    "education": "D4-S1",
    "occupation": "WIRAUSAHA",
    "disability": "sensorik",
    "service_session": "siang",
}

# What each twin sends, keyed by what it shows. `minutes` after NOW it is sent; `days`
# before the day it is sent, the service was given; `seconds` it took to fill in.
CASES = {
    "plain": [{"answers": VARIED}],
    "with a suggestion": [
        {"answers": VARIED, "suggestion": "Antrean terlalu lama, kursi kurang."},
        {"answers": VARIED, "minutes": 1},
    ],
    "with blanks": [
        {"answers": {**VARIED, "U2": None, "U9": None}},
        {"answers": {**ALL_FOUR, "U5": None}, "minutes": 1},
    ],
    "with profile fields": [
        {"answers": VARIED, "age": 40, "profile": EVERY_PROFILE_FIELD},
        {"answers": VARIED, "profile": {"sex": "L", "age_band": "17-25"}, "chosen": True},
        {"answers": {**VARIED, "U3": 1}, "profile": {"sex": "L"}, "minutes": 2},
    ],
    "with local answers": [
        {"answers": VARIED, "local": {"scale": "4", "choice": "Ya", "text": "Ruang panas."}},
        {"answers": VARIED, "local": {"choice": "Tidak"}, "minutes": 1},
    ],
    "a burst, identical answers, too fast": [
        *({"answers": VARIED, "address": "198.51.100.7", "minutes": n} for n in range(6)),
        {"answers": ALL_FOUR, "address": "198.51.100.8", "minutes": 6},
        {"answers": VARIED, "seconds": 4, "minutes": 7},
    ],
    "over days and months, a chosen service, a device": [
        {"answers": VARIED, "days": 20, "token": "phone-1", "chosen": True},
        {"answers": VARIED, "days": 1, "token": "phone-1", "seconds": 95},
        {"answers": {**VARIED, "U8": None}, "days": 1, "token": "phone-2", "minutes": 1},
        {"answers": VARIED, "token": "phone-1", "address": "203.0.113.9", "minutes": 2},
    ],
}


@dataclass(frozen=True)
class Twin:
    """A counter, its preset service, another it offers, and the letter of its tracking codes."""

    point: ServicePoint
    preset: Service
    chosen: Service
    letter: str

    def roles(self) -> dict[int, str]:
        return {self.preset.pk: "preset service", self.chosen.pk: "chosen service"}


@pytest.fixture
def twins(dukcapil):
    agency, ktp, kk, point = dukcapil
    preset = Service.objects.create(agency=agency, name="Perekaman KTP-el (loket 2)")
    chosen = Service.objects.create(agency=agency, name="Kartu Keluarga (loket 2)")
    twin_point = ServicePoint.objects.create(
        agency=agency, name="Loket 2", code="TB8L3N4R", default_service=preset
    )
    return Twin(point, ktp, kk, "S"), Twin(twin_point, preset, chosen, "O")


@pytest.fixture
def local_questions(personas, in_tulungagung) -> dict[str, int]:
    """A version with a scale, a choice and a text question, none required: question ids by kind."""
    extras = [
        ExtraQuestion(kind="scale", text_id="Seberapa puas Anda dengan ruang tunggu?"),
        ExtraQuestion(kind="choice", text_id="Datang lagi?", choices_id=["Ya", "Tidak"]),
        ExtraQuestion(kind="text", text_id="Apa yang perlu diperbaiki?"),
    ]
    for extra in extras:
        version = questionnaire_extra_add(acting_user=personas.tulungagung_admin, extra=extra)
    return {q.kind: q.pk for q in version.questions.exclude(kind="element")}


@pytest.fixture
def still_clock(monkeypatch):
    """The case's created_at and updated_at (auto_now) read the clock: one moment for both."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.mark.parametrize("sent", CASES.values(), ids=CASES.keys())
def test_the_statement_stores_what_the_orm_would(
    twins, local_questions, still_clock, monkeypatch, sent
):
    by_statement, by_orm = twins
    send(by_statement, sent, local_questions, monkeypatch)
    with monkeypatch.context() as reference:
        reference.setattr(submission, "response_store", orm_store)
        send(by_orm, sent, local_questions, monkeypatch)

    stored = everything_stored(by_statement)
    assert len(stored["responses"]) == len(sent)
    assert stored == everything_stored(by_orm)


def send(twin: Twin, sent: list[dict], questions: dict[str, int], monkeypatch) -> None:
    codes = (f"{twin.letter}{n:09d}" for n in itertools.count(1))
    monkeypatch.setattr(submission, "new_tracking_code", lambda: next(codes))
    version = Questionnaire.objects.get(is_current=True).version
    for given in sent:
        now = NOW + datetime.timedelta(minutes=given.get("minutes", 0))
        seconds = given.get("seconds")
        response_submit(
            Submission(
                service_point_code=twin.point.code,
                answers=given["answers"],
                questionnaire_version=version,
                service_id=twin.chosen.pk if given.get("chosen") else None,
                profile=given.get("profile", {}),
                age=given.get("age"),
                extra_answers={str(questions[k]): v for k, v in given.get("local", {}).items()},
                suggestion=given.get("suggestion", ""),
                service_date=NOW.date() - datetime.timedelta(days=given.get("days", 0)),
                device_token=given.get("token", ""),
                address=given.get("address", ""),
                started_at=None if seconds is None else now - datetime.timedelta(seconds=seconds),
            ),
            now=now,
        )


# ---------------------------------------------------------------- the ORM reference
def orm_store(response: Response, place: Place, *, now, case: Case | None) -> bool:
    """response_store's reference in plain ORM calls: resolve, flag a burst, save, count."""
    point = ServicePoint.objects.select_related("agency").get(code=place.code)
    response.service_point = point
    response.service = Service.objects.get(pk=place.service_id or point.default_service_id)
    response.questionnaire = Questionnaire.objects.get(version=place.version)
    if response.address_hash and _recent_from_address(response, now) + 1 >= BURST_LIMIT:
        response.flags = [*response.flags, Flag.BURST]
    response.save(force_insert=True)
    if case is not None:
        case.response, case.agency = response, point.agency
        case.save(force_insert=True)
    _count(response)
    return True


def _recent_from_address(response: Response, now) -> int:
    return Response.objects.filter(
        service_point=response.service_point,
        address_hash=response.address_hash,
        submitted_at__gte=now - BURST_WINDOW,
    ).count()


def _count(response: Response) -> None:
    """The totals one response adds to, computed here in Python."""
    adds = {"responses": 1}
    for name in ELEMENT_FIELDS:
        answer = getattr(response, name)
        adds |= {f"{name}_sum": answer or 0, f"{name}_count": int(answer is not None)}
    service, day = response.service, response.service_date
    _add(DailyServiceTotals, adds, {"service": service, "day": day}, changed_xid=_this_xid())
    _add(MonthlyServiceTotals, adds, {"service": service, "month": day.replace(day=1)})
    for name in PROFILE_FIELDS:
        if value := getattr(response, name):
            key = {"service": service, "day": day, "field": name, "value": value}
            _add(DailyProfileTotals, adds, key)


def _add(model, adds: dict[str, int], key: dict, **stamp) -> None:
    row, _created = model.objects.get_or_create(**key)
    for column, amount in adds.items():
        setattr(row, column, getattr(row, column) + amount)
    for column, value in stamp.items():
        setattr(row, column, value)
    row.save()


def _this_xid() -> int:
    """The day row's change record is the writing transaction's id (see DailyServiceTotals)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        return cursor.fetchone()[0]


# ---------------------------------------------------------------- what was stored
def everything_stored(twin: Twin) -> dict[str, list[dict]]:
    """Every row the twin's responses stored, each column by name, the twin's own ids by role."""
    services = twin.roles()
    responses = list(Response.objects.filter(service__in=services).order_by("pk").values())
    numbers = {row["id"]: n for n, row in enumerate(responses)}
    cases = Case.objects.filter(response__service__in=services).order_by("response_id")
    return {
        "responses": [_response(row, twin) for row in responses],
        "cases": [_case(row, twin, numbers) for row in cases.values()],
        "day totals": _totals(DailyServiceTotals, twin, "day"),
        "month totals": _totals(MonthlyServiceTotals, twin, "month"),
        "profile totals": _totals(DailyProfileTotals, twin, "day", "field", "value"),
    }


def _response(row: dict, twin: Twin) -> dict:
    row = _by_role(row, twin)
    if row["service_point_id"] == twin.point.pk:
        row["service_point_id"] = "the twin's counter"
    return _numbered(row, twin)


def _case(row: dict, twin: Twin, numbers: dict[int, int]) -> dict:
    del row["id"]
    row["response_id"] = f"response {numbers[row['response_id']]}"
    return _numbered(row, twin)


def _totals(model, twin: Twin, *keys: str) -> list[dict]:
    rows = [_by_role(row, twin) for row in model.objects.filter(service__in=twin.roles()).values()]
    return sorted(rows, key=lambda row: [str(row[k]) for k in ("service_id", *keys)])


def _by_role(row: dict, twin: Twin) -> dict:
    """Without its key, its service named by role: each twin's ids are its own."""
    del row["id"]
    row["service_id"] = twin.roles().get(row["service_id"], row["service_id"])
    return row


def _numbered(row: dict, twin: Twin) -> dict:
    """The tracking code's number: the letter before it names the twin."""
    code = row["tracking_code"]
    if code is not None:
        assert code.startswith(twin.letter)
        row["tracking_code"] = code[1:]
    return row
