"""What a browser gets at each kind of host: the province, a regency, nobody, a suspended one."""

import pytest
from django.db import connection

from sukma.tenants.models import RegencyStatus
from tests.conftest import KEDIRI_HOST, PUBLIC_HOST, TULUNGAGUNG_HOST, host_client

pytestmark = pytest.mark.django_db


def test_unknown_host_gets_a_clear_404_page_not_the_public_site(personas):
    response = host_client("madiunkab.localhost").get("/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Tidak ada kabupaten/kota yang dilayani di alamat ini" in body or "No regency" in body
    assert "Kabupaten Tulungagung" not in body


def test_each_regency_host_shows_its_own_regency(personas):
    assert "Kabupaten Tulungagung" in host_client(TULUNGAGUNG_HOST).get("/").content.decode()
    assert "Kota Kediri" in host_client(KEDIRI_HOST).get("/").content.decode()


def test_base_domain_serves_the_province(personas):
    response = host_client(PUBLIC_HOST).get("/")
    assert response.status_code == 200
    assert "Kabupaten Tulungagung" not in response.content.decode()


def test_suspended_regency_answers_503_and_keeps_its_data(personas):
    regency = personas.tulungagung
    regency.status = RegencyStatus.SUSPENDED
    regency.save()
    response = host_client(TULUNGAGUNG_HOST).get("/")
    assert response.status_code == 503
    assert regency.name in response.content.decode()
    connection.set_tenant(regency)
    from sukma.surveys.models import Questionnaire

    assert Questionnaire.objects.count() == 1
