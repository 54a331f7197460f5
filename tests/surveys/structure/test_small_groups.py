"""/kelola/kelompok-kecil/: a regency admin sets k (3 or more), audited; every breakdown follows."""

import pytest
from django.db import connection

from sukma.access.models import AuditEvent, Membership, Role, User
from sukma.surveys.models import SurveySettings
from tests.conftest import TULUNGAGUNG_HOST, host_client

pytestmark = pytest.mark.django_db
URL = "/kelola/kelompok-kecil/"


def k_now(personas) -> int:
    connection.set_tenant(personas.tulungagung)
    k = SurveySettings.current().min_group_size
    connection.set_schema_to_public()
    return k


def test_the_default_is_five_and_the_admin_changes_it(personas):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    page = client.get(URL).content.decode()
    assert 'id="min-group-form"' in page and "<strong>5</strong>" in page
    assert client.post(URL, {"size": "7"}).status_code == 302
    assert k_now(personas) == 7
    event = AuditEvent.objects.get(action="survey_settings.min_group_size")
    assert event.actor == personas.tulungagung_admin
    assert event.regency_id == personas.tulungagung.pk
    assert (event.before["min_group_size"], event.after["min_group_size"]) == (5, 7)


@pytest.mark.parametrize("bad", ["2", "0", "-5", "", "abc", "3.5", "51", "9" * 30, "5' OR 1=1"])
def test_a_bad_size_is_an_indonesian_error_and_changes_nothing(personas, bad):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    response = client.post(URL, {"size": bad})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="errorlist' in html
    assert any(
        words in html
        for words in (
            "lebih besar dari atau sama dengan 3",
            "lebih kecil dari atau sama dengan 50",
            "Bidang ini harus diisi",
            "Masukkan keseluruhan angka bilangan",
        )
    ), html
    assert k_now(personas) == 5
    assert not AuditEvent.objects.filter(action="survey_settings.min_group_size").exists()


def test_the_service_refuses_below_three_whatever_the_caller(personas):
    from django.core.exceptions import ValidationError

    from sukma.surveys.structure.small_groups import min_group_size_set

    connection.set_tenant(personas.tulungagung)
    for bad in (2, True, "5", 5.0, None):
        with pytest.raises(ValidationError):
            min_group_size_set(
                acting_user=personas.tulungagung_admin, size=bad, regency=personas.tulungagung
            )
    assert SurveySettings.current().min_group_size == 5


def test_the_database_refuses_below_three(personas):
    from django.db import IntegrityError, transaction

    connection.set_tenant(personas.tulungagung)
    SurveySettings.current()
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveySettings.objects.update(min_group_size=2)


def test_an_operator_reads_k_but_cannot_change_it(personas, dukcapil):
    operator = User.objects.create_user("operator@dukcapil.tulungagungkab.go.id", "x-Rahasia-1")
    Membership.objects.create(
        user=operator,
        role=Role.AGENCY_OPERATOR,
        regency=personas.tulungagung,
        agency_id=dukcapil[0].pk,
    )
    connection.set_schema_to_public()
    client = host_client(TULUNGAGUNG_HOST, operator)
    page = client.get(URL)
    assert page.status_code == 200 and 'id="min-group-form"' not in page.content.decode()
    assert client.post(URL, {"size": "3"}).status_code == 403
    assert k_now(personas) == 5


def test_the_page_is_in_the_setup_navigation(personas):
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    html = client.get("/kelola/bobot/").content.decode()
    assert f'href="{URL}"' in html and "Kelompok kecil" in html


def test_a_kediri_admin_cannot_change_tulungagung(personas):
    client = host_client(TULUNGAGUNG_HOST, personas.kediri_admin)
    assert client.post(URL, {"size": "3"}).status_code in (302, 403)
    assert k_now(personas) == 5
