"""A regency admin maps agencies and services to the province's standard lists, audited."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from sukma.access.models import AuditEvent
from sukma.standards.services import standard_kinds_seed
from sukma.surveys.models import Agency, Service
from sukma.surveys.structure.mapping import agency_map
from tests.conftest import KEDIRI_HOST, TULUNGAGUNG_HOST, host_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def standards(personas):
    connection.set_schema_to_public()
    standard_kinds_seed()
    connection.set_tenant(personas.tulungagung)


def test_the_seed_is_idempotent(personas):
    first = standard_kinds_seed()
    assert first["kinds"] == 16 and first["services"] == 30
    assert standard_kinds_seed() == {"kinds": 0, "services": 0}


def test_admin_maps_an_agency_and_its_services_with_audit(personas, dukcapil, standards):
    agency, ktp, kk, _point = dukcapil
    agency_map(
        acting_user=personas.tulungagung_admin,
        agency=agency,
        standard_kind="dukcapil",
        services={ktp.pk: "dukcapil-ktp-el", kk.pk: "dukcapil-kk"},
    )
    agency.refresh_from_db()
    assert agency.standard_kind == "dukcapil"
    assert set(Service.objects.values_list("standard_service", flat=True)) == {
        "dukcapil-ktp-el",
        "dukcapil-kk",
    }
    events = AuditEvent.objects.filter(regency=personas.tulungagung).order_by("pk")
    assert [e.action for e in events][-3:] == [
        "agency.standard_kind_mapped",
        "service.standard_service_mapped",
        "service.standard_service_mapped",
    ]
    assert events.last().actor == personas.tulungagung_admin


def test_a_service_of_another_kind_is_refused(personas, dukcapil, standards):
    agency, ktp, _kk, _point = dukcapil
    with pytest.raises(ValidationError) as error:
        agency_map(
            acting_user=personas.tulungagung_admin,
            agency=agency,
            standard_kind="dukcapil",
            services={ktp.pk: "rsud-rawat-inap"},
        )
    assert "standard_service" in error.value.message_dict
    with pytest.raises(ValidationError):
        agency_map(acting_user=None, agency=agency, standard_kind="no-such-kind")
    assert Agency.objects.get(pk=agency.pk).standard_kind == ""


def test_changing_the_kind_unmaps_services_of_the_old_kind(personas, dukcapil, standards):
    agency, ktp, _kk, _point = dukcapil
    agency_map(
        acting_user=None,
        agency=agency,
        standard_kind="dukcapil",
        services={ktp.pk: "dukcapil-ktp-el"},
    )
    agency_map(acting_user=None, agency=agency, standard_kind="dinkes")
    ktp.refresh_from_db()
    assert ktp.standard_service == ""


def test_the_mapping_pages_save_for_the_admin(personas, dukcapil, standards):
    agency, ktp, kk, _point = dukcapil
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    listing = client.get("/kelola/pemetaan/")
    assert listing.status_code == 200 and agency.name in listing.content.decode()
    page = f"/kelola/pemetaan/opd/{agency.pk}/"
    assert client.post(page, {"standard_kind": "dukcapil"}).status_code == 302
    form = client.get(page).content.decode()
    assert "Akta Kelahiran" in form  # the kind's services are offered now
    response = client.post(
        page,
        {
            "standard_kind": "dukcapil",
            f"service_{ktp.pk}": "dukcapil-ktp-el",
            f"service_{kk.pk}": "dukcapil-kk",
        },
    )
    assert response.status_code == 302
    connection.set_tenant(personas.tulungagung)
    ktp.refresh_from_db()
    assert ktp.standard_service == "dukcapil-ktp-el"
    bad = client.post(page, {"standard_kind": "dukcapil", f"service_{ktp.pk}": "rsud-igd"})
    assert bad.status_code == 200  # not a choice: the form says so


def test_kediri_admin_cannot_map_tulungagung_agencies(personas, dukcapil, standards):
    agency, *_ = dukcapil
    client = host_client(TULUNGAGUNG_HOST, personas.kediri_admin)
    assert client.get("/kelola/pemetaan/").status_code == 403
    page = f"/kelola/pemetaan/opd/{agency.pk}/"
    assert client.post(page, {"standard_kind": "rsud"}).status_code == 403
    own = host_client(KEDIRI_HOST, personas.kediri_admin).get("/kelola/pemetaan/")
    assert own.status_code == 200 and agency.name not in own.content.decode()


def test_the_demo_maps_template_agencies_and_services_by_name(personas, dukcapil):
    from sukma.demo.seed import standard_mapping_seed

    agency, _ktp, kk, _point = dukcapil
    Service.objects.filter(pk=kk.pk).update(name="Kartu Keluarga")
    connection.set_schema_to_public()
    counts = standard_mapping_seed(personas.tulungagung)
    assert counts == {"agencies": 1, "services": 1}  # "Perekaman KTP-el" is not a template name
    connection.set_tenant(personas.tulungagung)
    assert Agency.objects.get(pk=agency.pk).standard_kind == "dukcapil"
    assert Service.objects.get(pk=kk.pk).standard_service == "dukcapil-kk"
    connection.set_schema_to_public()
    assert standard_mapping_seed(personas.tulungagung) == {"agencies": 0, "services": 0}
