r"""An upgraded copy of the demo's database ends identical to a fresh one, and loses no row.

Issue 16 moved model classes between packages (sukma.access, sukma.standards) while keeping
their app labels, tables and migration history. This holds that promise, and any later one
like it: a database made by the code before the move, migrated by the code of today, must
match a database that today's code makes from nothing, schema for schema; and every row
the old database held must still be there.

The old database is tests/data/demo-before-issue-16.sql.gz: two regencies of the demo
(Tulungagung and Kota Kediri) with agencies, services, periods, responses, complaints,
follow-up plans, users, memberships, audit rows and the provincial rankings, made by the
code of commit 40f5baf, the last one before issue 16. It was made like this (PostgreSQL 15;
a scratch database ``old_demo`` on the server at 127.0.0.1, Redis database 5):

    git worktree add /tmp/old 40f5baf && ln -s "$PWD/.venv" /tmp/old/.venv
    cp tests/data/demo-before-issue-16.seed.py /tmp/seed.py
    cd /tmp/old
    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/old_demo
    export REDIS_URL=redis://127.0.0.1:6379/5
    createdb -h 127.0.0.1 -U postgres old_demo
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py shell < /tmp/seed.py
    pg_dump -h 127.0.0.1 -U postgres --inserts --no-owner --no-privileges old_demo \
      | grep -vE '^(SET transaction_timeout|\\restrict |\\unrestrict )' \
      | gzip -9n > <the repository>/tests/data/demo-before-issue-16.sql.gz

(The grep drops what only psql or a newer server understands: see _load_old_dump.)

The test runs on the server the suite uses (DATABASE_URL's, or the embedded one on a Unix
socket), in two scratch databases of its own that it drops at the end: it loads the dump
into one, runs today's ``manage.py migrate`` on both, and compares them.
"""

import gzip
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from psycopg import sql

OLD_DUMP = Path(__file__).parent / "data" / "demo-before-issue-16.sql.gz"
TEMPLATE_SCHEMA = settings.TENANT_BASE_SCHEMA
SCHEMAS_BOTH_HAVE = ("public", TEMPLATE_SCHEMA)
MIGRATE_TIMEOUT_SECONDS = 300


# ---------------------------------------------------------------- the scratch databases
def _server_parameters() -> dict:
    """Where the suite's own database lives; the scratch databases go beside it."""
    given = connection.settings_dict
    parameters = {"host": given["HOST"], "port": given["PORT"], "user": given["USER"]}
    if given["PASSWORD"]:
        parameters["password"] = given["PASSWORD"]
    return {name: value for name, value in parameters.items() if value}


def _connect(dbname: str) -> psycopg.Connection:
    return psycopg.connect(dbname=dbname, autocommit=True, **_server_parameters())


def _database_url(dbname: str) -> str:
    """A DATABASE_URL in one of the two forms sukma.settings.env accepts."""
    server = _server_parameters()
    credentials = quote(server["user"], safe="")
    if "password" in server:
        credentials += ":" + quote(server["password"], safe="")
    host = server.get("host", "")
    port = f":{server['port']}" if "port" in server else ""
    if host.startswith("/"):  # a Unix socket folder, the embedded server's way
        return f"postgresql://{credentials}@{port}/{dbname}?host={quote(host)}"
    return f"postgresql://{credentials}@{host}{port}/{dbname}"


@pytest.fixture
def scratch_databases():
    """Two empty databases, (fresh, upgraded), dropped afterwards whatever happened."""
    stem = f"sukma_upgrade_{uuid.uuid4().hex[:10]}"
    names = (f"{stem}_fresh", f"{stem}_upgraded")
    with _connect("postgres") as admin:
        for name in names:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield names
        finally:
            for name in names:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def _only_psql_or_newer(line: str) -> bool:
    """A line of a dump that a server reached without psql refuses.

    pg_dump 17 and later set transaction_timeout, unknown to older servers; pg_dump since
    August 2025 wraps its output in psql's restrict and unrestrict meta-commands, which no
    server knows. Dropped here too, so that a dump made again with a newer pg_dump loads.
    """
    return line.startswith(("SET transaction_timeout", "\\restrict ", "\\unrestrict "))


