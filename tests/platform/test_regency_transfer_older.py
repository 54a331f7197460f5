"""A backup made before an upgrade is restored after it: the import builds the schema at the
migrations the file recorded, loads it, and migrates it to the code's (data migrations
included), in its one transaction; the public rows are checked against the migrations made
since, and a file they cannot load through is refused before anything changes.

The older file is made for real: Blitar's schema is migrated back by two tenant migrations
whose tables hold its rows (complaints 0002, a column and a data migration that fills it;
followup 0003, a column), exported, and migrated forward again (the upgrade)."""

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, models
from django.db.migrations import operations
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import translation
from django_tenants.utils import schema_context

from sukma.access.models import AuditEvent
from sukma.platform.rankings.ranking import rankings_recompute
from sukma.platform.rankings.reconcile import reconcile_all
from sukma.platform.rankings.rollup import rollup_regency_run
from sukma.platform.services import transfer
from sukma.surveys.complaints.models import Case
from sukma.tenants import dump
from sukma.tenants.migration_state import code_fingerprint, schema_state_verify
from sukma.tenants.models import SchemaMigrationState
from sukma.tenants.schemas import template_schema_name
from tests import rollup_data
from tests.platform.test_regency_transfer import (
    figures,
    ranked,
    rankings_now,
    rewritten,
    schema_hashes,
)
from tests.rollup_data import answer, raw_month_totals, rolled_up_months
from tests.tenants.probe import probe_migration

two_answered = rollup_data.two_answered
__all__ = ["ranked", "two_answered"]  # fixtures, used by name

# Each is the last migration of its app; going back to its parent takes it out.
UPGRADE = [("complaints", "0002_arrival_notified_at"), ("followup", "0003_plan_revision")]
BEFORE_UPGRADE = [("complaints", "0001_initial"), ("followup", "0002_needless_drafts")]


# ---------------------------------------------------------------- helpers
def schema_migrated(schema: str, targets=None) -> None:
    """The schema migrated to `targets` (None: the code's leaf migrations) by Django's
    executor, each migration committed on its own, as `migrate` does; its state recorded."""
    connection.set_schema(schema)
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(targets or executor.loader.graph.leaf_nodes())
    finally:
        connection.set_schema_to_public()
    schema_state_verify(schema)


def lived_in(answered) -> None:
    """A complaint and a follow-up plan: rows in the tables the upgrade changes."""
    rollup_data.with_complaint_and_plan(answered)


def shape(schema: str) -> set[str]:
    """The schema's columns (type, null, default), constraints and indexes, without its name."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT 'column ' || c.relname || '.' || a.attname || ' '
                      || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text
                      || ' ' || a.attidentity::text || ' '
                      || coalesce(pg_get_expr(d.adbin, d.adrelid), '-')
               FROM pg_class c
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
               LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
               WHERE c.relnamespace = %(s)s::regnamespace AND c.relkind = 'r'
               UNION ALL
               SELECT 'constraint ' || t.relname || ' ' || k.conname || ' '
                      || pg_get_constraintdef(k.oid)
               FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
               WHERE k.connamespace = %(s)s::regnamespace AND k.contype <> 'n'
               UNION ALL
               SELECT 'index ' || pg_get_indexdef(i.indexrelid)
               FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
               WHERE x.relnamespace = %(s)s::regnamespace""",
            {"s": schema},
        )
        qualified = re.compile(rf'"?{re.escape(schema)}"?\.')
        return {qualified.sub("", line) for (line,) in cursor.fetchall()}


def recorded(schema: str) -> set[tuple[str, str]]:
    return {(app, name) for app, name in dump.schema_migrations(schema)}


def older_export(answered, path) -> dict:
    """Blitar exported by the SuKMa before the upgrade, then upgraded in place; returns the
    file's manifest."""
    schema = answered.regency.schema_name
    schema_migrated(schema, BEFORE_UPGRADE)
    assert recorded(template_schema_name()) - recorded(schema) == set(UPGRADE)
    manifest = transfer.regency_export(regency=answered.regency, out=path)
    assert {tuple(m) for m in manifest["schema_migrations"]} == recorded(schema)
    assert "arrival_notified_at" not in manifest["tables"]["complaints_case"]
    assert "revision" not in manifest["tables"]["followup_followupplan"]
    schema_migrated(schema)  # the upgrade
    assert recorded(schema) == recorded(template_schema_name())
    return manifest


def audit_imported(regency) -> AuditEvent:
    return AuditEvent.objects.get(action="regency.imported", regency=regency)


