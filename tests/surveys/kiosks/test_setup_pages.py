"""/kelola/kiosk/: who may pair, list, rename and revoke which tablets."""

import html as htmllib
import re

from sukma.access.models import AuditEvent
from sukma.surveys.kiosks import services
from sukma.surveys.kiosks.models import Kiosk, KioskPairing
from tests.conftest import KEDIRI_HOST, TULUNGAGUNG_HOST, host_client

LIST = "/kelola/kiosk/"


def text(response) -> str:
    return htmllib.unescape(response.content.decode())


def test_an_admin_pairs_a_tablet_and_sees_its_code_and_qr(admin_client, dukcapil):
    point = dukcapil[3]
    page = admin_client.get(LIST)
    assert page.status_code == 200 and "Loket 1" in text(page)
    made = admin_client.post(LIST + "pasang/", {"service_point": point.pk, "name": "Tablet A"})
    assert made.status_code == 302
    pairing = KioskPairing.objects.get()
    shown = admin_client.get(made["Location"])
    html = text(shown)
    assert pairing.code in html
    assert "data:image/svg+xml" in html  # the QR of the pairing address
    assert f"/kiosk/pasang/?kode={pairing.code}" in html
    assert shown["Cache-Control"] == "private, no-store"


def test_the_setup_is_linked_from_the_admin_navigation(admin_client, dukcapil):
    html = text(admin_client.get("/kelola/"))
    assert 'href="/kelola/kiosk/"' in html and 'href="/kelola/bantuan/"' in html
    home = text(admin_client.get("/"))
    assert 'href="/kelola/kiosk/"' in home and 'href="/kelola/bantuan/"' in home


def test_a_missing_name_is_explained_and_nothing_is_made(admin_client, dukcapil):
    refused = admin_client.post(LIST + "pasang/", {"service_point": dukcapil[3].pk, "name": ""})
    assert refused.status_code == 400
    assert not KioskPairing.objects.exists()


def test_an_operator_pairs_only_at_their_own_agency(operator, dukcapil, dinkes):
    client = host_client(TULUNGAGUNG_HOST, operator)
    page = text(client.get(LIST))
    assert "Loket 1" in page and "Loket Dinkes" not in page
    refused = client.post(LIST + "pasang/", {"service_point": dinkes[2].pk, "name": "Tablet"})
    assert refused.status_code == 400  # not one of the choices offered
    assert not KioskPairing.objects.exists()
    made = client.post(LIST + "pasang/", {"service_point": dukcapil[3].pk, "name": "Tablet"})
    assert made.status_code == 302


def _paired(personas, point, name="Tablet Dinkes") -> Kiosk:
    pairing = services.pairing_create(
        acting_user=personas.tulungagung_admin, service_point=point, name=name
    )
    return services.kiosk_pair(code=pairing.code)[0]


def test_an_operator_of_another_agency_gets_403(personas, operator, dinkes):
    kiosk = _paired(personas, dinkes[2])
    pairing = KioskPairing.objects.get(kiosk=kiosk)
    client = host_client(TULUNGAGUNG_HOST, operator)
    assert "Tablet Dinkes" not in text(client.get(LIST))
    assert client.get(f"{LIST}kode/{pairing.pk}/").status_code == 403
    assert client.get(f"{LIST}{kiosk.pk}/ubah/").status_code == 403
    assert client.post(f"{LIST}{kiosk.pk}/ubah/", {"name": "Mine"}).status_code == 403
    assert client.post(f"{LIST}{kiosk.pk}/cabut/").status_code == 403
    kiosk.refresh_from_db()
    assert kiosk.active and kiosk.name == "Tablet Dinkes"


def test_the_owning_operator_renames_and_revokes(personas, dinkes, dinkes_operator):
    kiosk = _paired(personas, dinkes[2])
    client = host_client(TULUNGAGUNG_HOST, dinkes_operator)
    assert client.post(f"{LIST}{kiosk.pk}/ubah/", {"name": "Tablet Lobi"}).status_code == 302
    listed = text(client.get(LIST))
    assert "Tablet Lobi" in listed
    assert client.post(f"{LIST}{kiosk.pk}/cabut/").status_code == 302
    kiosk.refresh_from_db()
    assert not kiosk.active and kiosk.revoked_by == dinkes_operator.pk
    assert re.search(r"Revoked|Dicabut", text(client.get(LIST)))
    actors = set(
        AuditEvent.objects.filter(action__in=["kiosk.renamed", "kiosk.revoked"]).values_list(
            "actor_id", flat=True
        )
    )
    assert actors == {dinkes_operator.pk}


def test_outsiders_are_refused(personas, in_tulungagung, dukcapil):
    assert host_client(TULUNGAGUNG_HOST).get(LIST).status_code == 302  # to sign in
    kediri_on_tulungagung = host_client(TULUNGAGUNG_HOST, personas.kediri_admin)
    assert kediri_on_tulungagung.get(LIST).status_code == 403
    assert host_client(KEDIRI_HOST, personas.tulungagung_admin).get(LIST).status_code == 403