def _load_old_dump(dbname: str) -> None:
    script = gzip.decompress(OLD_DUMP.read_bytes()).decode()
    script = "\n".join(line for line in script.splitlines() if not _only_psql_or_newer(line))
    with _connect(dbname) as conn:
        conn.execute(script)  # no parameters: psycopg sends the whole script as one query


# ---------------------------------------------------------------- migrating with today's code
def _start_migrate(dbname: str) -> subprocess.Popen:
    """Today's `manage.py migrate`, as an operator runs it, in a process of its own."""
    environment = {
        **os.environ,
        "DATABASE_URL": _database_url(dbname),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "sukma.settings.test",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _migrate_all(*dbnames: str) -> None:
    """Migrate the databases side by side (each takes seconds) and fail on the first error."""
    running = {dbname: _start_migrate(dbname) for dbname in dbnames}
    for dbname, process in running.items():
        output, _ = process.communicate(timeout=MIGRATE_TIMEOUT_SECONDS)
        assert process.returncode == 0, f"migrate of {dbname} failed:\n{output[-4000:]}"


# ---------------------------------------------------------------- what a database holds
def _schemas(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT nspname FROM pg_namespace WHERE nspname !~ '^(pg_|information_schema$)' "
        "ORDER BY nspname"
    ).fetchall()
    return [name for (name,) in rows]


def _regency_schemas(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute("SELECT schema_name FROM public.tenants_regency ORDER BY 1").fetchall()
    return [name for (name,) in rows]


# Each query lists one kind of object of the schema in search_path, one line per object.
# With only that schema on the path, PostgreSQL leaves its name out of the definitions it
# prints, so a regency's schema and the template compare line for line.
_RELATIONS_OF_SCHEMA = "c.relnamespace = current_schema()::regnamespace"
SHAPE_QUERIES = {
    "table": f"""
        SELECT c.relname || ' ' || c.relkind::text || ': '
               || coalesce(string_agg(a.attname, ', ' ORDER BY a.attnum), '')
        FROM pg_class c
        LEFT JOIN pg_attribute a
               ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE {_RELATIONS_OF_SCHEMA} AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        GROUP BY c.relname, c.relkind""",
    "column": f"""
        SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
               || CASE WHEN a.attnotnull THEN ' not null' ELSE ' null' END
               || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '-')
               || ' identity=' || a.attidentity::text || ' generated=' || a.attgenerated::text
               || ' collation=' || coalesce(co.collname, '-')
        FROM pg_class c
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
        LEFT JOIN pg_collation co ON co.oid = a.attcollation AND co.collname <> 'default'
        WHERE {_RELATIONS_OF_SCHEMA} AND c.relkind IN ('r', 'p', 'v', 'm', 'f')""",
    # Not-null constraints are columns' business above (PostgreSQL 18 also lists them here).
    "constraint": f"""
        SELECT c.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        WHERE {_RELATIONS_OF_SCHEMA} AND k.contype <> 'n'""",
    "index": """
        SELECT i.relname || ' ' || pg_get_indexdef(i.oid)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        WHERE i.relnamespace = current_schema()::regnamespace""",
    "sequence": f"""
        SELECT c.relname || ' ' || format_type(s.seqtypid, NULL) || ' start=' || s.seqstart
               || ' by=' || s.seqincrement || ' min=' || s.seqmin || ' max=' || s.seqmax
               || ' cache=' || s.seqcache || ' cycle=' || s.seqcycle
        FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
        WHERE {_RELATIONS_OF_SCHEMA}""",
    "view": f"""
        SELECT c.relname || ' ' || pg_get_viewdef(c.oid)
        FROM pg_class c WHERE {_RELATIONS_OF_SCHEMA} AND c.relkind IN ('v', 'm')""",
    "function": """
        SELECT p.oid::regprocedure::text || ' ' || md5(pg_get_functiondef(p.oid))
        FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace
          AND p.prokind IN ('f', 'p')""",
    "trigger": f"""
        SELECT c.relname || ' ' || pg_get_triggerdef(t.oid)
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE {_RELATIONS_OF_SCHEMA} AND NOT t.tgisinternal""",
}


def schema_shape(conn: psycopg.Connection, schema: str) -> set[str]:
    """Everything that makes up a schema's structure, as lines like 'index platform_user ...'."""
    conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
    try:
        # Index definitions name the schema whatever the path says: leave it out.
        (quoted,) = conn.execute("SELECT quote_ident(current_schema())").fetchone()
        qualifier = f" {quoted}."
        return {
            f"{kind} {line.replace(qualifier, ' ')}"
            for kind, query in SHAPE_QUERIES.items()
            for (line,) in conn.execute(query).fetchall()
        }
    finally:
        conn.execute("RESET search_path")


def applied_migrations(conn: psycopg.Connection, schema: str) -> set[tuple[str, str]]:
    query = sql.SQL("SELECT app, name FROM {}.django_migrations").format(sql.Identifier(schema))
    return set(conn.execute(query).fetchall())


def content_types(conn: psycopg.Connection) -> set[tuple[str, str]]:
    return set(conn.execute("SELECT app_label, model FROM public.django_content_type").fetchall())


def columns_in(conn: psycopg.Connection, schema: str) -> set[tuple[str, str]]:
    query = "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s"
    return set(conn.execute(query, [schema]).fetchall())


def columns_the_models_expect() -> dict[str, set[tuple[str, str]]]:
    """Per schema, the (table, column) pairs today's models read and write.

    Comparing databases alone would miss a model whose table changed with no migration (both
    databases would be alike, and both wrong); this catches it in the same run.
    """
    expected = {schema: set() for schema in SCHEMAS_BOTH_HAVE}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy:
            continue
        schema = TEMPLATE_SCHEMA if meta.app_config.name in settings.TENANT_APPS else "public"
        expected[schema] |= {(meta.db_table, field.column) for field in meta.concrete_fields}
    return expected


def _tables_with_keys(conn: psycopg.Connection) -> dict[tuple[str, str], list[str]]:
    """Every table of every schema, with the columns of its primary key."""
    rows = conn.execute(
        """
        SELECT n.nspname, c.relname,
               array(SELECT a.attname FROM unnest(x.indkey) AS k(attnum)
                     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum)
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_index x ON x.indrelid = c.oid AND x.indisprimary
        WHERE c.relkind IN ('r', 'p') AND n.nspname !~ '^(pg_|information_schema$)'
        """
    ).fetchall()
    return {(schema, table): key for schema, table, key in rows}


def rows_by_key(conn: psycopg.Connection) -> dict[tuple[str, str], set[tuple]]:
    """Each table's rows, known by primary key (or by the whole row where a table has none).

    Keys rather than counts: a later migration may rightly add rows (a new model's content
    type and permissions), but none may take away a row that was there.
    """
    held = {}
    for (schema, table), key in _tables_with_keys(conn).items():
        columns = sql.SQL(", ").join(map(sql.Identifier, key)) if key else sql.SQL("t::text")
        query = sql.SQL("SELECT {} FROM {}.{} AS t").format(
            columns, sql.Identifier(schema), sql.Identifier(table)
        )
        held[(schema, table)] = set(conn.execute(query).fetchall())
    return held


def sequence_positions(conn: psycopg.Connection) -> dict[str, int]:
    rows = conn.execute(
        "SELECT schemaname || '.' || sequencename, coalesce(last_value, 0) FROM pg_sequences"
    ).fetchall()
    return dict(rows)


def rewound_sequences(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple]:
    """Sequences now behind where they were: the next insert would reuse a key in use."""
    return {
        name: (position, after.get(name))
        for name, position in before.items()
        if after.get(name, -1) < position
    }


def lost_rows(before: dict, after: dict) -> dict[str, int]:
    """How many rows of each table are gone, for the tables that lost any."""
    lost = {}
    for (schema, table), rows in before.items():
        missing = rows - after.get((schema, table), set())
        if missing:
            lost[f"{schema}.{table}"] = len(missing)
    return lost


NEEDLESS_DRAFTS = """
    SELECT p.id, (SELECT count(*) FROM {s}.followup_followupitem i WHERE i.plan_id = p.id)
    FROM {s}.followup_followupplan p JOIN {s}.surveys_period pe ON pe.id = p.period_id
    WHERE p.status = 'draft' AND NOT (pe.locked AND pe.kind = 'year' AND p.responses > 0)
      AND NOT EXISTS (
        SELECT 1 FROM {s}.followup_followupitem i
        LEFT JOIN {s}.followup_followupevidence e ON e.item_id = i.id
        WHERE i.plan_id = p.id AND (i.acts_on OR i.planned_action <> '' OR i.deadline IS NOT NULL
          OR i.responsible <> '' OR i.realisation <> '' OR i.realised_at IS NOT NULL
          OR e.id IS NOT NULL))
"""


def needless_drafts(conn: psycopg.Connection, schemas: list[str]) -> dict[str, int]:
    """Issue 19: the empty drafts of recaps followup 0002 removes, counted per table."""
    counts = {}
    for schema in schemas:
        rows = conn.execute(NEEDLESS_DRAFTS.format(s=schema)).fetchall()
        if rows:
            counts[f"{schema}.followup_followupplan"] = len(rows)
            counts[f"{schema}.followup_followupitem"] = sum(items for _pk, items in rows)
    return counts


# ---------------------------------------------------------------- the test
def test_the_demo_database_before_issue_16_upgrades_to_what_a_fresh_install_makes(
    scratch_databases,
):
    fresh_name, upgraded_name = scratch_databases
    _load_old_dump(upgraded_name)
    with _connect(upgraded_name) as old:
        before = rows_by_key(old)
        positions_before = sequence_positions(old)
        old_regencies = _regency_schemas(old)
        needless = needless_drafts(old, old_regencies)
    assert sum(map(len, before.values())) > 5000, "the dump did not load"
    assert len(old_regencies) == 2

    _migrate_all(fresh_name, upgraded_name)

    with _connect(fresh_name) as fresh, _connect(upgraded_name) as upgraded:
        # Issue 18: the clear-text API tokens are deleted on purpose (platform 0002); the
        # hashed ones that replace them are issued at the next sign-in.
        lost = lost_rows(before, rows_by_key(upgraded))
        assert lost.pop("public.authtoken_token", 0) <= 1
        # Issue 19: a draft per agency for each of a year's 19 periods; the recaps' empty
        # ones are deleted on purpose (followup 0002), exactly those, nothing written.
        assert needless and {t: lost.pop(t, 0) for t in needless} == needless
        assert lost == {}, "rows lost, per table"
        assert rewound_sequences(positions_before, sequence_positions(upgraded)) == {}
        assert _schemas(upgraded) == sorted([*SCHEMAS_BOTH_HAVE, *old_regencies])
        for schema in SCHEMAS_BOTH_HAVE:
            assert schema_shape(upgraded, schema) == schema_shape(fresh, schema), schema
            assert applied_migrations(upgraded, schema) == applied_migrations(fresh, schema)
        # Audit rows and permissions point at content types: a stale label orphans them.
        assert content_types(upgraded) == content_types(fresh)
        for schema, expected in columns_the_models_expect().items():
            assert expected - columns_in(upgraded, schema) == set(), f"models lack in {schema}"

        template_shape = schema_shape(upgraded, TEMPLATE_SCHEMA)
        template_migrations = applied_migrations(upgraded, TEMPLATE_SCHEMA)
        for regency in old_regencies:
            assert schema_shape(upgraded, regency) == template_shape, regency
            assert applied_migrations(upgraded, regency) == template_migrations, regency
