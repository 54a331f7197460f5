"""A locked period's responses and figures never change, whatever path a write takes.

Every test locks this month (as if it had ended) with two responses in it,
one counted and one excluded, tries a write through one path, sees it
refused with the period's name, and compares every figure and every totals
row of the period before and after: identical to the last digit.
"""

import datetime
import uuid

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from sukma.surveys.dashboard.moderation import response_exclude
from sukma.surveys.models import (
    ELEMENT_FIELDS,
    DailyProfileTotals,
    DailyServiceTotals,
    MonthlyServiceTotals,
    Questionnaire,
    Response,
)
from sukma.surveys.selectors import agency_figure, regency_figure, service_figures
from sukma.surveys.structure import services as structure
from tests.api.conftest import api_client
from tests.conftest import TULUNGAGUNG_HOST, host_client
from tests.followup.conftest import UNEVEN, submit

CLOSED = "is closed; its figures can no longer change."


@pytest.fixture
def locked(dukcapil, personas):
    """This month with one counted and one excluded response, then locked."""
    today = timezone.localdate()
    counted = submit(dukcapil[3], UNEVEN)
    excluded = submit(dukcapil[3], {**UNEVEN, "U1": 1})
    response_exclude(
        acting_user=personas.tulungagung_admin,
        regency=personas.tulungagung,
        response_id=excluded.pk,
        reason="Diisi petugas, bukan warga",
    )
    period = structure.period_create(
        acting_user=personas.tulungagung_admin, kind="month", year=today.year, number=today.month
    )
    structure.period_lock(
        acting_user=personas.tulungagung_admin,
        period=period,
        today=period.ends_on + datetime.timedelta(days=1),
    )
    return period, counted, excluded


def figures(personas, period, agency) -> dict:
    """Everything a figure of the period is made of, and the figures themselves."""
    connection.set_tenant(personas.tulungagung)
    return {
        "regency": regency_figure(period).result.to_dict(),
        "agency": agency_figure(period, agency).result.to_dict(),
        "services": [(s.pk, f.result.to_dict()) for s, f in service_figures(period)],
        "daily": list(DailyServiceTotals.objects.order_by("pk").values()),
        "monthly": list(MonthlyServiceTotals.objects.order_by("pk").values()),
        "profile": list(DailyProfileTotals.objects.order_by("pk").values()),
        "responses": list(
            Response.objects.order_by("pk").values("pk", "excluded", "service_id", *ELEMENT_FIELDS)
        ),
    }


@pytest.fixture
def before(locked, personas, dukcapil):
    return figures(personas, locked[0], dukcapil[0])


def unchanged(personas, locked, dukcapil, before) -> None:
    assert figures(personas, locked[0], dukcapil[0]) == before


def english(user=None):
    client = host_client(TULUNGAGUNG_HOST, user, HTTP_ACCEPT_LANGUAGE="en")
    client.defaults["REMOTE_ADDR"] = f"10.9.{uuid.uuid4().bytes[0]}.{uuid.uuid4().bytes[1]}"
    return client


# ---------------------------------------------------------------- submissions
def test_the_citizen_page_refuses_a_submission(locked, before, personas, dukcapil):
    data = {f"U{i}": "4" for i in range(1, 10)}
    data["version"] = str(Questionnaire.objects.get(is_current=True).version)
    page = english().post(f"/s/{dukcapil[3].code}/", data)
    assert page.status_code == 400
    assert CLOSED in page.content.decode()
    unchanged(personas, locked, dukcapil, before)


def test_the_api_refuses_a_submission(locked, before, personas, dukcapil):
    client = api_client(TULUNGAGUNG_HOST, language="en")
    client.defaults["REMOTE_ADDR"] = "10.77.1.2"
    client.defaults["HTTP_X_DEVICE_TOKEN"] = client.post("/api/v1/device-token/").json()[
        "device_token"
    ]
    body = {
        "service_point": dukcapil[3].code,
        "questionnaire_version": Questionnaire.objects.get(is_current=True).version,
        "answers": [{"element": f"U{i}", "value": 4} for i in range(1, 10)],
        "submission_key": "locked-period-answer-0001",
    }
    answer = client.post("/api/v1/responses/", body, format="json")
    assert answer.status_code == 400
    assert CLOSED in answer.json()["errors"]["period"][0]
    unchanged(personas, locked, dukcapil, before)


