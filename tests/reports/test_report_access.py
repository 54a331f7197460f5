"""Who may ask for, watch and download a report: as the dashboards (pages and API)."""

import pytest

from sukma.surveys.reports import services
from sukma.surveys.reports.models import ReportFile, ReportState
from tests.api.conftest import api_client
from tests.conftest import KEDIRI_HOST, TULUNGAGUNG_HOST, host_client


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(services, "_dispatch", lambda report_id, schema: None)


def ask_page(client, scope, scope_id, period, fmt="pdf"):
    return client.post(
        "/laporan/minta/", {"scope": scope, "scope_id": scope_id, "periode": period.pk, "fmt": fmt}
    )


def test_regency_admin_asks_from_the_dashboard_and_downloads_when_done(personas, surveyed):
    agency, *_rest, year = surveyed
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    page = client.get(f"/dasbor/opd/{agency.pk}/?periode={year.pk}")
    assert b'action="/laporan/minta/"' in page.content

    response = ask_page(client, "agency", agency.pk, year)
    report = ReportFile.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/laporan/{report.pk}/"

    waiting = client.get(f"/laporan/{report.pk}/")
    assert waiting.status_code == 200
    assert b'http-equiv="refresh"' in waiting.content  # polls without JavaScript
    assert client.get(f"/laporan/{report.pk}/unduh/").status_code == 404

    services.report_generate(report_id=report.pk, regency=personas.tulungagung)
    ready = client.get(f"/laporan/{report.pk}/")
    assert b'http-equiv="refresh"' not in ready.content
    assert b"report-download" in ready.content
    download = client.get(f"/laporan/{report.pk}/unduh/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_kediri_admin_gets_403_and_no_report(personas, surveyed):
    agency, *_rest, year = surveyed
    report, _created = services.report_request(
        acting_user=personas.tulungagung_admin,
        scope="agency",
        scope_id=agency.pk,
        period=year,
        fmt="pdf",
    )
    kediri = host_client(TULUNGAGUNG_HOST, personas.kediri_admin)
    assert ask_page(kediri, "regency", 0, year).status_code == 403
    assert kediri.get(f"/laporan/{report.pk}/").status_code == 403
    assert kediri.get(f"/laporan/{report.pk}/unduh/").status_code == 403
    api = api_client(TULUNGAGUNG_HOST, personas.kediri_admin)
    body = {"scope": "regency", "scope_id": 0, "period": year.pk, "format": "pdf"}
    assert api.post("/api/v1/reports/", body, format="json").status_code == 403
    assert api.get(f"/api/v1/reports/{report.pk}/").status_code == 403
    assert ReportFile.objects.count() == 1


def test_kediri_admin_on_kediris_own_host_sees_no_tulungagung_report(personas, surveyed):
    _agency, *_rest, year = surveyed
    report, _created = services.report_request(
        acting_user=personas.tulungagung_admin, scope="regency", scope_id=0, period=year, fmt="pdf"
    )
    api = api_client(KEDIRI_HOST, personas.kediri_admin)
    assert api.get(f"/api/v1/reports/{report.pk}/").status_code == 404


def test_operator_asks_only_for_their_own_agency(personas, surveyed, other_agency, operator_of):
    agency, ktp, *_rest, year = surveyed
    operator = operator_of(agency)
    client = host_client(TULUNGAGUNG_HOST, operator)

    assert ask_page(client, "agency", agency.pk, year).status_code == 302
    assert ask_page(client, "service", ktp.pk, year).status_code == 302
    assert ask_page(client, "agency", other_agency.pk, year).status_code == 403
    other_service = other_agency.services.first()
    assert ask_page(client, "service", other_service.pk, year).status_code == 403
    assert ask_page(client, "regency", 0, year).status_code == 403

    regency_report, _created = services.report_request(
        acting_user=personas.tulungagung_admin, scope="regency", scope_id=0, period=year, fmt="pdf"
    )
    assert client.get(f"/laporan/{regency_report.pk}/").status_code == 403

    api = api_client(TULUNGAGUNG_HOST, operator)
    mine = {"scope": "agency", "scope_id": agency.pk, "period": year.pk, "format": "xlsx"}
    theirs = {**mine, "scope_id": other_agency.pk}
    assert api.post("/api/v1/reports/", mine, format="json").status_code == 202
    assert api.post("/api/v1/reports/", theirs, format="json").status_code == 403
    assert api.get(f"/api/v1/reports/{regency_report.pk}/").status_code == 403


def test_api_asks_polls_and_downloads(personas, surveyed):
    agency, *_rest, year = surveyed
    api = api_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    body = {"scope": "agency", "scope_id": agency.pk, "period": year.pk, "format": "xlsx"}

    asked = api.post("/api/v1/reports/", body, format="json")
    assert asked.status_code == 202, asked.content
    report_id = asked.json()["id"]
    assert asked.json()["state"] == ReportState.PENDING
    assert asked.json()["download"] is None
    assert api.get(f"/api/v1/reports/{report_id}/download/").status_code == 409

    services.report_generate(report_id=report_id, regency=personas.tulungagung)
    status = api.get(f"/api/v1/reports/{report_id}/").json()
    assert status["state"] == "done" and status["progress"] == 100
    assert status["download"].endswith(f"/api/v1/reports/{report_id}/download/")
    download = api.get(f"/api/v1/reports/{report_id}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"PK")  # a zip: the workbook

    again = api.post("/api/v1/reports/", body, format="json")
    assert again.status_code == 202 and again.json()["id"] == report_id
    assert api.post("/api/v1/reports/", {**body, "format": "doc"}, format="json").status_code == 400


def test_anonymous_is_sent_to_sign_in(personas, surveyed):
    *_rest, year = surveyed
    response = ask_page(host_client(TULUNGAGUNG_HOST), "regency", 0, year)
    assert response.status_code == 302 and "/laporan/minta/" in response["Location"]
