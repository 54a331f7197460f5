"""Who may open the province's pages: province admins see them, others never see data."""

import pytest
from django.urls import reverse

from sukma.platform.models import ProvisioningJob
from tests.conftest import PUBLIC_HOST, host_client

pytestmark = pytest.mark.django_db


def province_page_paths(personas) -> list[str]:
    regency = personas.tulungagung
    agreement = regency.agreements.get()
    job = ProvisioningJob.objects.filter(regency=regency).first()
    return [
        reverse("regency_list", urlconf="sukma.urls.public"),
        reverse("regency_detail", urlconf="sukma.urls.public", args=[regency.pk]),
        reverse("provision", urlconf="sukma.urls.public", args=[regency.pk]),
        reverse("provisioning_job", urlconf="sukma.urls.public", args=[job.pk]),
        reverse("agreement_create", urlconf="sukma.urls.public"),
        reverse("agreement_detail", urlconf="sukma.urls.public", args=[agreement.pk]),
        reverse("agreement_document", urlconf="sukma.urls.public", args=[agreement.pk]),
        reverse("audit_log", urlconf="sukma.urls.public"),
    ]


def test_province_admin_opens_every_province_page(personas):
    client = host_client(PUBLIC_HOST, personas.province_admin)
    for path in province_page_paths(personas):
        assert client.get(path).status_code == 200, path


def test_anonymous_visitor_is_sent_to_sign_in_from_every_province_page(personas):
    client = host_client(PUBLIC_HOST)
    for path in province_page_paths(personas):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/masuk/?next="), path


@pytest.mark.parametrize("persona", ["kediri_admin", "tulungagung_admin"])
def test_regency_admins_get_403_and_no_data_on_province_pages(personas, persona):
    client = host_client(PUBLIC_HOST, getattr(personas, persona))
    agreement_number = personas.tulungagung.agreements.get().number
    for path in province_page_paths(personas):
        response = client.get(path)
        assert response.status_code == 403, path
        body = response.content.decode()
        assert "Kabupaten Tulungagung" not in body, path
        assert agreement_number not in body, path
        assert "%PDF" not in body, path


@pytest.mark.parametrize("persona", ["kediri_admin", "tulungagung_admin"])
def test_regency_admins_cannot_post_to_province_pages(personas, persona):
    client = host_client(PUBLIC_HOST, getattr(personas, persona))
    regency = personas.tulungagung
    url = reverse("regency_status", urlconf="sukma.urls.public", args=[regency.pk])
    assert client.post(url, {"action": "suspend"}).status_code == 403
    regency.refresh_from_db()
    assert regency.status == "active"


def test_province_pages_are_not_served_on_a_regency_host(personas):
    from tests.conftest import TULUNGAGUNG_HOST

    client = host_client(TULUNGAGUNG_HOST, personas.province_admin)
    assert client.get("/kabupaten-kota/").status_code == 404
