"""POST /api/v1/provisioning/ with a real Celery worker: poll the status URL until done."""

import time

import pytest
from django.db import connection
from rest_framework.test import APIClient

from sukma.access.models import AuditEvent
from sukma.platform.models import JobState, ProvisioningJob
from sukma.tenants.models import Regency, RegencyStatus
from tests.conftest import PUBLIC_HOST, host_client
from tests.factories import signed_agreement

pytestmark = pytest.mark.worker


def _poll(client: APIClient, url: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        progress = client.get(url).json()
        if progress["state"] in {JobState.SUCCEEDED, JobState.FAILED}:
            return progress
        assert time.monotonic() < deadline, f"still {progress['state']} after {timeout}s"
        time.sleep(0.2)


def test_province_admin_provisions_a_regency_through_the_api_and_a_real_worker(
    personas, committed, celery_worker
):
    agreement = signed_agreement(
        personas.province_admin, region_code="35.10", kind="kabupaten", regency_name="Banyuwangi"
    )
    # Authenticated without a token or session row: the committed test leaves no extra rows.
    client = APIClient(HTTP_HOST=PUBLIC_HOST)
    client.force_authenticate(personas.province_admin)

    response = client.post(
        "/api/v1/provisioning/",
        {
            "regency": agreement.regency.pk,
            "subdomain": "banyuwangikab",
            "admin_email": "organisasi@banyuwangikab.go.id",
        },
        format="json",
    )
    assert response.status_code == 202, response.content
    progress = _poll(client, response.json()["status_url"])

    assert progress["state"] == "succeeded", progress["error"]
    assert progress["percent"] == 100
    job = ProvisioningJob.objects.get(pk=response.json()["id"])
    assert job.task_id == response.json()["task_id"]
    regency = Regency.objects.get(pk=agreement.regency.pk)
    assert regency.status == RegencyStatus.ACTIVE
    assert host_client("banyuwangikab.localhost").get("/").status_code == 200
    connection.set_schema_to_public()
    assert AuditEvent.objects.filter(
        action="provisioning.requested", actor=personas.province_admin, regency=regency
    ).exists()
    assert AuditEvent.objects.filter(action="regency.active", regency=regency).exists()