# ---------------------------------------------------------------- moderation
def test_the_dashboard_refuses_to_exclude_or_include(locked, before, personas, dukcapil):
    _period, counted, excluded = locked
    client = english(personas.tulungagung_admin)
    for data in (
        {"response": counted.pk, "action": "exclude", "reason": "Jawaban tidak wajar"},
        {"response": excluded.pk, "action": "include"},
    ):
        page = client.post("/dasbor/respons/", data, follow=True)
        assert page.status_code == 200
        assert CLOSED in page.content.decode()
    unchanged(personas, locked, dukcapil, before)


def test_the_api_refuses_to_exclude_or_include(locked, before, personas, dukcapil):
    _period, counted, excluded = locked
    client = api_client(TULUNGAGUNG_HOST, personas.tulungagung_admin, language="en")
    answer = client.post(f"/api/v1/responses/{counted.pk}/exclude/", {"reason": "Tidak wajar"})
    assert answer.status_code == 400 and CLOSED in answer.json()["errors"]["period"][0]
    answer = client.post(f"/api/v1/responses/{excluded.pk}/include/")
    assert answer.status_code == 400 and CLOSED in answer.json()["errors"]["period"][0]
    unchanged(personas, locked, dukcapil, before)


# ---------------------------------------------------------------- edits
def test_no_path_edits_or_deletes_a_response(locked, before, personas, dukcapil):
    """The API has no update or delete for responses; the Django admin has no tenant models."""
    _period, counted, _excluded = locked
    client = api_client(TULUNGAGUNG_HOST, personas.tulungagung_admin, language="en")
    url = f"/api/v1/responses/{counted.pk}/"
    assert client.patch(url, {"u1": 1}, format="json").status_code == 405
    assert client.put(url, {"u1": 1}, format="json").status_code == 405
    assert client.delete(url).status_code == 405
    tenant_labels = {"surveys", "followup", "complaints", "reports"}
    assert not [m for m in admin.site._registry if m._meta.app_label in tenant_labels]
    assert host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin).get("/admin/").status_code in (
        404,
        302,
    )
    unchanged(personas, locked, dukcapil, before)


def test_a_period_is_not_moved_or_deleted_through_the_api(locked, before, personas, dukcapil):
    period = locked[0]
    client = api_client(TULUNGAGUNG_HOST, personas.tulungagung_admin, language="en")
    url = f"/api/v1/periods/{period.pk}/"
    assert client.patch(url, {"ends_on": "2000-01-01"}, format="json").status_code == 405
    assert client.delete(url).status_code == 405
    assert client.post(f"{url}lock/").status_code == 200  # locking again changes nothing
    unchanged(personas, locked, dukcapil, before)


# ---------------------------------------------------------------- import
def test_a_structure_import_cannot_touch_a_locked_periods_figures(
    locked, before, personas, dukcapil
):
    """The import writes agencies, services and points only: never a response or a total.

    It may change a service's expected users, which moves the sample target of
    every period (targets are computed from today's numbers); the index, its
    elements and the totals of the locked period stay exactly as they were.
    """
    agency, ktp = dukcapil[0], dukcapil[1]
    csv = (
        "jenis_opd,opd,singkatan,layanan,pengguna_per_tahun,titik_layanan,alamat\n"
        f"dinas,{agency.name},,{ktp.name},24000,Loket Baru,Jl. Baru 1\n"
        "dinas,Dinas Sosial,Dinsos,Pendaftaran DTKS,1500,Loket 1,\n"
    )
    client = english(personas.tulungagung_admin)
    page = client.post(
        "/kelola/impor/", {"file": SimpleUploadedFile("opd.csv", csv.encode(), "text/csv")}
    )
    assert page.status_code == 200
    connection.set_tenant(personas.tulungagung)
    assert ktp.__class__.objects.get(pk=ktp.pk).annual_users == 24000  # the import did run
    after = figures(personas, locked[0], agency)
    before_services = dict(before.pop("services"))
    after_services = dict(after.pop("services"))
    assert after == before
    assert {pk: after_services[pk] for pk in before_services} == before_services


# ---------------------------------------------------------------- reopened
def test_after_reopening_the_same_paths_write_again(locked, before, personas, dukcapil):
    period, _counted, excluded = locked
    structure.period_unlock(acting_user=personas.province_admin, period=period, reason="Susulan")
    client = api_client(TULUNGAGUNG_HOST, personas.tulungagung_admin, language="en")
    assert client.post(f"/api/v1/responses/{excluded.pk}/include/").status_code == 200
    connection.set_tenant(personas.tulungagung)
    assert figures(personas, period, dukcapil[0])["regency"] != before["regency"]
