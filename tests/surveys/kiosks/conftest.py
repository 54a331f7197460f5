"""Kiosks and assisted entry: Dukcapil's counter, its operator, and another agency's operator."""

import itertools

import pytest
from django.core.cache import cache
from django.db import connection

from sukma.access.models import Membership, Role, User
from sukma.surveys.citizen.kiosk import KIOSK_COOKIE, PAIRING_FAILURES
from sukma.surveys.citizen.protection import rate_key
from sukma.surveys.kiosks import services
from sukma.surveys.models import Agency, Service, ServicePoint
from tests.conftest import TULUNGAGUNG_HOST, host_client

_addresses = itertools.count(1)


def _operator(personas, email: str, agency: Agency) -> User:
    user = User.objects.create_user(email, "x-Rahasia-2026", full_name="Petugas")
    Membership.objects.create(
        user=user, role=Role.AGENCY_OPERATOR, regency=personas.tulungagung, agency_id=agency.pk
    )
    return user


@pytest.fixture
def operator(personas, dukcapil):
    """A Dukcapil operator of Tulungagung."""
    return _operator(personas, "operator@dukcapil.tulungagungkab.go.id", dukcapil[0])


@pytest.fixture
def dinkes(in_tulungagung):
    agency = Agency.objects.create(name="Dinas Kesehatan", short_name="Dinkes", kind="dinas")
    service = Service.objects.create(agency=agency, name="Surat sehat", annual_users=3000)
    point = ServicePoint.objects.create(
        agency=agency, name="Loket Dinkes", code="DK3H7P2W", default_service=service
    )
    return agency, service, point


@pytest.fixture
def dinkes_operator(personas, dinkes):
    return _operator(personas, "operator@dinkes.tulungagungkab.go.id", dinkes[0])


@pytest.fixture
def admin_client(personas, in_tulungagung):
    return host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)


@pytest.fixture
def address(in_tulungagung):
    """An address of its own per test, its pairing-failure counter cleared before and after."""
    value = f"203.0.113.{next(_addresses) % 250 + 1}"
    cache.delete(rate_key(PAIRING_FAILURES, value))
    yield value
    cache.delete(rate_key(PAIRING_FAILURES, value))


@pytest.fixture
def tablet(address):
    """A tablet's browser: no user signed in."""
    return host_client(TULUNGAGUNG_HOST, REMOTE_ADDR=address)


@pytest.fixture
def paired(personas, dukcapil, tablet):
    """The tablet paired with Dukcapil's Loket 1: (kiosk, tablet client)."""
    connection.set_tenant(personas.tulungagung)
    pairing = services.pairing_create(
        acting_user=personas.tulungagung_admin, service_point=dukcapil[3], name="Tablet Loket 1"
    )
    kiosk, credential = services.kiosk_pair(code=pairing.code)
    tablet.cookies[KIOSK_COOKIE] = credential
    return kiosk, tablet
