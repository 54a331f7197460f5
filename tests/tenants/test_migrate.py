"""`migrate` visits only what is behind: nothing when nothing is, a new migration everywhere
(template included, in parallel), a failure halfway finished by running it again; a regency
whose schema is behind answers 503 while the others serve."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sukma.tenants import migration_state
from sukma.tenants.clone import clone_template
from sukma.tenants.database.base import DatabaseWrapper
from sukma.tenants.dump import schema_drop
from sukma.tenants.migration_state import (
    code_fingerprint,
    kept_schemas,
    migrations_complete,
    schema_state_verify,
    schemas_behind,
)
from sukma.tenants.models import Domain, Regency, RegencyStatus, SchemaMigrationState
from sukma.tenants.resolve import resolve_host
from sukma.tenants.schemas import template_schema_name
from tests.conftest import KEDIRI_HOST, TULUNGAGUNG_HOST, host_client
from tests.tenants.probe import PROBE_COLUMN, probe_forget, probe_migration

EXTRA = 4


@pytest.fixture
def schemas_visited(monkeypatch):
    """Every schema a cursor was opened on, in this process (django-tenants sets the
    search_path of each schema it visits through this method)."""
    seen: list[str] = []
    original = DatabaseWrapper._handle_search_path

    def spy(self, cursor=None):
        seen.append(self.schema_name)
        return original(self, cursor)

    monkeypatch.setattr(DatabaseWrapper, "_handle_search_path", spy)
    return seen


@pytest.fixture
def extra_regencies(personas, django_db_blocker):
    """Four more active regencies, cloned and committed (the workers of migrate are other
    processes), removed afterwards."""
    with django_db_blocker.unblock():
        made = []
        for i in range(EXTRA):
            regency = Regency.objects.create(
                schema_name=f"r_probe{i}",
                name=f"Probe {i}",
                kind="kabupaten",
                region_code=f"35.9{i}",
                status=RegencyStatus.ACTIVE,
            )
            clone_template(template_schema_name(), regency.schema_name)
            Domain.objects.create(domain=f"probe{i}.localhost", tenant=regency, is_primary=True)
            made.append(regency)
        yield made
        connection.set_schema_to_public()
        for regency in made:
            schema_drop(regency.schema_name)
            regency.delete()


@pytest.fixture
def probe(tmp_path, extra_regencies, django_db_blocker):
    """The code gains one new migration (an AddField on the agencies); afterwards every
    schema is as it was and recorded at the code's own migrations again."""
    with django_db_blocker.unblock():
        with probe_migration(tmp_path) as name:
            yield name
        connection.set_schema_to_public()
        schemas = kept_schemas()
        probe_forget(schemas, name)
        for schema in schemas:
            assert schema_state_verify(schema)


def _migrate(**options) -> str:
    out = io.StringIO()
    call_command("migrate", verbosity=1, interactive=False, stdout=out, stderr=out, **options)
    connection.set_schema_to_public()
    return out.getvalue()


def _has_probe(schema: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = %s "
            "AND table_name = 'surveys_agency' AND column_name = %s",
            [schema, PROBE_COLUMN],
        )
        return cursor.fetchone() is not None


def _recorded(schema: str) -> str:
    return SchemaMigrationState.objects.get(schema_name=schema).fingerprint


def _regency_schemas() -> list[str]:
    return [s for s in kept_schemas() if s != template_schema_name()]


def test_a_migrate_with_nothing_to_do_visits_no_regency_schema(
    extra_regencies, django_db_blocker, schemas_visited
):
    with django_db_blocker.unblock():
        regencies = _regency_schemas()
        assert len(regencies) == 2 + EXTRA
        output = _migrate()
    assert not set(schemas_visited) & (set(regencies) | {template_schema_name()})
    assert "public" in schemas_visited  # the spy saw the public schema's migrate
    assert "up to date" in output


def test_a_schema_with_no_recorded_state_is_read_and_recorded(
    extra_regencies, django_db_blocker, schemas_visited
):
    unknown = extra_regencies[0].schema_name
    with django_db_blocker.unblock():
        SchemaMigrationState.objects.filter(schema_name=unknown).delete()
        assert schemas_behind() == [unknown]
        output = _migrate(processes=1)
        assert _recorded(unknown) == code_fingerprint()
        assert schemas_behind() == []
    assert "[1/1] r_probe0: 0 migration(s) applied" in output
    assert unknown in schemas_visited
    assert not {s for s in schemas_visited if s.startswith("r_")} - {unknown}


