"""Personas, built once per test session, and clients that speak to a host.

The province admin, the Tulungagung admin, the Kediri admin (Kota Kediri)
and an anonymous citizen. Their regencies are provisioned through the real
service before any test runs and committed, so every test (and a worker or
browser in another thread) sees them. Tests that write run inside a
transaction that is rolled back; tests that must commit (a real worker, a
real browser) use ``committed`` and clean up after themselves.
"""

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import translation

from sukma.access.models import Membership, Role, User
from sukma.tenants.models import Regency
from tests.factories import provisioned_regency
from tests.second_factor import mark_verified

PASSWORD = "Rahasia-Jatim-2026"
TULUNGAGUNG_HOST = f"tulungagungkab.{settings.BASE_DOMAIN}"
KEDIRI_HOST = f"kedirikota.{settings.BASE_DOMAIN}"
PUBLIC_HOST = settings.BASE_DOMAIN


@dataclass(frozen=True)
class Personas:
    province_admin: User
    tulungagung_admin: User
    kediri_admin: User
    tulungagung: Regency
    kediri: Regency


def _user_with_password(email: str) -> User:
    user = User.objects.get(email=email)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):
    """The test database, always: pytest-django makes it only when a collected test is marked
    for it, and a run of worker tests alone (they commit, so they are not) would then write to
    the real database."""
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    with django_db_blocker.unblock():
        teardown_databases(config, verbosity=0)


@pytest.fixture(scope="session")
def personas(django_db_setup, django_db_blocker) -> Personas:
    assert connection.settings_dict["NAME"].startswith("test_"), "personas belong in a test DB"
    with django_db_blocker.unblock():
        province_admin = User.objects.create_user(
            "biro.organisasi@jatimprov.go.id", PASSWORD, full_name="Biro Organisasi"
        )
        Membership.objects.create(user=province_admin, role=Role.PROVINCE_ADMIN)
        tulungagung = provisioned_regency(
            code="35.04",
            kind="kabupaten",
            name="Tulungagung",
            subdomain="tulungagungkab",
            admin_email="organisasi@tulungagungkab.go.id",
            acting_user=province_admin,
        )
        kediri = provisioned_regency(
            code="35.71",
            kind="kota",
            name="Kediri",
            subdomain="kedirikota",
            admin_email="organisasi@kedirikota.go.id",
            acting_user=province_admin,
        )
        return Personas(
            province_admin=province_admin,
            tulungagung_admin=_user_with_password("organisasi@tulungagungkab.go.id"),
            kediri_admin=_user_with_password("organisasi@kedirikota.go.id"),
            tulungagung=tulungagung,
            kediri=kediri,
        )


@pytest.fixture(autouse=True)
def _back_to_public_schema():
    """A request leaves the connection on its regency's schema; start every test on public."""
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """A request in English leaves English active in the thread; start every test in Indonesian.

    Without this, a test's outcome depended on whether an English request ran before it.
    """
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _sign_in_limits_forgotten():
    """Every test client signs in from 127.0.0.1: the sign-in limits (sukma.access.throttle)
    count per address in the cache, so without this the 21st failure of the whole run would
    throttle tests that never failed."""
    cache.clear()


def host_client(host: str, user: User | None = None, **extra) -> Client:
    client = Client(HTTP_HOST=host, **extra)
    if user is not None:
        user = User.objects.get(pk=user.pk)  # as stored: a test may have changed the object
        client.force_login(user)
        mark_verified(client, user)
    return client


@pytest.fixture
def province_client(personas, db) -> Client:
    return host_client(PUBLIC_HOST, personas.province_admin)


@pytest.fixture
def anonymous_public(db) -> Client:
    return host_client(PUBLIC_HOST)


@pytest.fixture
def committed(personas, django_db_blocker):
    """For tests whose writes must be seen by another thread (a worker, a browser).

    Everything the test creates beyond the personas is removed afterwards,
    schemas included, so the next test starts from the same state.
    """
    from tests.cleanup import remove_created_since, snapshot_ids

    with django_db_blocker.unblock():
        before = snapshot_ids()
        yield
        connection.set_schema_to_public()
        remove_created_since(before)


@pytest.fixture(scope="session")
def celery_worker(personas, django_db_blocker):
    """A real Celery worker (a thread of this process) consuming from the real Redis broker.

    Tests that send it work must use ``committed``: the worker has its own
    database connection and sees only committed rows.
    """
    from celery.contrib.testing.worker import start_worker

    from sukma.worker.celery import app

    with (
        django_db_blocker.unblock(),
        start_worker(
            app,
            pool="solo",
            concurrency=1,
            perform_ping_check=False,
            shutdown_timeout=30,
            queues=list(settings.SUKMA_QUEUES),  # every kind of work (README: queues)
        ) as worker,
    ):
        yield worker
