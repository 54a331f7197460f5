"""Reads from a real streaming replica: the right schema, read-your-writes, lag and outage.

The module starts a real primary and a real replica (tests/tenants/replica_servers.py),
points Django's default connection at that primary (a copy of the session's test
database, personas included) and adds the ``replica`` alias, as DATABASE_REPLICA_URL
would. Replay on the replica is paused where a test needs the two to differ: a page
that shows the old value was read on the replica, the new value on the primary.
"""

import copy
import time

import pytest
from django.db import connection, connections
from django.utils import timezone

from sukma.settings import env
from sukma.surveys.models import Agency, Period, PeriodKind, SurveySettings
from sukma.tenants import replicas
from sukma.tenants.replicas import COOKIE, REPLICA, is_write, wal_position
from tests.conftest import KEDIRI_HOST, TULUNGAGUNG_HOST, host_client
from tests.tenants.replica_servers import start_pair

TULUNGAGUNG_AGENCY = "Dinas Arsip Tulungagung"
KEDIRI_AGENCY = "Dinas Arsip Kota Kediri"


# ---------------------------------------------------------------- without servers
def test_only_plain_reads_count_as_reads():
    assert not is_write("SELECT 1")
    assert not is_write("  select * from surveys_agency")
    assert not is_write("SET search_path = 'tulungagungkab','public'")
    assert is_write("SELECT * FROM surveys_period WHERE id = 1 FOR UPDATE")
    assert is_write("select 1 for no key update")
    assert is_write('INSERT INTO "django_session" VALUES (1)')
    assert is_write("UPDATE surveys_agency SET name = 'x'")
    assert is_write("WITH moved AS (DELETE FROM t RETURNING *) SELECT * FROM moved")
    assert is_write("SAVEPOINT s1")


def test_only_a_wal_position_is_taken_from_the_cookie():
    assert wal_position("16/b374d848") == "16/B374D848"
    assert wal_position("0/0") == "0/0"
    for bad in ("", None, "16", "1/2/3", "0/0'; DROP TABLE x; --", "G/1", "123456789/1"):
        assert wal_position(bad) is None


def test_the_replica_url_adds_an_alias_that_mirrors_the_primary_in_tests():
    replica = env.replica_database_settings("postgresql://reader:s%40cret@db2.internal:5433/sukma")
    assert replica["HOST"] == "db2.internal"
    assert replica["PORT"] == "5433"
    assert replica["PASSWORD"] == "s@cret"
    assert replica["TEST"] == {"MIRROR": "default"}
    assert replica["OPTIONS"]["connect_timeout"] == 3
    with pytest.raises(env.EnvError):
        env.replica_database_settings("mysql://db2/sukma")


def test_without_a_replica_nothing_changes(personas, db):
    assert not replicas.replica_configured()
    response = host_client(TULUNGAGUNG_HOST).get("/hasil/")
    assert response.status_code == 200
    assert COOKIE not in response.cookies


# ---------------------------------------------------------------- a real primary and replica
@pytest.fixture(scope="module")
def servers(personas, django_db_blocker):
    with django_db_blocker.unblock():
        primary = connections["default"]
        saved = copy.deepcopy(primary.settings_dict)
        primary.close()
        pair = start_pair(saved)
        try:
            primary.settings_dict.update(pair.primary.settings(saved["NAME"]), PASSWORD="")
            replica = copy.deepcopy(saved)
            replica.update(pair.replica.settings(saved["NAME"]), PASSWORD="")
            replica["OPTIONS"] = {**replica["OPTIONS"], "connect_timeout": 2}
            connections.settings[REPLICA] = replica
            replicas.forget_replica_failure()
            yield pair
        finally:
            connections[REPLICA].close()
            del connections[REPLICA]
            del connections.settings[REPLICA]
            primary.close()
            primary.settings_dict.clear()
            primary.settings_dict.update(saved)
            replicas.forget_replica_failure()
            pair.stop()


@pytest.fixture
def on_pair(servers, django_db_blocker, settings):
    settings.REPLICA_MAX_LAG_SECONDS = 600  # a paused replica is still close enough, unless said
    with django_db_blocker.unblock():
        yield servers
    if (servers.replica.data / "postmaster.pid").exists():
        servers.replica.sql("SELECT pg_wal_replay_resume()")
    connection.set_schema_to_public()


def caught_up(pair) -> None:
    position = pair.primary.sql("SELECT pg_current_wal_lsn()").strip()
    for _ in range(200):
        if pair.replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{position}'").strip() == "t":
            return
        time.sleep(0.05)
    raise AssertionError("the replica did not catch up in 10 s")


def this_year() -> int:
    return timezone.localdate().year


def agency_in(regency, name: str) -> Agency:
    """A year period and one agency in the regency's schema, written on the primary."""
    connection.set_tenant(regency)
    year = this_year()
    Period.objects.get_or_create(
        kind=PeriodKind.YEAR,
        year=year,
        number=1,
        defaults={
            "starts_on": timezone.datetime(year, 1, 1).date(),
            "ends_on": timezone.datetime(year, 12, 31).date(),
        },
    )
    agency, _ = Agency.objects.get_or_create(name=name, defaults={"kind": "dinas"})
    # Made on a regency's first page otherwise: that page writes, so it reads the primary.
    SurveySettings.current()
    connection.set_schema_to_public()
    return agency


class Statements:
    """Every statement sent on one connection alias while the block runs."""

    def __init__(self, alias: str):
        self.alias, self.sql = alias, []

    def __enter__(self):
        self._wrapper = connections[self.alias].execute_wrapper(self._record)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)

    def _record(self, execute, sql, params, many, context):
        self.sql.append(sql)
        return execute(sql, params, many, context)

    def touching(self, table: str) -> list[str]:
        return [sql for sql in self.sql if f'"{table}"' in sql]