def test_a_new_migration_reaches_every_schema_and_the_template_in_parallel(
    probe, django_db_blocker
):
    with django_db_blocker.unblock():
        schemas = kept_schemas()
        before = _recorded(schemas[0])
        assert not any(_has_probe(s) for s in schemas)
        assert set(schemas_behind()) == set(schemas)
        assert not migrations_complete()

        output = _migrate(processes=2)

        assert all(_has_probe(s) for s in schemas)
        assert {_recorded(s) for s in schemas} == {code_fingerprint()} != {before}
        assert migrations_complete()
    regencies = len(schemas) - 1
    assert f"[1/1] {template_schema_name()}: 1 migration(s) applied" in output
    assert f"Migrating {regencies} regency schema(s), 2 at a time." in output
    assert f"[{regencies}/{regencies}] " in output


def test_a_failure_halfway_leaves_the_rest_migrated_and_a_rerun_finishes_it(
    probe, extra_regencies, django_db_blocker
):
    broken = extra_regencies[2].schema_name
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:  # the new column is already there: AddField fails
            cursor.execute(f'ALTER TABLE "{broken}".surveys_agency ADD COLUMN {PROBE_COLUMN} int')
        with pytest.raises(CommandError, match=f"1 of {2 + EXTRA} regency schema.*: {broken}\\."):
            _migrate(processes=2)

        others = [s for s in kept_schemas() if s != broken]
        assert all(_has_probe(s) for s in others)
        assert {_recorded(s) for s in others} == {code_fingerprint()}
        assert schemas_behind() == [broken]
        state = SchemaMigrationState.objects.get(schema_name=broken)
        assert state.fingerprint != code_fingerprint()
        assert "already exists" in state.failure
        with connection.cursor() as cursor:  # the failed schema's transaction left nothing
            cursor.execute(
                f'SELECT count(*) FROM "{broken}".django_migrations WHERE name = %s', [probe]
            )
            assert cursor.fetchone()[0] == 0

        # The failed regency is refused clearly; a migrated one serves.
        assert host_client("probe2.localhost").get("/").status_code == 503
        assert host_client("probe1.localhost").get("/").status_code == 200

        with connection.cursor() as cursor:
            cursor.execute(f'ALTER TABLE "{broken}".surveys_agency DROP COLUMN {PROBE_COLUMN}')
        output = _migrate(processes=2)
        assert f"[1/1] {broken}: 1 migration(s) applied" in output
        assert _has_probe(broken) and schemas_behind() == [] and migrations_complete()
        assert SchemaMigrationState.objects.get(schema_name=broken).failure == ""
        assert host_client("probe2.localhost").get("/").status_code == 200


@pytest.mark.django_db
def test_a_regency_behind_the_code_answers_503_while_the_others_serve(personas):
    SchemaMigrationState.objects.filter(schema_name=personas.tulungagung.schema_name).update(
        fingerprint="an older graph"
    )
    response = host_client(TULUNGAGUNG_HOST).get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    body = response.content.decode()
    assert "sedang diperbarui" in body and personas.tulungagung.name in body
    english = host_client(TULUNGAGUNG_HOST, HTTP_ACCEPT_LANGUAGE="en").get("/")
    assert "is being updated" in english.content.decode()
    api = host_client(TULUNGAGUNG_HOST).get("/api/v1/")
    assert api.status_code == 503 and api["Content-Type"].startswith("application/json")
    assert host_client(KEDIRI_HOST).get("/").status_code == 200


@pytest.mark.django_db
def test_a_regency_with_no_recorded_state_is_not_served(personas):
    SchemaMigrationState.objects.filter(schema_name=personas.kediri.schema_name).delete()
    assert host_client(KEDIRI_HOST).get("/").status_code == 503
    assert host_client(TULUNGAGUNG_HOST).get("/").status_code == 200


@pytest.mark.django_db
def test_serving_a_regency_reads_its_state_in_the_host_lookup_itself(personas):
    with CaptureQueriesContext(connection) as captured:
        regency = resolve_host(TULUNGAGUNG_HOST).regency
        assert migration_state.regency_is_current(regency)
    queries = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith("SET ")]
    assert len(queries) == 1 and "tenants_schemamigrationstate" in queries[0]


@pytest.mark.django_db
def test_a_clone_starts_at_its_templates_state_and_a_drop_forgets_it(personas):
    clone_template(template_schema_name(), "r_probe_clone")
    assert _recorded("r_probe_clone") == code_fingerprint()
    schema_drop("r_probe_clone")
    assert not SchemaMigrationState.objects.filter(schema_name="r_probe_clone").exists()
