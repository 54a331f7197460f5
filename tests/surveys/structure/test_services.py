"""Agencies, services, service points, periods and questionnaire versions, through the services."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from sukma.access.models import AuditEvent
from sukma.demo.seed import structure_seed
from sukma.surveys.models import (
    Agency,
    Period,
    Question,
    QuestionKind,
    Questionnaire,
    Service,
    ServicePoint,
)
from sukma.surveys.structure import services as structure
from sukma.surveys.structure.selectors import day_is_locked, service_point_by_code
from sukma.surveys.structure.services import ExtraQuestion

pytestmark = pytest.mark.django_db


@pytest.fixture
def tulungagung(personas):
    connection.set_tenant(personas.tulungagung)
    return personas.tulungagung


@pytest.fixture
def admin(personas):
    return personas.tulungagung_admin


def dispendukcapil(admin) -> Agency:
    return structure.agency_create(
        acting_user=admin,
        name="Dinas Kependudukan dan Pencatatan Sipil",
        short_name="Dispendukcapil",
        kind="dinas",
    )


# ====================================================================== agencies, services
def test_creating_an_agency_is_audited_for_the_current_regency(tulungagung, admin):
    agency = dispendukcapil(admin)
    event = AuditEvent.objects.get(action="agency.created", target_id=str(agency.pk))
    assert event.regency_id == tulungagung.pk
    assert event.actor_id == admin.pk
    assert event.after["name"] == "Dinas Kependudukan dan Pencatatan Sipil"


def test_agency_names_are_unique_and_kinds_checked(tulungagung, admin):
    dispendukcapil(admin)
    with pytest.raises(ValidationError) as error:
        dispendukcapil(admin)
    assert "name" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        structure.agency_create(acting_user=admin, name="Dinas X", kind="kementerian")
    assert "kind" in error.value.message_dict


def test_updating_an_agency_records_before_and_after(tulungagung, admin):
    agency = dispendukcapil(admin)
    structure.agency_update(acting_user=admin, agency=agency, active=False)
    event = AuditEvent.objects.get(action="agency.updated")
    assert event.before["active"] is True
    assert event.after["active"] is False


def test_a_service_keeps_its_expected_users_and_refuses_zero(tulungagung, admin):
    agency = dispendukcapil(admin)
    service = structure.service_create(
        acting_user=admin, agency=agency, name="Kartu Keluarga", annual_users=9000
    )
    assert Service.objects.get(pk=service.pk).annual_users == 9000
    with pytest.raises(ValidationError) as error:
        structure.service_update(acting_user=admin, service=service, annual_users=0)
    assert "annual_users" in error.value.message_dict


def test_the_same_service_name_twice_in_one_agency_is_refused(tulungagung, admin):
    agency = dispendukcapil(admin)
    structure.service_create(acting_user=admin, agency=agency, name="Kartu Keluarga")
    with pytest.raises(ValidationError):
        structure.service_create(acting_user=admin, agency=agency, name="Kartu Keluarga")


# ====================================================================== service points
def test_service_points_get_short_unguessable_codes_from_an_unambiguous_alphabet(
    tulungagung, admin
):
    agency = dispendukcapil(admin)
    codes = {
        structure.service_point_create(acting_user=admin, agency=agency, name=f"Loket {i}").code
        for i in range(20)
    }
    assert len(codes) == 20
    for code in codes:
        assert len(code) == structure.CODE_LENGTH
        assert set(code) <= set(structure.CODE_ALPHABET)
        assert not set(code) & set("01OIL")


def test_a_service_points_code_never_changes_on_edit(tulungagung, admin):
    agency = dispendukcapil(admin)
    point = structure.service_point_create(acting_user=admin, agency=agency, name="Loket 1")
    edited = structure.service_point_update(
        acting_user=admin, point=point, name="Loket Utama", address="Jl. A. Yani"
    )
    assert edited.code == point.code
    assert service_point_by_code(point.code.lower()) == edited


def test_a_preset_service_must_belong_to_the_points_agency(tulungagung, admin):
    agency = dispendukcapil(admin)
    other = structure.agency_create(acting_user=admin, name="Dinas Sosial", kind="dinas")
    foreign = structure.service_create(acting_user=admin, agency=other, name="DTKS")
    with pytest.raises(ValidationError) as error:
        structure.service_point_create(
            acting_user=admin, agency=agency, name="Loket 1", default_service=foreign
        )
    assert "default_service" in error.value.message_dict


def test_structure_writes_outside_a_regency_schema_are_refused(personas, admin):
    with pytest.raises(RuntimeError):
        structure.agency_create(acting_user=admin, name="Dinas X", kind="dinas")


# ====================================================================== periods
@pytest.mark.parametrize(
    "kind, number, first, last",
    [
        ("month", 2, datetime.date(2028, 2, 1), datetime.date(2028, 2, 29)),
        ("month", 12, datetime.date(2028, 12, 1), datetime.date(2028, 12, 31)),
        ("quarter", 2, datetime.date(2028, 4, 1), datetime.date(2028, 6, 30)),
        ("quarter", 4, datetime.date(2028, 10, 1), datetime.date(2028, 12, 31)),
        ("semester", 2, datetime.date(2028, 7, 1), datetime.date(2028, 12, 31)),
        ("year", 1, datetime.date(2028, 1, 1), datetime.date(2028, 12, 31)),
    ],
)
def test_period_bounds(kind, number, first, last):
    assert structure.period_bounds(kind, 2028, number) == (first, last)


@pytest.mark.parametrize("kind, number", [("month", 13), ("quarter", 0), ("semester", 3)])
def test_period_numbers_outside_the_year_are_refused(kind, number):
    with pytest.raises(ValidationError):
        structure.period_bounds(kind, 2026, number)


def test_creating_a_years_periods_makes_nineteen_once(tulungagung, admin):
    created = structure.periods_create_year(acting_user=admin, year=2025)
    assert len(created) == 19
    assert structure.periods_create_year(acting_user=admin, year=2025) == []
    assert Period.objects.filter(year=2025).count() == 19
    assert AuditEvent.objects.filter(action="period.created", regency=tulungagung).count() == 19


def test_a_period_created_twice_is_refused(tulungagung, admin):
    structure.period_create(acting_user=admin, kind="quarter", year=2025, number=1)
    with pytest.raises(ValidationError):
        structure.period_create(acting_user=admin, kind="quarter", year=2025, number=1)


def test_locking_an_ended_period_locks_its_days_and_is_audited(tulungagung, admin):
    march = structure.period_create(acting_user=admin, kind="month", year=2025, number=3)
    assert not day_is_locked(datetime.date(2025, 3, 15))
    structure.period_lock(acting_user=admin, period=march)
    assert day_is_locked(datetime.date(2025, 3, 15))
    assert not day_is_locked(datetime.date(2025, 4, 1))
    assert AuditEvent.objects.filter(action="period.locked", target_id=str(march.pk)).exists()


def test_a_period_that_has_not_ended_cannot_be_locked(tulungagung, admin):
    period = structure.period_create(acting_user=admin, kind="year", year=2025, number=1)
    with pytest.raises(ValidationError):
        structure.period_lock(acting_user=admin, period=period, today=datetime.date(2025, 12, 31))
    assert structure.period_lock(
        acting_user=admin, period=period, today=datetime.date(2026, 1, 1)
    ).locked


def test_only_a_province_admin_unlocks_a_period_with_a_reason(tulungagung, admin, personas):
    period = structure.period_create(acting_user=admin, kind="month", year=2025, number=1)
    structure.period_lock(acting_user=admin, period=period)
    with pytest.raises(PermissionDenied):
        structure.period_unlock(acting_user=admin, period=period, reason="salah kunci")
    with pytest.raises(ValidationError):
        structure.period_unlock(acting_user=personas.province_admin, period=period, reason=" ")
    structure.period_unlock(
        acting_user=personas.province_admin, period=period, reason="Data susulan loket"
    )
    assert not Period.objects.get(pk=period.pk).locked
    event = AuditEvent.objects.get(action="period.unlocked")
    assert event.after["reason"] == "Data susulan loket"
    assert event.regency_id == tulungagung.pk


# ====================================================================== questionnaire
def current() -> Questionnaire:
    return Questionnaire.objects.get(is_current=True)


def element_rows(questionnaire) -> list[tuple]:
    return list(
        questionnaire.questions.filter(kind=QuestionKind.ELEMENT).values_list(
            "position", "element_code", "text_id", "text_en", "choices"
        )
    )


def test_adding_an_extra_makes_a_new_version_with_the_nine_unchanged(tulungagung, admin):
    before = current()
    new = structure.questionnaire_extra_add(
        acting_user=admin,
        extra=ExtraQuestion(
            kind="choice", text_id="Dari mana Anda tahu?", choices_id=["TV", "Radio"]
        ),
    )
    assert new.version == before.version + 1
    assert current() == new
    assert Questionnaire.objects.filter(pk=before.pk).exists()
    assert before.questions.count() == 9
    assert element_rows(new) == element_rows(before)
    extra = new.questions.get(position=10)
    assert extra.choices == [["TV", "Radio"], ["TV", "Radio"]]
    assert extra.text_en == "Dari mana Anda tahu?"
    event = AuditEvent.objects.get(action="questionnaire.version_created")
    assert event.after["version"] == new.version


def test_editing_and_removing_extras_each_make_a_version(tulungagung, admin):
    structure.questionnaire_extra_add(
        acting_user=admin, extra=ExtraQuestion(kind="scale", text_id="Seberapa puas?")
    )
    v2 = structure.questionnaire_extra_add(
        acting_user=admin, extra=ExtraQuestion(kind="text", text_id="Apa yang kurang?")
    )
    first = v2.questions.get(position=10)
    v3 = structure.questionnaire_extra_update(
        acting_user=admin,
        question=first,
        extra=ExtraQuestion(kind="scale", text_id="Seberapa puas Anda?", required=True),
    )
    assert list(v3.questions.filter(position__gt=9).values_list("text_id", "required")) == [
        ("Seberapa puas Anda?", True),
        ("Apa yang kurang?", False),
    ]
    v4 = structure.questionnaire_extra_remove(
        acting_user=admin, question=v3.questions.get(position=10)
    )
    assert list(v4.questions.filter(position__gt=9).values_list("position", "text_id")) == [
        (10, "Apa yang kurang?")
    ]
    assert v4.questions.count() == 10
    assert v2.questions.count() == 11  # the old version keeps its questions


def test_the_nine_elements_cannot_be_changed_or_removed(tulungagung, admin):
    u4 = current().questions.get(element_code="U4")
    with pytest.raises(ValidationError):
        structure.questionnaire_extra_update(
            acting_user=admin, question=u4, extra=ExtraQuestion(kind="text", text_id="Biaya?")
        )
    with pytest.raises(ValidationError):
        structure.questionnaire_extra_remove(acting_user=admin, question=u4)
    assert Questionnaire.objects.count() == 1


def test_a_question_of_an_older_version_cannot_be_edited(tulungagung, admin):
    v2 = structure.questionnaire_extra_add(
        acting_user=admin, extra=ExtraQuestion(kind="text", text_id="Saran?")
    )
    old = v2.questions.get(position=10)
    structure.questionnaire_extra_add(
        acting_user=admin, extra=ExtraQuestion(kind="text", text_id="Lainnya?")
    )
    with pytest.raises(ValidationError):
        structure.questionnaire_extra_remove(acting_user=admin, question=old)


@pytest.mark.parametrize(
    "extra, field",
    [
        (ExtraQuestion(kind="text", text_id="  "), "text_id"),
        (ExtraQuestion(kind="element", text_id="U10?"), "kind"),
        (ExtraQuestion(kind="choice", text_id="Pilih", choices_id=["Ya"]), "choices_id"),
        (ExtraQuestion(kind="choice", text_id="Pilih", choices_id=["Ya", "Ya"]), "choices_id"),
        (
            ExtraQuestion(
                kind="choice", text_id="Pilih", choices_id=["Ya", "Tidak"], choices_en=["Yes"]
            ),
            "choices_en",
        ),
    ],
)
def test_malformed_extras_are_refused(tulungagung, admin, extra, field):
    with pytest.raises(ValidationError) as error:
        structure.questionnaire_extra_add(acting_user=admin, extra=extra)
    assert field in error.value.message_dict
    assert Questionnaire.objects.count() == 1


def test_at_most_ten_extras(tulungagung, admin):
    for i in range(structure.MAX_EXTRAS):
        structure.questionnaire_extra_add(
            acting_user=admin, extra=ExtraQuestion(kind="text", text_id=f"Q{i}")
        )
    with pytest.raises(ValidationError):
        structure.questionnaire_extra_add(
            acting_user=admin, extra=ExtraQuestion(kind="text", text_id="one too many")
        )
    assert Question.objects.filter(questionnaire=current()).count() == 9 + structure.MAX_EXTRAS


# ====================================================================== demo seed
def test_structure_seed_builds_tulungagung_once(personas):
    counts = structure_seed(personas.tulungagung)
    assert counts["agencies"] > 19 + 4  # one kecamatan per district, four puskesmas
    assert counts["periods"] == 19
    assert structure_seed(personas.tulungagung) == {
        "agencies": 0,
        "services": 0,
        "service_points": 0,
        "periods": 0,
    }
    connection.set_tenant(personas.tulungagung)
    assert Agency.objects.filter(kind="kecamatan").count() == 19
    assert Agency.objects.filter(name="Kecamatan Besuki").exists()
    users = Service.objects.values_list("annual_users", flat=True)
    assert min(users) >= 500 and max(users) <= 20000
    assert not Agency.objects.filter(service_points__isnull=True).exists()
    assert (
        ServicePoint.objects.exclude(default_service=None).count() == ServicePoint.objects.count()
    )
