"""/api/v1/provisioning/: starting a regency's provisioning, and watching it."""

import uuid

import pytest

from sukma.access.models import AuditEvent
from sukma.platform.models import JobState, ProvisioningJob
from sukma.platform.services.provisioning import provisioning_run
from tests.api.conftest import api_client, assert_error_shape
from tests.conftest import PUBLIC_HOST
from tests.factories import agreement_values, signed_agreement

pytestmark = pytest.mark.django_db
URL = "/api/v1/provisioning/"


@pytest.fixture
def madiun(personas):
    """A regency under a signed agreement, not provisioned yet."""
    agreement = signed_agreement(
        personas.province_admin, region_code="35.19", kind="kabupaten", regency_name="Madiun"
    )
    return agreement.regency


def _request(target, **overrides) -> dict:
    return {
        "regency": target.pk,
        "subdomain": "madiunkab",
        "admin_email": "organisasi@madiunkab.go.id",
        **overrides,
    }


def test_province_admin_starts_provisioning_and_gets_202_with_a_status_url(
    province_api, personas, madiun, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = province_api.post(URL, _request(madiun), format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    job = ProvisioningJob.objects.get(pk=body["id"])
    assert job.regency == madiun
    assert job.state == JobState.PENDING
    assert job.requested_by == personas.province_admin
    assert body["task_id"] == job.task_id != ""
    assert body["status_url"] == f"http://localhost/api/v1/provisioning/{job.pk}/"
    assert response["Location"] == body["status_url"]
    # The worker is sent the job only once it is committed, exactly once.
    assert len(queued) == 1

    event = AuditEvent.objects.get(action="provisioning.requested", target_id=str(job.pk))
    assert event.actor == personas.province_admin
    assert event.regency == madiun


def test_a_new_job_reports_zero_percent_and_every_step_to_come(province_api, madiun):
    status_url = province_api.post(URL, _request(madiun), format="json").json()["status_url"]
    progress = province_api.get(status_url).json()
    assert progress["state"] == "pending"
    assert progress["percent"] == 0
    assert progress["error"] == ""
    assert progress["regency"] == madiun.pk
    assert [step["name"] for step in progress["steps"]] == [
        "schema",
        "questionnaire",
        "domain",
        "admin",
        "invitation",
        "activate",
    ]
    assert not any(step["done"] for step in progress["steps"])


def test_a_finished_job_reports_succeeded_and_one_hundred_percent(province_api, personas):
    job = personas.tulungagung.provisioning_jobs.get()
    progress = province_api.get(f"{URL}{job.pk}/").json()
    assert progress["state"] == "succeeded"
    assert progress["percent"] == 100
    assert all(step["done"] for step in progress["steps"])


def test_a_failed_job_reports_its_error(province_api, madiun, monkeypatch):
    job_id = province_api.post(URL, _request(madiun), format="json").json()["id"]

    def broken(job):
        raise RuntimeError("disk full")

    monkeypatch.setattr(
        "sukma.platform.services.provisioning.STEPS",
        [("schema", broken)],
    )
    with pytest.raises(RuntimeError):
        provisioning_run(job_id=job_id)
    progress = province_api.get(f"{URL}{job_id}/").json()
    assert progress["state"] == "failed"
    assert "disk full" in progress["error"]


def test_step_labels_follow_the_request_language(personas, db):
    job = personas.kediri.provisioning_jobs.get()
    client = api_client(PUBLIC_HOST, personas.province_admin, language="en")
    english = client.get(f"{URL}{job.pk}/").json()
    assert english["steps"][0]["label"] == "Database schema"


def test_a_regency_without_a_signed_agreement_is_refused(province_api, personas):
    from sukma.platform.services.agreements import agreement_register

    draft = agreement_register(
        acting_user=personas.province_admin,
        **agreement_values(region_code="35.20", regency_name="Magetan"),
    )
    response = province_api.post(URL, _request(draft.regency), format="json")
    assert "agreement" in assert_error_shape(response, 400)["errors"]
    assert not ProvisioningJob.objects.filter(regency=draft.regency).exists()


def test_a_subdomain_of_another_regency_is_refused(province_api, madiun):
    response = province_api.post(URL, _request(madiun, subdomain="tulungagungkab"), format="json")
    assert list(assert_error_shape(response, 400)["errors"]) == ["subdomain"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"subdomain": "Madiun Kab!"}, "subdomain"),
        ({"subdomain": "m" * 100_000}, "subdomain"),
        ({"subdomain": ""}, "subdomain"),
        ({"admin_email": "not-an-address"}, "admin_email"),
        ({"regency": 999_999}, "regency"),
        ({"regency": 99_999_999_999_999_999_999}, "regency"),
        ({"regency": "abc"}, "regency"),
        ({"regency": None}, "regency"),
        ({"regency": {"id": 1}}, "regency"),
    ],
    ids=[
        "bad-subdomain",
        "huge-subdomain",
        "blank-subdomain",
        "bad-email",
        "unknown-regency",
        "huge-regency-id",
        "text-regency-id",
        "null-regency",
        "object-regency",
    ],
)
def test_bad_input_is_a_clear_400_and_starts_nothing(province_api, madiun, overrides, field):
    response = province_api.post(URL, _request(madiun, **overrides), format="json")
    assert field in assert_error_shape(response, 400)["errors"]
    assert not ProvisioningJob.objects.filter(regency=madiun).exists()


def test_unknown_regency_is_named_in_indonesian(province_api, madiun):
    response = province_api.post(URL, _request(madiun, regency=999_999), format="json")
    error = assert_error_shape(response, 400)
    assert error["errors"]["regency"] == ['Objek dengan primary key "999999" tidak ditemukan.']


def test_kediri_admin_cannot_start_provisioning(kediri_admin_api, madiun):
    response = kediri_admin_api.post(URL, _request(madiun), format="json")
    assert_error_shape(response, 403)
    assert not ProvisioningJob.objects.filter(regency=madiun).exists()


def test_anonymous_caller_cannot_start_provisioning(anonymous_api, madiun):
    assert_error_shape(anonymous_api.post(URL, _request(madiun), format="json"), 401)


def test_tulungagung_admin_cannot_watch_its_own_provisioning_job(tulungagung_admin_api, personas):
    job = personas.tulungagung.provisioning_jobs.get()
    assert_error_shape(tulungagung_admin_api.get(f"{URL}{job.pk}/"), 403)


@pytest.mark.parametrize("job_id", [str(uuid.uuid4()), "not-a-uuid", "123"])
def test_unknown_job_is_a_404(province_api, job_id):
    assert_error_shape(province_api.get(f"{URL}{job_id}/"), 404)


def test_jobs_are_not_listed_or_deleted_through_the_api(province_api, personas):
    job = personas.kediri.provisioning_jobs.get()
    assert province_api.get(URL).status_code == 405
    assert province_api.delete(f"{URL}{job.pk}/").status_code == 405
