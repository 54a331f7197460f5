"""The provision form and the progress page that watches the job."""

import pytest
from django.urls import reverse

from sukma.platform.models import JobState, ProvisioningJob
from sukma.platform.services.provisioning import provisioning_run
from tests.conftest import PUBLIC_HOST, host_client
from tests.factories import agreement_values, signed_agreement

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(name, urlconf="sukma.urls.public", args=args)


class SentTask:
    id = "task-0001"


@pytest.fixture
def sent(monkeypatch) -> list[str]:
    """The job ids handed to the worker queue; no broker in these tests."""
    from sukma import background

    calls: list[str] = []

    def send(name, *, args=(), task_id=None, **options):
        assert name == background.PROVISION_REGENCY
        calls.extend(args)
        SentTask.id = task_id  # the job's task id is chosen before it is sent
        return SentTask()

    monkeypatch.setattr(background, "send", send)
    return calls


@pytest.fixture
def client(personas):
    return host_client(PUBLIC_HOST, personas.province_admin, HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def trenggalek(personas):
    return signed_agreement(
        personas.province_admin, region_code="35.03", regency_name="Trenggalek"
    ).regency


def provision_data() -> dict:
    return {"subdomain": "trenggalekkab", "admin_email": "organisasi@trenggalekkab.go.id"}


def test_provision_form_suggests_the_go_id_style_subdomain(client, trenggalek):
    response = client.get(url("provision", trenggalek.pk))
    assert response.context["form"].initial["subdomain"] == "trenggalekkab"


def test_provisioning_records_a_job_queues_it_and_shows_its_progress(
    client, trenggalek, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # sent once the job is committed
        response = client.post(url("provision", trenggalek.pk), provision_data())

    job = ProvisioningJob.objects.get(regency=trenggalek)
    assert response.status_code == 302
    assert response["Location"] == url("provisioning_job", job.pk)
    assert sent == [str(job.pk)]
    assert job.task_id == SentTask.id and len(job.task_id) == 36
    assert job.state == JobState.PENDING


def test_provisioning_without_a_signed_agreement_is_refused(personas, client, sent):
    from sukma.platform.services.agreements import agreement_register

    draft = agreement_register(
        acting_user=personas.province_admin,
        **agreement_values(region_code="35.03", regency_name="Trenggalek"),
    )
    response = client.post(url("provision", draft.regency.pk), provision_data())

    assert response.status_code == 200
    assert "has no signed agreement" in response.content.decode()
    assert not ProvisioningJob.objects.filter(regency=draft.regency).exists()
    assert sent == []


def test_provisioning_on_a_subdomain_of_another_regency_is_refused(client, trenggalek, sent):
    data = {**provision_data(), "subdomain": "tulungagungkab"}
    response = client.post(url("provision", trenggalek.pk), data)
    assert response.status_code == 200
    assert response.context["form"].errors["subdomain"]
    assert not ProvisioningJob.objects.filter(regency=trenggalek).exists()


def test_provisioning_with_a_malformed_subdomain_shows_the_error(client, trenggalek, sent):
    response = client.post(url("provision", trenggalek.pk), {**provision_data(), "subdomain": "X"})
    assert response.status_code == 200
    assert response.context["form"].errors["subdomain"]
    assert sent == []


def test_progress_page_refreshes_itself_while_the_job_waits(client, trenggalek, sent):
    client.post(url("provision", trenggalek.pk), provision_data())
    job = ProvisioningJob.objects.get(regency=trenggalek)

    body = client.get(url("provisioning_job", job.pk)).content.decode()

    assert '<meta http-equiv="refresh" content="2">' in body
    assert 'data-state="pending"' in body
    assert "trenggalekkab.localhost" not in body


def test_progress_page_of_a_finished_job_links_to_the_new_site(client, trenggalek, sent):
    client.post(url("provision", trenggalek.pk), provision_data())
    job = provisioning_run(job_id=ProvisioningJob.objects.get(regency=trenggalek).pk)

    response = client.get(url("provisioning_job", job.pk))

    body = response.content.decode()
    assert response.context["progress"]["percent"] == 100
    assert 'http-equiv="refresh"' not in body
    assert 'href="http://trenggalekkab.localhost:8000/"' in body


def test_progress_page_shows_a_failed_jobs_error(client, trenggalek, sent):
    client.post(url("provision", trenggalek.pk), provision_data())
    job = ProvisioningJob.objects.get(regency=trenggalek)
    ProvisioningJob.objects.filter(pk=job.pk).update(
        state=JobState.FAILED, error="schema: disk full"
    )
    body = client.get(url("provisioning_job", job.pk)).content.decode()
    assert "schema: disk full" in body
    assert 'http-equiv="refresh"' not in body