# ---------------------------------------------------------------- a backup from before the upgrade
def test_an_export_from_before_an_upgrade_is_brought_forward_on_import(ranked, tmp_path):
    blitar, malang = ranked
    regency, schema = blitar.regency, blitar.regency.schema_name
    lived_in(blitar)
    rollup_regency_run(regency=regency, full=True)
    rankings_recompute()
    before, provincial = figures(regency), rankings_now()
    malang_before = figures(malang.regency)
    malang_tables = schema_hashes(malang.regency, tmp_path, "m0.zip")
    export = tmp_path / "blitar-before-upgrade.zip"
    older_export(blitar, export)
    # What the upgrade in place made of the rows: the data migration filled the new column.
    upgraded_tables = schema_hashes(regency, tmp_path, "b-upgraded.zip")
    with schema_context(schema):
        case = Case.objects.get()
        assert case.arrival_notified_at == case.received_at
    connection.set_schema_to_public()
    # Life goes on after the upgrade: answers the restore will undo.
    answer(blitar, 7, seed=51)
    rollup_regency_run(regency=regency)
    rankings_recompute()
    assert figures(regency) != before

    call_command("regency_import", str(export), "--replace")

    assert recorded(schema) == recorded(template_schema_name())
    assert shape(schema) == shape(template_schema_name())
    assert SchemaMigrationState.objects.get(schema_name=schema).fingerprint == code_fingerprint()
    assert figures(regency) == before
    assert rankings_now() == provincial
    assert schema_hashes(regency, tmp_path, "b-imported.zip") == upgraded_tables
    assert audit_imported(regency).after["migrated"] == len(UPGRADE)
    # The other regency was not touched.
    assert figures(malang.regency) == malang_before
    assert schema_hashes(malang.regency, tmp_path, "m1.zip") == malang_tables
    assert reconcile_all().differences == []
    # Citizens answer in the restored schema; the rollup takes them in.
    answer(blitar, 3, seed=52)
    rollup_regency_run(regency=regency)
    assert rolled_up_months(regency) == raw_month_totals(regency) != before[0]


def test_an_older_import_that_fails_in_the_upgrade_changes_nothing(ranked, tmp_path, monkeypatch):
    blitar, malang = ranked
    regency, schema = blitar.regency, blitar.regency.schema_name
    lived_in(blitar)
    export = tmp_path / "blitar-before-upgrade.zip"
    older_export(blitar, export)
    answer(blitar, 4, seed=53)
    rollup_regency_run(regency=regency)
    rankings_recompute()
    before, malang_before, provincial = figures(regency), figures(malang.regency), rankings_now()
    tables = schema_hashes(regency, tmp_path, "b0.zip")
    real = MigrationExecutor.apply_migration
    upgraded = []

    def failing(self, state, migration, *args, **kwargs):
        # The schema was built at the file's migrations; the second of the upgrade's fails.
        if (migration.app_label, migration.name) in UPGRADE:
            upgraded.append(migration.name)
            if len(upgraded) == 2:
                raise RuntimeError("the upgrade broke halfway")
        return real(self, state, migration, *args, **kwargs)

    monkeypatch.setattr(MigrationExecutor, "apply_migration", failing)
    with open(export, "rb") as source, pytest.raises(RuntimeError, match="broke halfway"):
        transfer.regency_import(acting_user=None, source=source, replace=True)
    monkeypatch.undo()

    assert connection.schema_name == "public"
    assert figures(regency) == before
    assert schema_hashes(regency, tmp_path, "b1.zip") == tables
    assert recorded(schema) == recorded(template_schema_name())
    assert SchemaMigrationState.objects.get(schema_name=schema).fingerprint == code_fingerprint()
    assert not AuditEvent.objects.filter(action="regency.imported", regency=regency).exists()
    assert figures(malang.regency) == malang_before
    assert rankings_now() == provincial


# ---------------------------------------------------------------- what is still refused
def test_a_file_made_at_a_migration_this_database_lacks_is_refused_until_migrate(
    db, personas, tmp_path
):
    """The code knows a migration (the probe's) that this database has not applied: a file
    made at it is not older but ahead of the database."""
    export, changed = tmp_path / "t.zip", tmp_path / "changed.zip"
    manifest = transfer.regency_export(regency=personas.tulungagung, out=export)
    with probe_migration(tmp_path) as probe:
        manifest["schema_migrations"].append(["surveys", probe])
        rewritten(
            export,
            changed,
            lambda name, data: json.dumps(manifest).encode() if name == "manifest.json" else data,
        )
        with pytest.raises(ValidationError) as refused:
            transfer.export_read(changed)
    assert refused.value.messages == [
        f"Basis data ini belum menerapkan migrasi surveys.{probe}, padahal ekspor ini dibuat "
        "dengan migrasi tersebut: jalankan `manage.py migrate`, lalu impor lagi."
    ]


