"""An operator sees their own agency under /kelola/, as the API shows them, and no other."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_operator_sees_only_their_agency_on_the_pages(operator_client, agencies):
    dinkes, dukcapil = agencies
    for path in ("/kelola/opd/", "/kelola/pemetaan/"):
        page = operator_client.get(path).content.decode()
        assert "Dinas Kesehatan" in page, path
        assert "Dinas Kependudukan" not in page, path
    assert operator_client.get(f"/kelola/opd/{dinkes.pk}/").status_code == 200
    assert operator_client.get(f"/kelola/opd/{dukcapil.pk}/").status_code == 404


def test_the_api_agrees_with_the_pages(operator_client, agencies):
    names = [row["name"] for row in operator_client.get("/api/v1/agencies/").json()["results"]]
    assert names == ["Dinas Kesehatan"]


def test_an_operator_still_changes_nothing(operator_client, agencies):
    dinkes = agencies[0]
    assert operator_client.post(f"/kelola/opd/{dinkes.pk}/ubah/", {"name": "X"}).status_code == 403


def test_an_admin_sees_every_agency(admin_client, agencies):
    page = admin_client.get("/kelola/opd/").content.decode()
    assert "Dinas Kesehatan" in page and "Dinas Kependudukan" in page
