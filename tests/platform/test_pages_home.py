"""The base domain's front page: public landing for visitors, dashboard for the province."""

import pytest
from django.urls import reverse

from tests.conftest import PUBLIC_HOST, host_client

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_sees_the_public_landing(personas):
    response = host_client(PUBLIC_HOST).get("/")
    assert response.status_code == 200
    assert response.templates[0].name == "platform/home.html"
    assert reverse("audit_log", urlconf="sukma.urls.public") not in response.content.decode()


def test_regency_admin_on_the_base_domain_sees_the_public_landing(personas):
    response = host_client(PUBLIC_HOST, personas.kediri_admin).get("/")
    assert response.status_code == 200
    assert response.templates[0].name == "platform/home.html"


def test_province_admin_home_links_to_every_province_page(personas):
    body = host_client(PUBLIC_HOST, personas.province_admin).get("/").content.decode()
    for name in ["regency_list", "agreement_create", "audit_log"]:
        assert f'href="{reverse(name, urlconf="sukma.urls.public")}"' in body, name


def test_province_admin_home_counts_regencies_by_status(personas):
    response = host_client(PUBLIC_HOST, personas.province_admin).get("/")
    counts = dict(response.context["status_counts"])
    assert sum(counts.values()) >= 2