def _without(app: str, *names: str):
    def change(manifest):
        return {
            **manifest,
            "public_migrations": [
                m for m in manifest["public_migrations"] if not (m[0] == app and m[1] in names)
            ],
        }

    return change


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        # AddField of a blank CharField, of a nullable DateTimeField with auto_now_add.
        (_without("platform", "0003_audit_address", "0004_task_failure"), None),
        (_without("otp_totp", "0003_add_timestamps"), None),
        # A model public.json holds, made since (CreateModel ApiToken; and a RunSQL).
        (
            _without("platform", "0002_api_token", "0003_audit_address", "0004_task_failure"),
            (
                "Ekspor ini dibuat oleh SuKMa yang lebih lama dan baris platform.apitoken di "
                "dalamnya tidak dapat dimuat di sini (migrasi platform.0002_api_token "
                "mengubahnya): impor berkas ini dengan versi SuKMa yang membuatnya ke basis "
                "data cadangan, perbarui basis data itu ke versi ini, lalu ekspor lagi."
            ),
        ),
    ],
)
def test_the_public_rows_of_an_older_file_load_or_are_refused_in_indonesian(
    db, personas, tmp_path, change, refusal
):
    export, changed = tmp_path / "t.zip", tmp_path / "changed.zip"
    transfer.regency_export(regency=personas.tulungagung, out=export)
    rewritten(
        export,
        changed,
        lambda name, data: (
            json.dumps(change(json.loads(data))).encode() if name == "manifest.json" else data
        ),
    )
    if refusal is None:
        transfer.export_read(changed)
    else:
        with pytest.raises(ValidationError) as refused:
            transfer.export_read(changed)
        assert refused.value.messages == [refusal]


def test_migration_records_with_a_gap_are_refused(db, personas, tmp_path):
    export, changed = tmp_path / "t.zip", tmp_path / "changed.zip"
    manifest = transfer.regency_export(regency=personas.tulungagung, out=export)
    manifest["schema_migrations"].remove(["followup", "0002_needless_drafts"])
    rewritten(
        export,
        changed,
        lambda name, data: json.dumps(manifest).encode() if name == "manifest.json" else data,
    )
    with translation.override("en"), pytest.raises(ValidationError, match="incomplete"):
        transfer.export_read(changed)


# ---------------------------------------------------------------- the rule, operation by operation
def _state():
    return MigrationLoader(None, ignore_no_migrations=True).project_state(
        ("platform", "0004_task_failure")
    )


@pytest.mark.parametrize(
    ("operation", "fits"),
    [
        (operations.AddField("user", "nickname", models.CharField(max_length=9, blank=True)), 1),
        (operations.AddField("user", "rank", models.IntegerField(default=0)), 1),
        (operations.AddField("user", "seen", models.DateTimeField(null=True)), 1),
        (operations.AddField("user", "rank", models.IntegerField()), 0),
        (
            operations.AddField(
                "user", "rank", models.IntegerField(default=1), preserve_default=False
            ),
            0,
        ),
        (operations.RemoveField("user", "full_name"), 1),
        (operations.RenameField("user", "full_name", "name"), 0),
        (operations.AlterField("user", "full_name", models.CharField(max_length=400)), 1),
        (operations.AlterField("user", "full_name", models.CharField(max_length=20)), 0),
        (
            operations.AlterField(
                "user", "full_name", models.CharField(max_length=200, verbose_name="nama")
            ),
            1,
        ),
        (operations.AlterField("user", "full_name", models.TextField()), 0),
        (operations.AlterField("user", "last_login", models.DateTimeField()), 0),
        (operations.AddIndex("user", models.Index(fields=["email"], name="u_email")), 1),
        (operations.DeleteModel("invitation"), 0),
        (operations.RunSQL("UPDATE platform_user SET full_name = ''"), 0),
    ],
)
def test_which_changes_to_a_held_model_its_rows_still_load_through(operation, fits):
    assert transfer._rows_fit(operation, _state(), "platform") == bool(fits)


def test_an_operation_is_judged_by_the_model_it_names_or_else_by_its_whole_app():
    assert transfer._model_of(operations.RunSQL("SELECT 1", hints={"model_name": "TaskFailure"}))
    assert transfer._model_of(operations.RunSQL("SELECT 1")) is None
    assert transfer._model_of(operations.AddField("User", "x", models.IntegerField())) == "user"
