"""Provisioning through a real Celery worker: the message, the schema, the progress."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from sukma.platform.models import JobState, ProvisioningJob
from sukma.platform.services.provisioning import provisioning_start
from sukma.surveys.models import Question
from sukma.tenants.models import RegencyStatus
from sukma.worker.tasks import provision_regency
from tests.factories import signed_agreement

pytestmark = pytest.mark.worker


def test_worker_provisions_a_regency_from_a_queued_job(personas, committed, celery_worker):
    agreement = signed_agreement(
        personas.province_admin, region_code="35.02", kind="kabupaten", regency_name="Ponorogo"
    )
    job = provisioning_start(
        acting_user=personas.province_admin,
        regency=agreement.regency,
        subdomain="ponorogokab",
        admin_email="organisasi@ponorogokab.go.id",
    )

    result = provision_regency.delay(str(job.pk))
    assert result.get(timeout=60) == JobState.SUCCEEDED

    job = ProvisioningJob.objects.get(pk=job.pk)
    assert job.state == JobState.SUCCEEDED
    assert len(job.steps_done) == 6
    regency = job.regency
    regency.refresh_from_db()
    assert regency.status == RegencyStatus.ACTIVE
    assert regency.primary_domain == "ponorogokab.localhost"
    with schema_context(regency.schema_name):
        assert Question.objects.filter(element_code__startswith="U").count() == 9
    connection.set_schema_to_public()
