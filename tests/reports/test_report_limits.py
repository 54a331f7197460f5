"""Report requests cannot pile up: the same report joins the one made or being made (see
test_report_cache), and new files are limited per person, a limit a regency admin
downloading a dozen reports never meets. Through the API and the dashboard's form."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from sukma.surveys.models import Service
from sukma.surveys.reports import services
from sukma.surveys.reports.models import ReportFile, ReportState
from tests.api.conftest import api_client, assert_error_shape
from tests.conftest import TULUNGAGUNG_HOST, host_client


@pytest.fixture
def sent(monkeypatch):
    """The report ids handed to the queue (now, or once the test's transaction would commit)."""
    ids = []
    monkeypatch.setattr(services, "_dispatch", lambda report_id, schema: ids.append(report_id))
    monkeypatch.setattr(
        services, "_dispatch_on_commit", lambda report_id, schema: ids.append(report_id)
    )
    return ids


@pytest.fixture
def twelve_services(surveyed):
    agency, *_rest, year = surveyed
    for n in range(10):
        Service.objects.create(agency=agency, name=f"Layanan {n}")
    return list(Service.objects.filter(agency=agency).order_by("pk")), year


def _ask(api, scope, scope_id, year, fmt="pdf"):
    body = {"scope": scope, "scope_id": scope_id, "period": year.pk, "format": fmt}
    return api.post("/api/v1/reports/", body, format="json")


def _earlier_requests(user, count, *, ago=timedelta(minutes=5), **fields):
    """Files this person asked for `ago`, as if through the form (each its own fingerprint)."""
    start, period = ReportFile.objects.count(), fields.pop("period")
    fields.setdefault("state", ReportState.DONE)
    rows = [
        ReportFile(
            scope="regency",
            scope_id=0,
            period=period,
            fmt="pdf",
            fingerprint=f"earlier-{start + n}",
            requested_by=user.pk,
            **fields,
        )
        for n in range(count)
    ]
    made = ReportFile.objects.bulk_create(rows)
    ReportFile.objects.filter(pk__in=[r.pk for r in made]).update(created_at=timezone.now() - ago)


def test_a_regency_admin_downloading_a_dozen_reports_is_never_refused(
    personas, twelve_services, sent
):
    services_, year = twelve_services
    api = api_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    assert len(services_) == 12
    for service in services_:
        assert _ask(api, "service", service.pk, year).status_code == 202
    assert len(sent) == 12
    # Asking again for the same twelve (a reload, a second tab) returns them, sends nothing.
    for service in services_:
        assert _ask(api, "service", service.pk, year).status_code == 202
    assert len(sent) == 12 and ReportFile.objects.count() == 12


@override_settings(SUKMA_REPORT_LIMIT=60, SUKMA_REPORT_WINDOW=3600)
def test_past_the_limit_a_new_file_is_a_429_and_made_files_are_still_returned(
    personas, surveyed, sent, operator_of
):
    agency, ktp, _kk, _point, _responses, year = surveyed
    admin = personas.tulungagung_admin
    api = api_client(TULUNGAGUNG_HOST, admin)
    made = _ask(api, "agency", agency.pk, year)
    assert made.status_code == 202
    _earlier_requests(admin, 59, period=year)

    refused = _ask(api, "service", ktp.pk, year)

    body = assert_error_shape(refused, 429)
    assert "60 laporan baru" in body["detail"] and "tetap dapat diunduh" in body["detail"]
    assert 54 * 60 <= int(refused["Retry-After"]) <= 55 * 60 + 1
    assert not ReportFile.objects.filter(scope="service").exists() and len(sent) == 1
    # The file already asked for is still returned, whatever the limit.
    again = _ask(api, "agency", agency.pk, year)
    assert again.status_code == 202 and again.json()["id"] == made.json()["id"]
    # Another person of the same regency is not held back by this one's requests.
    operator = api_client(TULUNGAGUNG_HOST, operator_of(agency))
    assert _ask(operator, "service", ktp.pk, year).status_code == 202 and len(sent) == 2


@override_settings(SUKMA_REPORT_LIMIT=3, SUKMA_REPORT_WINDOW=3600)
def test_old_requests_and_requests_the_queue_refused_do_not_count(personas, surveyed, sent):
    agency, *_rest, year = surveyed
    admin = personas.tulungagung_admin
    _earlier_requests(admin, 3, ago=timedelta(hours=2), period=year)
    _earlier_requests(
        admin, 3, period=year, state=ReportState.FAILED, error=services.QUEUE_UNREACHABLE
    )
    api = api_client(TULUNGAGUNG_HOST, admin)
    assert _ask(api, "agency", agency.pk, year).status_code == 202


@override_settings(SUKMA_REPORT_LIMIT=2, SUKMA_REPORT_WINDOW=3600)
def test_the_dashboard_form_answers_429_in_indonesian(personas, surveyed, sent):
    agency, *_rest, year = surveyed
    _earlier_requests(personas.tulungagung_admin, 2, period=year)
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    page = client.post(
        "/laporan/minta/",
        {"scope": "agency", "scope_id": agency.pk, "periode": year.pk, "fmt": "pdf"},
    )
    assert page.status_code == 429 and int(page["Retry-After"]) > 0
    text = page.content.decode()
    assert "Terlalu banyak permintaan" in text and "2 laporan baru" in text
    assert not ReportFile.objects.filter(scope="agency").exists() and sent == []
