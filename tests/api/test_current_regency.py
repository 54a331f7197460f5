"""GET /api/v1/regency/ on a regency's own host: the regency, to those who work in it."""

import pytest

from sukma.access.models import Membership, Role, User
from tests.api.conftest import api_client, assert_error_shape
from tests.conftest import KEDIRI_HOST, PASSWORD, TULUNGAGUNG_HOST
from tests.second_factor import mark_verified

pytestmark = pytest.mark.django_db
URL = "/api/v1/regency/"


def test_tulungagung_admin_reads_their_regency(tulungagung_host_api, personas):
    response = tulungagung_host_api(personas.tulungagung_admin).get(URL)
    assert response.status_code == 200
    assert response.json() == {
        "id": personas.tulungagung.pk,
        "code": "35.04",
        "kind": "kabupaten",
        "name": "Kabupaten Tulungagung",
        "province": "Jawa Timur",
        "status": "active",
        "primary_domain": TULUNGAGUNG_HOST,
    }


def test_each_host_describes_its_own_regency(personas):
    response = api_client(KEDIRI_HOST, personas.kediri_admin).get(URL)
    assert response.json()["name"] == "Kota Kediri"


def test_an_agency_operator_reads_their_regency(tulungagung_host_api, personas):
    operator = User.objects.create_user("operator@dinkes.tulungagungkab.go.id", PASSWORD)
    Membership.objects.create(
        user=operator, role=Role.AGENCY_OPERATOR, regency=personas.tulungagung, agency_id=1
    )
    assert tulungagung_host_api(operator).get(URL).status_code == 200


def test_kediri_admin_cannot_read_tulungagung(tulungagung_host_api, personas):
    response = tulungagung_host_api(personas.kediri_admin).get(URL)
    assert assert_error_shape(response, 403)["detail"] == (
        "Anda tidak memiliki izin untuk melakukan tindakan ini."
    )


def test_province_admin_is_no_regency_worker(tulungagung_host_api, personas):
    """The province governs through the control plane, not a regency's own API."""
    assert_error_shape(tulungagung_host_api(personas.province_admin).get(URL), 403)


def test_anonymous_caller_is_asked_to_authenticate_in_english(tulungagung_host_api):
    response = tulungagung_host_api(language="en").get(URL)
    error = assert_error_shape(response, 401)
    assert error["detail"] == "Authentication credentials were not provided."


def test_the_regency_endpoint_does_not_exist_on_the_base_domain(province_api):
    assert province_api.get(URL).status_code == 404


def test_session_sign_in_works_as_well_as_a_token(personas):
    from rest_framework.test import APIClient

    client = APIClient(HTTP_HOST=TULUNGAGUNG_HOST)
    client.force_login(personas.tulungagung_admin)
    mark_verified(client, personas.tulungagung_admin)
    assert client.get(URL).status_code == 200
