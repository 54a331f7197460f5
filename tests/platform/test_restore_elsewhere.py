"""The two restores that leave this database: one regency imported into a fresh database (made
by `migrate` alone, no regency in it), and the whole database restored into a real new
PostgreSQL cluster (another system identifier, lower transaction ids), where new answers must
still reach the rollup and the rankings without a manual step.

Both go through the real commands in subprocesses pointed at the other database
(tests/platform/restore_probe.py reads the figures on either side with the same code).
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from sukma.access.models import Membership, Role, User
from sukma.platform.rankings.models import RollupCursor
from sukma.platform.rankings.ranking import rankings_recompute
from sukma.platform.rankings.rollup import cluster_now, rollup_regency_run
from tests import rollup_data
from tests.platform.restore_probe import regency_figures
from tests.rollup_data import answer
from tests.tenants import replica_servers

two_answered = rollup_data.two_answered
ROOT = Path(settings.BASE_DIR)
BOUND = 120  # seconds any one subprocess may take
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def run(args: list[str], env: dict) -> str:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=BOUND
    )
    print(f"{' '.join(args[:3])}: {time.monotonic() - started:.1f} s")
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def probe(env: dict, *args: str):
    return json.loads(run(["-m", "tests.platform.restore_probe", *args], env).splitlines()[-1])


def subprocess_env(database_url: str, media: Path) -> dict:
    """The commands as an operator runs them: another database, another upload folder."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "sukma.settings.dev",
        "MEDIA_ROOT": str(media),
        "PYTHONWARNINGS": "ignore",
    }


# ---------------------------------------------------------------- into a fresh database
def _server(dbname: str = "postgres") -> psycopg.Connection:
    s = connection.settings_dict
    return psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"],
        password=s["PASSWORD"] or None,
        dbname=dbname,
        autocommit=True,
    )


def _url(dbname: str) -> str:
    """A DATABASE_URL for another database on this server (TCP, or a Unix socket folder as
    the embedded server of `make test` listens on)."""
    s = connection.settings_dict
    password = f":{quote(s['PASSWORD'], safe='')}" if s["PASSWORD"] else ""
    host, port = s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    if host.startswith("/"):
        return f"postgresql://{s['USER']}{password}@:{port}/{dbname}?host={host}"
    return f"postgresql://{s['USER']}{password}@{host}:{port}/{dbname}"