def pause_replay(pair) -> None:
    pair.replica.sql("SELECT pg_wal_replay_pause()")


def test_a_regency_page_reads_its_own_schema_on_the_replica(on_pair, personas):
    agency_in(personas.tulungagung, TULUNGAGUNG_AGENCY)
    agency_in(personas.kediri, KEDIRI_AGENCY)
    caught_up(on_pair)
    with Statements("default") as primary, Statements(REPLICA) as replica:
        page = host_client(TULUNGAGUNG_HOST).get("/hasil/")
    assert page.status_code == 200
    html = page.content.decode()
    assert TULUNGAGUNG_AGENCY in html
    assert KEDIRI_AGENCY not in html
    assert replica.touching("surveys_agency"), "the results were not read on the replica"
    assert not primary.touching("surveys_agency")
    paths = [sql for sql in replica.sql if sql.upper().startswith("SET SEARCH_PATH")]
    assert paths[-1] == f'SET search_path = "{personas.tulungagung.schema_name}","public"'
    assert all(sql.endswith('"public"') for sql in paths)  # public for the lag check, no other
    assert not any(personas.kediri.schema_name in sql for sql in replica.sql)
    assert COOKIE not in page.cookies  # reading wrote nothing

    # The same process then serves Kediri: the replica connection follows it there.
    with Statements(REPLICA) as replica:
        html = host_client(KEDIRI_HOST).get("/hasil/").content.decode()
    assert KEDIRI_AGENCY in html and TULUNGAGUNG_AGENCY not in html
    assert replica.touching("surveys_agency")
    assert not any(personas.tulungagung.schema_name in sql for sql in replica.sql)


def test_a_browser_that_wrote_reads_its_write_and_others_read_the_replica(on_pair, personas):
    agency = agency_in(personas.tulungagung, TULUNGAGUNG_AGENCY)
    caught_up(on_pair)
    pause_replay(on_pair)
    admin = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    edited = admin.post(
        f"/kelola/opd/{agency.pk}/ubah/",
        {"name": "Dinas Arsip dan Perpustakaan", "kind": "dinas", "active": "on"},
    )
    assert edited.status_code == 302
    assert wal_position(edited.cookies[COOKIE].value)

    # The admin's next pages read the primary: the replica has not replayed the rename.
    with Statements(REPLICA) as replica:
        dashboard = admin.get("/dasbor/").content.decode()
        results = admin.get("/hasil/").content.decode()
    assert "Dinas Arsip dan Perpustakaan" in dashboard
    assert "Dinas Arsip dan Perpustakaan" in results
    assert not replica.touching("surveys_agency")

    # Anyone else reads the replica, a moment behind.
    with Statements(REPLICA) as replica:
        html = host_client(TULUNGAGUNG_HOST).get("/hasil/").content.decode()
    assert TULUNGAGUNG_AGENCY in html
    assert "Dinas Arsip dan Perpustakaan" not in html
    assert replica.touching("surveys_agency")

    # Once the replica has replayed the write, the admin reads it there too.
    on_pair.replica.sql("SELECT pg_wal_replay_resume()")
    caught_up(on_pair)
    with Statements(REPLICA) as replica:
        dashboard = admin.get("/dasbor/").content.decode()
    assert "Dinas Arsip dan Perpustakaan" in dashboard
    assert replica.touching("surveys_agency")


def test_a_request_that_writes_reads_the_primary_from_then_on(on_pair, personas):
    agency_in(personas.tulungagung, TULUNGAGUNG_AGENCY)
    caught_up(on_pair)
    state = replicas._Request(written_at=None)
    token = replicas._current.set(state)
    try:
        connection.set_tenant(personas.tulungagung)
        read = replicas.replica_reads(lambda: Agency.objects.get(name=TULUNGAGUNG_AGENCY))
        with connections["default"].execute_wrapper(replicas._watching(state)):
            assert read()._state.db == REPLICA
            Agency.objects.filter(name=TULUNGAGUNG_AGENCY).update(short_name="Arsip")
            assert read()._state.db == "default"
    finally:
        replicas._current.reset(token)


def test_a_lagging_replica_is_not_read(on_pair, personas, settings):
    agency_in(personas.tulungagung, TULUNGAGUNG_AGENCY)
    caught_up(on_pair)
    pause_replay(on_pair)
    agency_in(personas.tulungagung, "Dinas Baru Setelah Jeda")
    settings.REPLICA_MAX_LAG_SECONDS = 1
    time.sleep(1.5)  # the replica's last replayed commit is now more than a second old
    with Statements(REPLICA) as replica:
        html = host_client(TULUNGAGUNG_HOST).get("/hasil/").content.decode()
    assert "Dinas Baru Setelah Jeda" in html
    assert not replica.touching("surveys_agency")


def test_a_replica_that_is_down_costs_one_try_then_nothing(on_pair, personas):
    agency_in(personas.tulungagung, TULUNGAGUNG_AGENCY)
    caught_up(on_pair)
    connections[REPLICA].close()
    on_pair.replica.stop()
    for _ in range(2):
        started = time.monotonic()
        page = host_client(TULUNGAGUNG_HOST).get("/hasil/")
        assert page.status_code == 200
        assert TULUNGAGUNG_AGENCY in page.content.decode()
        assert time.monotonic() - started < 2.5
    # Not tried again within the retry window: the second page made no attempt at all.
    assert replicas._down_until > time.monotonic()
    assert connections[REPLICA].connection is None
