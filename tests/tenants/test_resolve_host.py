"""Host -> tenant: the one function every request goes through."""

import pytest
from django.conf import settings

from sukma.tenants.resolve import HostKind, normalise_host, resolve_host
from tests.conftest import KEDIRI_HOST, TULUNGAGUNG_HOST

pytestmark = pytest.mark.django_db


def test_base_domain_is_the_control_plane(personas):
    assert resolve_host(settings.BASE_DOMAIN).kind is HostKind.PUBLIC
    assert resolve_host(f"{settings.BASE_DOMAIN}:8000").kind is HostKind.PUBLIC


def test_regency_subdomain_resolves_to_its_regency(personas):
    resolution = resolve_host(TULUNGAGUNG_HOST)
    assert resolution.kind is HostKind.REGENCY
    assert resolution.regency == personas.tulungagung
    assert resolve_host(KEDIRI_HOST).regency == personas.kediri


def test_port_case_and_trailing_dot_do_not_matter(personas):
    assert resolve_host(TULUNGAGUNG_HOST.upper() + ".:8000").regency == personas.tulungagung


@pytest.mark.parametrize(
    "host",
    [
        "unknownkab.localhost",
        "localhost.evil.example",
        "tulungagungkab",
        "",
        "[::1]:8000",
        "x.tulungagungkab.localhost",
    ],
)
def test_unknown_host_is_nobody(personas, host):
    assert resolve_host(host).kind is HostKind.UNKNOWN


def test_normalise_host_strips_port_only():
    assert normalise_host("KediriKota.localhost:8000") == "kedirikota.localhost"
