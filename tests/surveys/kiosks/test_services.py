"""Kiosk services: pairing codes (single use, ten minutes), pairing, rename, revoke, audit rows."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sukma.access.models import AuditEvent
from sukma.surveys.kiosks import services
from sukma.surveys.kiosks.models import Kiosk, KioskPairing
from sukma.surveys.kiosks.selectors import kiosk_for_credential


@pytest.fixture
def pairing(personas, dukcapil):
    return services.pairing_create(
        acting_user=personas.tulungagung_admin, service_point=dukcapil[3], name=" Tablet Loket 1 "
    )


def test_a_pairing_code_is_short_unambiguous_and_valid_ten_minutes(pairing):
    assert len(pairing.code) == 8
    assert set(pairing.code) <= set(services.CODE_ALPHABET)
    assert not set(pairing.code) & set("01OIL")
    assert pairing.name == "Tablet Loket 1"
    minutes = (pairing.expires_at - timezone.now()).total_seconds() / 60
    assert 9.9 < minutes <= 10


def test_pairing_makes_a_kiosk_whose_credential_is_stored_only_as_a_keyed_hash(pairing, dukcapil):
    kiosk, credential = services.kiosk_pair(code=pairing.code.lower()[:4] + " " + pairing.code[4:])
    assert kiosk.service_point == dukcapil[3] and kiosk.name == "Tablet Loket 1"
    assert len(credential) >= 40
    assert credential not in kiosk.credential_hash
    assert kiosk.credential_hash == services.credential_hash(credential)
    assert kiosk_for_credential(credential) == kiosk
    assert kiosk_for_credential(credential + "x") is None
    pairing.refresh_from_db()
    assert pairing.used_at is not None and pairing.kiosk == kiosk


def test_a_used_code_is_refused_and_changes_nothing(pairing):
    services.kiosk_pair(code=pairing.code)
    with pytest.raises(ValidationError) as refused:
        services.kiosk_pair(code=pairing.code)
    assert "code" in refused.value.message_dict
    assert Kiosk.objects.count() == 1


def test_an_expired_code_is_refused(pairing):
    later = pairing.expires_at + datetime.timedelta(seconds=1)
    with pytest.raises(ValidationError):
        services.kiosk_pair(code=pairing.code, now=later)
    assert not Kiosk.objects.exists()
    assert KioskPairing.objects.get(pk=pairing.pk).used_at is None


def test_a_wrong_code_is_refused(pairing):
    with pytest.raises(ValidationError):
        services.kiosk_pair(code="ZZZZZZZZ" if pairing.code != "ZZZZZZZZ" else "YYYYYYYY")
    assert not Kiosk.objects.exists()


def test_a_tablet_needs_a_name(personas, dukcapil):
    with pytest.raises(ValidationError) as refused:
        services.pairing_create(
            acting_user=personas.tulungagung_admin, service_point=dukcapil[3], name="  "
        )
    assert "name" in refused.value.message_dict


def test_rename_and_revoke_are_audited(personas, pairing):
    admin = personas.tulungagung_admin
    kiosk, _credential = services.kiosk_pair(code=pairing.code)
    services.kiosk_rename(acting_user=admin, kiosk=kiosk, name="Tablet Lobi")
    services.kiosk_revoke(acting_user=admin, kiosk=kiosk)
    services.kiosk_revoke(acting_user=admin, kiosk=kiosk)  # again: nothing more happens
    kiosk.refresh_from_db()
    assert kiosk.name == "Tablet Lobi"
    assert kiosk.revoked_at is not None and kiosk.revoked_by == admin.pk and not kiosk.active
    events = AuditEvent.objects.filter(regency=personas.tulungagung).order_by("pk")
    actions = [(e.action, e.actor_id) for e in events if e.action.startswith("kiosk")]
    assert actions == [
        ("kiosk_pairing.created", admin.pk),
        ("kiosk.paired", admin.pk),
        ("kiosk.renamed", admin.pk),
        ("kiosk.revoked", admin.pk),
    ]
    renamed = events.get(action="kiosk.renamed")
    assert renamed.before["name"] == "Tablet Loket 1" and renamed.after["name"] == "Tablet Lobi"
    assert "credential_hash" not in renamed.after
    created = events.get(action="kiosk_pairing.created")
    assert pairing.code not in str(created.after)  # the log holds no usable code
