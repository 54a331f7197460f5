"""A citizen's response: what is refused, what is flagged, and the totals it moves."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from sukma.surveys.citizen.submission import Submission, answers_from_pairs, response_submit
from sukma.surveys.models import (
    DailyProfileTotals,
    DailyServiceTotals,
    MonthlyServiceTotals,
    Period,
    Questionnaire,
    Response,
)
from tests.surveys.conftest import ALL_FOUR, submit

NOW = timezone.make_aware(datetime.datetime(2026, 11, 20, 10, 0))
TODAY = datetime.date(2026, 11, 20)


def test_a_response_is_stored_and_counted_in_the_same_transaction(dukcapil):
    _agency, ktp, _kk, point = dukcapil
    answers = {**ALL_FOUR, "U4": None, "U7": 3}
    response = submit(point, answers, now=NOW, profile={"sex": "P", "education": "SMA"})

    assert response.service == ktp and response.service_date == TODAY
    totals = DailyServiceTotals.objects.get(service=ktp, day=TODAY)
    assert totals.responses == 1
    assert (totals.u4_sum, totals.u4_count) == (0, 0)
    assert (totals.u7_sum, totals.u7_count) == (3, 1)
    assert (totals.u1_sum, totals.u1_count) == (4, 1)
    profile = {(r.field, r.value): r.responses for r in DailyProfileTotals.objects.all()}
    assert profile == {("sex", "P"): 1, ("education", "SMA"): 1}


def test_a_response_goes_to_its_regency_whatever_search_path_the_connection_holds(
    dukcapil, personas
):
    """The storing statement names its schema: it sets no search_path, and needs none."""
    _agency, ktp, _kk, point = dukcapil
    version = Questionnaire.objects.get(is_current=True).version
    connection.set_tenant(personas.kediri)
    assert not Response.objects.exists()  # the session's search_path is now Kediri's
    connection.set_tenant(personas.tulungagung)  # as a request does: no query yet
    stored = response_submit(
        Submission(service_point_code=point.code, answers=ALL_FOUR, questionnaire_version=version),
        now=NOW,
    )
    with connection.connection.cursor() as raw:  # beneath Django, which would set it
        raw.execute("SHOW search_path")
        assert raw.fetchone()[0].startswith(personas.kediri.schema_name)
    assert Response.objects.get().pk == stored.pk and stored.service_id == ktp.pk
    assert DailyServiceTotals.objects.get(service=ktp, day=TODAY).responses == 1
    connection.set_tenant(personas.kediri)
    assert not Response.objects.exists() and not DailyServiceTotals.objects.exists()
    connection.set_tenant(personas.tulungagung)


def test_no_name_nik_phone_or_clear_address_is_stored(dukcapil):
    point = dukcapil[3]
    response = submit(point, ALL_FOUR, now=NOW, address="203.0.113.9", token="device-abc")
    stored = " ".join(
        str(v) for v in Response.objects.filter(pk=response.pk).values().get().values()
    )
    assert "203.0.113.9" not in stored and "device-abc" not in stored
    assert len(response.address_hash) == 64


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({**ALL_FOUR, "U1": 5}, "answers"),
        ({**ALL_FOUR, "U1": 0.5}, "answers"),
        ({**ALL_FOUR, "U10": 4}, "answers"),
        ({f"U{i}": None for i in range(1, 10)}, "answers"),
    ],
)
def test_impossible_answers_are_refused_and_change_nothing(dukcapil, answers, field):
    with pytest.raises(ValidationError) as error:
        submit(dukcapil[3], answers, now=NOW)
    assert field in error.value.message_dict
    assert Response.objects.count() == 0
    assert DailyServiceTotals.objects.count() == 0


def test_an_element_answered_twice_is_refused():
    with pytest.raises(ValidationError):
        answers_from_pairs([("U1", "4"), ("U2", "3"), ("u1", "2")])


def test_an_unknown_service_point_is_refused(dukcapil):
    with pytest.raises(ValidationError) as error:
        response_submit(
            Submission(service_point_code="NOPE1234", answers=ALL_FOUR, questionnaire_version=1),
            now=NOW,
        )
    assert "service_point" in error.value.message_dict


def test_a_service_of_another_agency_is_refused(dukcapil):
    from sukma.surveys.models import Agency, Service

    other = Agency.objects.create(name="RSUD dr. Iskak", kind="rsud")
    rawat = Service.objects.create(agency=other, name="Rawat Jalan")
    with pytest.raises(ValidationError) as error:
        submit(dukcapil[3], ALL_FOUR, now=NOW, service_id=rawat.pk)
    assert "service" in error.value.message_dict


def test_an_unknown_questionnaire_version_is_refused(dukcapil):
    with pytest.raises(ValidationError) as error:
        response_submit(
            Submission(
                service_point_code=dukcapil[3].code, answers=ALL_FOUR, questionnaire_version=99
            ),
            now=NOW,
        )
    assert "questionnaire_version" in error.value.message_dict


def test_a_day_in_a_locked_period_is_refused(dukcapil):
    Period.objects.create(
        kind="month",
        year=2026,
        number=11,
        locked=True,
        starts_on=datetime.date(2026, 11, 1),
        ends_on=datetime.date(2026, 11, 30),
    )
    with pytest.raises(ValidationError) as error:
        submit(dukcapil[3], ALL_FOUR, now=NOW)
    assert "period" in error.value.message_dict
    assert Response.objects.count() == 0


@pytest.mark.parametrize("day", [datetime.date(2026, 11, 21), datetime.date(2026, 10, 1)])
def test_a_service_date_in_the_future_or_long_ago_is_refused(dukcapil, day):
    with pytest.raises(ValidationError) as error:
        submit(dukcapil[3], ALL_FOUR, now=NOW, day=day)
    assert "service_date" in error.value.message_dict


def test_one_response_per_device_per_service_per_day(dukcapil):
    _agency, ktp, kk, point = dukcapil
    submit(point, ALL_FOUR, now=NOW, token="phone-1")
    with pytest.raises(ValidationError) as error:
        submit(point, ALL_FOUR, now=NOW, token="phone-1")
    assert "device" in error.value.message_dict
    submit(point, ALL_FOUR, now=NOW, token="phone-1", service_id=kk.pk)  # another service: fine
    submit(point, ALL_FOUR, now=NOW + datetime.timedelta(days=1), token="phone-1")  # next day
    assert DailyServiceTotals.objects.get(service=ktp, day=TODAY).responses == 1


def test_suspicious_responses_are_flagged_not_dropped(dukcapil):
    point = dukcapil[3]
    varied = {**ALL_FOUR, "U3": 3}
    started = NOW - datetime.timedelta(seconds=4)
    fast = submit(point, varied, now=NOW, started_at=started)
    identical = submit(point, ALL_FOUR, now=NOW)
    assert fast.flags == ["fast"]
    assert identical.flags == ["identical"]
    assert not (fast.held or identical.held)
    assert Response.objects.filter(excluded=False).count() == 2


def test_a_suggestion_gets_a_tracking_code(dukcapil):
    plain = submit(dukcapil[3], ALL_FOUR, now=NOW)
    with_text = submit(dukcapil[3], ALL_FOUR, now=NOW, suggestion="Antrean terlalu lama.")
    assert plain.tracking_code is None
    assert len(with_text.tracking_code) == 10


def test_a_totals_count_that_disagrees_is_logged_and_the_response_kept(
    dukcapil, monkeypatch, caplog
):
    from sukma.surveys.recording import statement

    monkeypatch.setattr(statement, "rows_per_response", lambda response: -1)
    with caplog.at_level("ERROR", logger="sukma.surveys.recording.statement"):
        stored = submit(dukcapil[3], ALL_FOUR, now=NOW)
    assert Response.objects.filter(pk=stored.pk).exists()
    assert f"response {stored.pk} touched" in caplog.text


def test_age_gives_its_band_and_under_17_is_refused(dukcapil):
    response = submit(dukcapil[3], ALL_FOUR, now=NOW, age=40)
    assert response.age_band == "36-45"
    with pytest.raises(ValidationError):
        submit(dukcapil[3], ALL_FOUR, now=NOW, age=15)


def test_month_totals_equal_the_sum_of_their_days_and_days_carry_their_transaction(dukcapil):
    from django.db.models import Sum

    point = dukcapil[3]
    for offset in range(3):
        submit(
            point,
            {**ALL_FOUR, "U2": 1 + offset},
            now=NOW - datetime.timedelta(days=offset),
            token=f"t{offset}",
        )
    month = MonthlyServiceTotals.objects.get(month=datetime.date(2026, 11, 1))
    days = DailyServiceTotals.objects.aggregate(r=Sum("responses"), s=Sum("u2_sum"))
    assert (month.responses, month.u2_sum) == (days["r"], days["s"]) == (3, 6)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        current = cursor.fetchone()[0]
    assert set(DailyServiceTotals.objects.values_list("changed_xid", flat=True)) == {current}


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"service_id": 10**30}, "service"),
        ({"service_id": -1}, "service"),
        ({"questionnaire_version": 2**40}, "questionnaire_version"),
    ],
)
def test_a_number_no_column_can_hold_is_refused_not_a_database_error(dukcapil, given, field):
    fields = {"service_point_code": dukcapil[3].code, "answers": ALL_FOUR}
    with pytest.raises(ValidationError) as error:
        response_submit(Submission(**{"questionnaire_version": 1, **fields, **given}), now=NOW)
    assert field in error.value.message_dict
    assert Response.objects.count() == 0


def test_a_required_local_question_must_be_answered_and_is_stored_with_the_response(
    dukcapil, personas
):
    from sukma.surveys.structure.services import ExtraQuestion, questionnaire_extra_add

    version = questionnaire_extra_add(
        acting_user=personas.tulungagung_admin,
        extra=ExtraQuestion(kind="scale", text_id="Seberapa puas?", required=True),
    )
    question = version.questions.get(position=10)
    with pytest.raises(ValidationError) as error:
        submit(dukcapil[3], ALL_FOUR, now=NOW)
    assert f"extra_{question.pk}" in error.value.message_dict
    assert Response.objects.count() == DailyServiceTotals.objects.count() == 0

    stored = submit(dukcapil[3], ALL_FOUR, now=NOW, extra_answers={str(question.pk): "3"})
    assert Response.objects.get().extra_answers == {str(question.pk): "3"}
    assert stored.questionnaire_id == version.pk


def test_one_prepared_statement_per_regency_stores_all_its_responses(dukcapil, personas):
    """Blank and given answers, with and without a service: one statement per regency, prepared
    once per connection, naming that regency's schema; one more stores a suggestion's case too."""
    from sukma.surveys.models import Agency, Service, ServicePoint

    _agency, _ktp, kk, point = dukcapil
    submit(point, ALL_FOUR, now=NOW)
    submit(point, {**ALL_FOUR, "U4": None}, now=NOW, service_id=kk.pk, profile={"sex": "L"})
    connection.set_tenant(personas.kediri)
    rsud = Agency.objects.create(name="RSUD Gambiran", kind="rsud")
    poli = Service.objects.create(agency=rsud, name="Poli Umum")
    kediri_point = ServicePoint.objects.create(agency=rsud, name="Loket", default_service=poli)
    submit(kediri_point, {**ALL_FOUR, "U9": 2}, now=NOW, age=30)
    assert (Response.objects.count(), DailyServiceTotals.objects.get().responses) == (1, 1)
    connection.set_tenant(personas.tulungagung)
    submit(point, {**ALL_FOUR, "U1": 1}, now=NOW, suggestion="Loket kurang.")

    assert Response.objects.count() == 3
    assert sum(DailyServiceTotals.objects.values_list("responses", flat=True)) == 3
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%%INSERT INTO%%'"
        )
        statements = [row[0] for row in cursor.fetchall()]
    assert len(statements) == 3
    for regency, with_case in ((personas.tulungagung, 1), (personas.kediri, 0)):
        schema = f'"{regency.schema_name}"'
        own = [s for s in statements if f"INSERT INTO {schema}.surveys_response" in s]
        assert len(own) == 1 + with_case
        assert sum(f"INSERT INTO {schema}.complaints_case" in s for s in own) == with_case


@pytest.mark.parametrize("change", [{"u3": 0}, {"u3": 5}, {"u4": None, "u9": 5}])
def test_the_database_itself_keeps_answers_on_the_scale(dukcapil, change):
    stored = submit(dukcapil[3], ALL_FOUR, now=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.filter(pk=stored.pk).update(**change)
    Response.objects.filter(pk=stored.pk).update(u4=None, u9=1)  # blank and on the scale: kept


TOTALS = [DailyServiceTotals, MonthlyServiceTotals, DailyProfileTotals]


@pytest.mark.parametrize("model", TOTALS)
def test_the_database_itself_refuses_a_total_below_zero(dukcapil, model):
    submit(dukcapil[3], ALL_FOUR, now=NOW, profile={"sex": "P"})
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.update(responses=F("responses") - 2)


@pytest.mark.parametrize("model", [Response, *TOTALS])
def test_each_table_a_citizen_writes_keeps_its_checks_few(in_tulungagung, model):
    """PostgreSQL reads every check anew in each statement writing the table, and every
    citizen's submission writes all four: a check per column cost 15 % of its time."""
    expected = {Response: 4, DailyServiceTotals: 1, MonthlyServiceTotals: 1, DailyProfileTotals: 1}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'c' AND conrelid = %s::regclass",
            [model._meta.db_table],
        )
        assert cursor.fetchone()[0] == expected[model]
