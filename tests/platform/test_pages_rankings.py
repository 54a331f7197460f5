"""The provincial rankings pages: dashboard, drill-down, refresh, downloads, public results."""

import csv
import io
from decimal import Decimal
from unittest import mock

import pytest
from openpyxl import load_workbook

from sukma.access.models import AuditEvent
from sukma.platform.rankings.models import RefreshRun
from sukma.platform.rankings.ranking import ranking_read
from sukma.standards.models import StandardAgencyKind
from tests.conftest import PUBLIC_HOST, host_client
from tests.platform import rankings_data as data

pytestmark = pytest.mark.django_db

YEAR = "year:2026"


@pytest.fixture
def ranked(personas):
    dukcapil = data.standard_kind("dukcapil", "Dinas Kependudukan dan Pencatatan Sipil")
    data.standard_service(dukcapil, "dukcapil-akta-lahir", "Akta Kelahiran")
    made = {}
    for name, scores in [("Lima", {4: 4}), ("Mike", {3: 4}), ("=HYPERLINK(1)", {4: 3, 3: 1})]:
        regency = data.regency(name)
        agency = data.agency(regency, name=f"Dispendukcapil {name}", kind_code="dukcapil")
        service = data.service(agency, code="dukcapil-akta-lahir", annual_users=4)
        data.month(service, 2026, 3, scores)
        made[name] = (regency, agency, service)
    return made


def test_province_admin_sees_the_regency_ranking_and_drills_down(province_client, ranked):
    page = province_client.get(f"/peringkat/?periode={YEAR}")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Lima" in body and "100,00" in body and "Perbarui sekarang" in body
    regency, agency, service = ranked["Lima"]
    drill = province_client.get(f"/peringkat/kabupaten-kota/{regency.pk}/?periode={YEAR}")
    assert drill.status_code == 200 and "Dispendukcapil Lima" in drill.content.decode()
    agency_page = province_client.get(
        f"/peringkat/kabupaten-kota/{regency.pk}/opd/{agency.agency_id}/?periode={YEAR}"
    )
    assert agency_page.status_code == 200 and "Akta Kelahiran" in agency_page.content.decode()
    service_page = province_client.get(
        f"/peringkat/kabupaten-kota/{regency.pk}/layanan/{service.service_id}/?periode={YEAR}"
    )
    assert service_page.status_code == 200 and "U9" in service_page.content.decode()


@pytest.mark.parametrize("level", ["agency", "service"])
def test_levels_and_kind_filter(province_client, ranked, level):
    code = "dukcapil" if level == "agency" else "dukcapil-akta-lahir"
    page = province_client.get(f"/peringkat/?periode={YEAR}&tingkat={level}&jenis={code}")
    assert page.status_code == 200
    assert "Dispendukcapil Mike" in page.content.decode() or "Mike" in page.content.decode()


def test_a_bad_period_falls_back_to_the_default(province_client, ranked):
    assert province_client.get("/peringkat/?periode=nonsense&tingkat=zzz").status_code == 200


def test_kediri_admin_gets_403_on_every_rankings_page(personas, ranked):
    client = host_client(PUBLIC_HOST, personas.kediri_admin)
    regency, agency, _service = ranked["Lima"]
    for path in [
        "/peringkat/",
        "/peringkat/unduh.csv",
        "/peringkat/unduh.xlsx",
        f"/peringkat/kabupaten-kota/{regency.pk}/",
        f"/peringkat/kabupaten-kota/{regency.pk}/opd/{agency.agency_id}/",
        "/peringkat/standar/",
    ]:
        assert client.get(path).status_code == 403, path
    assert client.post("/peringkat/segarkan/").status_code == 403
    assert not RefreshRun.objects.exists()


def test_anonymous_visitors_go_to_sign_in_for_the_dashboard(anonymous_public):
    response = anonymous_public.get("/peringkat/")
    assert (response.status_code == 302 and "masuk" in response["Location"]) or "login" in (
        response["Location"]
    )