@pytest.fixture
def fresh_database():
    """An empty database of this test's own on the same server, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_fresh_{os.getpid()}"
    with _server() as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}"')
        server.execute(f'CREATE DATABASE "{name}"')
    yield name
    with _server() as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _regency_lived_in(personas) -> str:
    """A regency provisioned through the real service (its signed agreement and PDF with it),
    committed, with answers, a complaint, a plan and a second member; returns its code."""
    answered = rollup_data.answered_regency("Pulih", "pulihkab", personas.province_admin)
    regency = answered.regency
    answer(answered, 25, seed=41)
    agency_id = answered.services[0].agency_id
    rollup_data.with_complaint_and_plan(answered, agency_id)
    operator = User.objects.create_user("operator.pulih@pulihkab.go.id", "x-Rahasia-99")
    Membership.objects.create(
        user=operator, regency=regency, role=Role.AGENCY_OPERATOR, agency_id=agency_id
    )
    rollup_regency_run(regency=regency, full=True)
    rankings_recompute()
    return regency.region_code


def test_one_regency_imported_into_a_fresh_database_has_every_figure(
    personas, committed, fresh_database, tmp_path
):
    started = time.monotonic()
    code = _regency_lived_in(personas)
    before = regency_figures(code)
    assert before["raw_months"] and before["complaints"] and before["plans"]
    assert before["rankings"] and before["agreements"][0][3] != EMPTY_SHA256
    export = tmp_path / "pulih.sukma.zip"
    call_command("regency_export", code, str(export))
    env = subprocess_env(_url(fresh_database), tmp_path / "fresh-media")

    run(["manage.py", "migrate", "--verbosity", "0"], env)
    run(["manage.py", "regency_import", str(export)], env)

    after = probe(env, "figures", code)
    for key in before:
        assert after[key] == before[key], key
    # Its PDF is the signed one, byte for byte, in the new database's own uploads.
    assert list((tmp_path / "fresh-media").rglob("*.pdf"))
    # A refresh and a reconciliation there change nothing: the import left it all settled.
    out = run(["manage.py", "refresh_rankings", "--sync", "--reconcile"], env)
    assert "0 differences" in out, out
    assert probe(env, "figures", code) == before
    # A citizen answers in the restored regency: the next refresh takes it into account.
    probe(env, "answer", code, "3", "--seed", "42")
    run(["manage.py", "refresh_rankings", "--sync", "--reconcile"], env)
    later = probe(env, "figures", code)
    assert later["rolled_up_months"] == later["raw_months"] != before["raw_months"]
    print(f"fresh-database import, whole test: {time.monotonic() - started:.1f} s")


# ---------------------------------------------------------------- into a real new cluster
@pytest.fixture
def new_cluster():
    """A real PostgreSQL cluster of its own (initdb in a temporary folder, the embedded
    package's binaries, run as `pgserver` under root), stopped and removed afterwards."""
    folder = replica_servers._folder()
    data = folder / "data"
    replica_servers._run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    server = replica_servers._start(data, folder / "socket")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_after_a_whole_restore_into_a_new_cluster_new_answers_reach_the_rankings(
    two_answered, new_cluster, tmp_path
):
    started = time.monotonic()
    blitar, malang = two_answered
    for answered in two_answered:
        rollup_regency_run(regency=answered.regency)
    rankings_recompute()
    old_cluster, old_xid = cluster_now()
    code = blitar.regency.region_code
    before = regency_figures(code)
    name = connection.settings_dict["NAME"]
    replica_servers.copy_database(connection.settings_dict, new_cluster)
    cursors = RollupCursor._meta.db_table
    identity, xid = new_cluster.sql(
        "SELECT system_identifier::text || ' ' || pg_current_xact_id()::text "
        "FROM pg_control_system()",
        name,
    ).split()
    assert identity != old_cluster and int(xid) < old_xid, "a new cluster, lower ids"
    assert new_cluster.sql(f"SELECT DISTINCT cluster FROM {cursors}", name).split() == [old_cluster]
    env = {
        **subprocess_env(
            f"postgresql://postgres@:5432/{name}?host={new_cluster.socket_dir}",
            tmp_path / "media",
        ),
        "DJANGO_SETTINGS_MODULE": "sukma.settings.test",
    }
    assert probe(env, "figures", code) == before, "the copy holds the same figures"

    probe(env, "answer", code, "6", "--seed", "51")
    run(["manage.py", "refresh_rankings", "--sync"], env)  # beat's incremental refresh

    after = probe(env, "figures", code)
    assert after["raw_months"] != before["raw_months"]
    assert after["rolled_up_months"] == after["raw_months"], "the new answers were rolled up"
    assert after["rankings"] != before["rankings"], "and reached the rankings"
    assert new_cluster.sql(f"SELECT DISTINCT cluster FROM {cursors}", name).split() == [identity]
    # What the incremental refresh made is what a full one makes, and the raw answers agree.
    out = run(["manage.py", "refresh_rankings", "--sync", "--full", "--reconcile"], env)
    assert "0 differences" in out, out
    assert probe(env, "figures", code) == after
    # The next answers there move the cursor on incrementally, and arrive too.
    probe(env, "answer", code, "2", "--seed", "52")
    run(["manage.py", "refresh_rankings", "--sync"], env)
    later = probe(env, "figures", code)
    assert later["rolled_up_months"] == later["raw_months"] != after["raw_months"]
    # The original database was not touched.
    assert regency_figures(code) == before
    assert regency_figures(malang.regency.region_code)["raw_months"]
    print(f"whole restore into a new cluster, whole test: {time.monotonic() - started:.1f} s")
