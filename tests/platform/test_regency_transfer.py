"""One regency at a time: export, import (replacing it or into a database without it),
offboarding; every figure, provincial ones included, is the same after the round trip."""

import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import translation
from django_tenants.utils import schema_exists

from sukma.access.models import AuditEvent, Membership
from sukma.platform.rankings.models import RankingSnapshot
from sukma.platform.rankings.ranking import rankings_recompute
from sukma.platform.rankings.reconcile import reconcile_all
from sukma.platform.rankings.rollup import rollup_regency_run
from sukma.platform.services import transfer
from sukma.tenants import dump
from sukma.tenants.models import Regency, RegencyStatus
from tests import rollup_data
from tests.rollup_data import answer, raw_month_totals, rolled_up_months

two_answered = rollup_data.two_answered


def rankings_now() -> list:
    return sorted(
        RankingSnapshot.objects.values_list(
            "period_kind", "year", "number", "level", "code", "rows"
        )
    )


def schema_hashes(regency, tmp_path, name) -> dict:
    manifest = transfer.regency_export(regency=regency, out=tmp_path / name)
    return {k: v for k, v in manifest["sha256"].items() if k.startswith("schema/")}


def figures(regency) -> tuple:
    return (
        raw_month_totals(regency),
        rolled_up_months(regency),
        sorted(Membership.objects.filter(regency=regency).values_list("user__email", "role")),
        sorted(regency.domains.values_list("domain", flat=True)),
    )


@pytest.fixture
def ranked(two_answered):
    for answered in two_answered:
        rollup_regency_run(regency=answered.regency, full=True)
    rankings_recompute()
    return two_answered


def rewritten(src, dst, change) -> None:
    """A copy of an export with some entries changed by `change(name, data) -> data`."""
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w") as b:
        for name in a.namelist():
            b.writestr(name, change(name, a.read(name)))


def test_the_round_trip_over_a_live_regency_gives_back_every_figure(ranked, personas, tmp_path):
    blitar, malang = ranked
    before = figures(blitar.regency)
    provincial = rankings_now()
    blitar_tables = schema_hashes(blitar.regency, tmp_path, "b0.zip")
    malang_tables = schema_hashes(malang.regency, tmp_path, "m0.zip")
    malang_before = figures(malang.regency)
    export = tmp_path / "blitar.zip"
    transfer.regency_export(regency=blitar.regency, out=export)
    # Life goes on after the backup: answers the restore will undo.
    answer(blitar, 9, seed=31)
    rollup_regency_run(regency=blitar.regency)
    rankings_recompute()
    assert figures(blitar.regency) != before

    with open(export, "rb") as source:
        result = transfer.regency_import(
            acting_user=personas.province_admin, source=source, replace=True
        )

    assert result.replaced is True
    assert figures(blitar.regency) == before
    assert rankings_now() == provincial
    assert schema_hashes(blitar.regency, tmp_path, "b1.zip") == blitar_tables
    # The other regency was not touched.
    assert figures(malang.regency) == malang_before
    assert schema_hashes(malang.regency, tmp_path, "m1.zip") == malang_tables
    assert AuditEvent.objects.filter(action="regency.imported", regency=blitar.regency).exists()
    assert reconcile_all().differences == []
    # A citizen can answer again in the restored schema (its sequences are past its rows).
    answer(blitar, 2, seed=32)
    rollup_regency_run(regency=blitar.regency)
    assert rolled_up_months(blitar.regency) == raw_month_totals(blitar.regency)


def test_offboarding_exports_then_drops_and_the_file_brings_it_back(ranked, personas, tmp_path):
    blitar, _ = ranked
    before = figures(blitar.regency)
    provincial = rankings_now()
    export = tmp_path / "final.zip"

    call_command("regency_offboard", blitar.regency.region_code, str(export))

    regency = Regency.objects.get(pk=blitar.regency.pk)
    assert regency.status == RegencyStatus.OFFBOARDED
    assert not schema_exists(regency.schema_name)
    assert not rolled_up_months(regency)
    dropped = AuditEvent.objects.get(action="regency.schema_dropped", regency=regency)
    assert dropped.after["export"] == "final.zip"
    assert AuditEvent.objects.filter(action="regency.offboarded", regency=regency).exists()
    assert rankings_now() != provincial

    call_command("regency_import", str(export), "--replace")

    regency.refresh_from_db()
    assert regency.status == RegencyStatus.ACTIVE
    assert figures(regency) == before
    assert rankings_now() == provincial


def test_an_import_that_fails_halfway_changes_nothing(ranked, personas, tmp_path, monkeypatch):
    blitar, malang = ranked
    export = tmp_path / "blitar.zip"
    transfer.regency_export(regency=blitar.regency, out=export)
    answer(blitar, 4, seed=33)
    rollup_regency_run(regency=blitar.regency)
    before, malang_before, provincial = figures(blitar.regency), figures(malang.regency), None
    provincial = rankings_now()
    real = dump.table_copy_in
    calls = []

    def failing(*args):
        calls.append(args[1])
        if len(calls) == 5:
            raise RuntimeError("disk full")
        return real(*args)

    monkeypatch.setattr(dump, "table_copy_in", failing)
    with open(export, "rb") as source, pytest.raises(RuntimeError, match="disk full"):
        transfer.regency_import(acting_user=None, source=source, replace=True)

    connection.set_schema_to_public()
    assert figures(blitar.regency) == before
    assert figures(malang.regency) == malang_before
    assert rankings_now() == provincial


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: {**m, "format": 99}, r"newer SuKMa \(file format 99"),
        (
            lambda m: {**m, "schema_migrations": [*m["schema_migrations"], ["surveys", "9999_x"]]},
            "migration surveys.9999_x is unknown here",
        ),
        (lambda m: {**m, "schema_migrations": m["schema_migrations"][:-1]}, "older SuKMa"),
        (lambda m: {**m, "kind": "something else"}, "not a SuKMa regency export"),
    ],
)
def test_a_file_from_another_version_is_refused_clearly(ranked, tmp_path, change, message):
    blitar, _ = ranked
    export, changed = tmp_path / "b.zip", tmp_path / "changed.zip"
    transfer.regency_export(regency=blitar.regency, out=export)
    before = figures(blitar.regency)

    def edit(name, data):
        return json.dumps(change(json.loads(data))).encode() if name == "manifest.json" else data

    rewritten(export, changed, edit)
    with translation.override("en"), pytest.raises(ValidationError, match=message):
        transfer.regency_import(acting_user=None, source=changed, replace=True)
    assert figures(blitar.regency) == before


def test_a_damaged_file_or_an_existing_regency_is_refused_and_nothing_changes(ranked, tmp_path):
    blitar, _ = ranked
    export, damaged = tmp_path / "b.zip", tmp_path / "damaged.zip"
    transfer.regency_export(regency=blitar.regency, out=export)
    before = figures(blitar.regency)
    rewritten(
        export,
        damaged,
        lambda name, data: data.replace(b"\t", b"\t9", 1) if name.startswith("schema/") else data,
    )
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="does not match its checksum"),
    ):
        transfer.regency_import(acting_user=None, source=damaged, replace=True)
    with translation.override("en"), pytest.raises(ValidationError, match="already here"):
        transfer.regency_import(acting_user=None, source=export)
    (tmp_path / "junk.zip").write_bytes(b"PK\x03\x04 not really")
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="not a SuKMa regency export"),
    ):
        transfer.regency_import(acting_user=None, source=tmp_path / "junk.zip")
    assert figures(blitar.regency) == before