def test_the_public_results_need_no_sign_in(anonymous_public, ranked):
    page = anonymous_public.get(f"/hasil/?periode={YEAR}")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Lima" in body and "Dinas Kependudukan dan Pencatatan Sipil" in body
    assert "/peringkat/kabupaten-kota/" not in body  # no drill-down for the public


def test_refresh_now_starts_a_run_and_shows_its_progress(province_client, personas):
    with mock.patch("sukma.platform.rankings.services.refresh_send") as send:
        response = province_client.post("/peringkat/segarkan/")
    run = RefreshRun.objects.get()
    assert send.call_count == 1 and run.started_by == personas.province_admin
    assert response.status_code == 302 and str(run.pk) in response["Location"]
    progress = province_client.get(response["Location"])
    assert progress.status_code == 200
    assert '<meta http-equiv="refresh"' in progress.content.decode()  # pending: it watches
    assert AuditEvent.objects.filter(action="rankings.refresh_requested").exists()


def _ranking_numbers(level="regency", kind=None):
    ranking = ranking_read(period=YEAR, level=level, kind=kind)
    return [(r["rank"], r["konversi"], r["responses"], r["target"]) for r in ranking.rows]


def test_the_csv_has_the_ranking_numbers_and_no_formula(province_client, ranked):
    response = province_client.get(f"/peringkat/unduh.csv?periode={YEAR}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    konversi = header.index(next(h for h in header if "25-100" in h))
    responses, target = konversi + 2, konversi + 3  # after the grade
    got = [
        (int(r[0]) if r[0] else None, r[konversi] or None, int(r[responses]), int(r[target]))
        for r in body
    ]
    assert got == _ranking_numbers()
    names = [r[1] for r in body]
    assert "'=HYPERLINK(1)" in names and "=HYPERLINK(1)" not in names


def test_the_xlsx_has_the_ranking_numbers_and_no_formula(province_client, ranked):
    response = province_client.get(f"/peringkat/unduh.xlsx?periode={YEAR}&tingkat=service")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    konversi = header.index(next(h for h in header if "25-100" in h))
    ranking = ranking_read(period=YEAR, level="service")
    assert [(r[0], None if r[konversi] is None else Decimal(str(r[konversi]))) for r in body] == [
        (row["rank"], row["konversi"] and Decimal(row["konversi"])) for row in ranking.rows
    ]
    assert all(not str(v).startswith("=") for row in body for v in row if v is not None)


def test_province_admin_maintains_the_standard_lists(province_client, personas):
    assert province_client.post("/peringkat/standar/templat/").status_code == 302
    assert StandardAgencyKind.objects.count() == 16
    page = province_client.get("/peringkat/standar/")
    assert "Rumah Sakit Umum Daerah" in page.content.decode()
    created = province_client.post(
        "/peringkat/standar/jenis/baru/",
        {"code": "satpolpp", "name": "Satuan Polisi Pamong Praja", "agency_kind": "badan"},
    )
    assert created.status_code == 302
    kind = StandardAgencyKind.objects.get(code="satpolpp")
    edit = province_client.post(
        f"/peringkat/standar/jenis/{kind.pk}/",
        {"code": "other", "name": "Satpol PP", "agency_kind": "badan", "active": "on"},
    )
    assert edit.status_code == 302
    kind.refresh_from_db()
    assert (kind.code, kind.name) == ("satpolpp", "Satpol PP")  # the code stays
    service = province_client.post(
        f"/peringkat/standar/jenis/{kind.pk}/layanan/baru/",
        {"code": "satpolpp-rekomendasi", "name": "Rekomendasi Keramaian", "active": "on"},
    )
    assert service.status_code == 302 and kind.services.count() == 1
    duplicate = province_client.post(
        "/peringkat/standar/jenis/baru/",
        {"code": "satpolpp", "name": "Again", "agency_kind": "badan"},
    )
    assert duplicate.status_code == 200
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"standard_kind.created", "standard_kind.updated", "standard_service.created"} <= actions
