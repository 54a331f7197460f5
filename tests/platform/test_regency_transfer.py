"""One regency at a time: export, import (replacing it or into a database without it),
offboarding; every figure, provincial ones included, is the same after the round trip."""

import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_exists

from sukma.access.models import ApiToken, AuditEvent, Membership, Role, User
from sukma.access.tokens import token_issue
from sukma.platform.models import ProvisioningJob, ReplicationAgreement
from sukma.platform.rankings.models import DirectoryChange, RankingChange, RankingSnapshot
from sukma.platform.rankings.ranking import rankings_recompute
from sukma.platform.rankings.reconcile import reconcile_all
from sukma.platform.rankings.rollup import rollup_regency_run
from sukma.platform.services import transfer
from sukma.tenants import dump
from sukma.tenants.migration_state import schema_state_forget
from sukma.tenants.models import Domain, Regency, RegencyStatus
from tests import rollup_data
from tests.rollup_data import answer, raw_month_totals, rolled_up_months, rollup_state

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
    before, audit = figures(blitar.regency), audit_of(blitar.regency)
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
    assert audit_of(blitar.regency) == audit  # each audit row once, at its own time
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
        # Older files are brought forward (test_regency_transfer_older), unless today's
        # models cannot load their public rows: here, made before API tokens existed.
        (
            lambda m: {
                **m,
                "public_migrations": [
                    x for x in m["public_migrations"] if x[0] != "platform" or x[1] < "0002"
                ],
            },
            "older SuKMa whose platform.apitoken rows cannot be loaded here",
        ),
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


# ---------------------------------------------------------------- into a database without it
def regency_deleted(regency: Regency) -> None:
    """Every trace of the regency gone, as if it had never been here: its schema and its
    public rows (tenant row, domains, agreements, jobs, memberships, invitations, its own
    users with their tokens and devices, its audit rows, its rollup), then the rankings
    recomputed without it. No service does this (offboarding keeps the public rows)."""
    own, _shared = transfer._own_users(regency)
    with transaction.atomic():
        AuditEvent.objects.filter(regency=regency).delete()
        ProvisioningJob.objects.filter(regency=regency).delete()
        ReplicationAgreement.objects.filter(regency=regency).delete()
        User.objects.filter(pk__in=[u.pk for u in own]).delete()  # tokens, devices with them
        RankingChange.objects.filter(regency_id=regency.pk).delete()
        DirectoryChange.objects.filter(schema_name=regency.schema_name).delete()
        schema_state_forget(regency.schema_name)
        dump.schema_drop(regency.schema_name)
        regency.delete()  # domains, memberships, invitations and rollup rows go with it
    rankings_recompute()


def rankings_by_code() -> list:
    """rankings_now() without the regencies' ids: an import into a database without the
    regency gives it a new one; its code, figures and ranks are what must come back."""
    return [
        (*key, [{k: v for k, v in row.items() if k != "regency_id"} for row in rows])
        for *key, rows in rankings_now()
    ]


def people() -> dict:
    """Every user by e-mail: the account, where they belong, their tokens and devices."""
    return {
        user.email: {
            "pk": user.pk,
            "account": (
                user.password,
                user.full_name,
                user.is_active,
                user.is_staff,
                user.is_superuser,
                user.date_joined,
                user.last_login,
            ),
            "roles": sorted(
                (m.role, m.regency.region_code if m.regency else "", m.agency_id or 0)
                for m in user.memberships.select_related("regency")
            ),
            "invitations": sorted(
                user.invitations.values_list("regency__region_code", "sent_at", "accepted_at")
            ),
            "tokens": sorted(
                ApiToken.objects.filter(user=user).values_list("digest", "name", "expires_at")
            ),
            "devices": sorted(
                TOTPDevice.objects.filter(user=user).values_list("name", "key", "confirmed")
            ),
        }
        for user in User.objects.all()
    }


def without_pk(person: dict) -> dict:
    return {k: v for k, v in person.items() if k != "pk"}


def audit_of(regency: Regency) -> list:
    return sorted(
        AuditEvent.objects.filter(regency=regency)
        .exclude(action="regency.imported")
        .values_list("action", "target_type", "actor__email", "before", "after", "created_at"),
        key=repr,
    )


def test_a_regency_deleted_here_is_imported_back_beside_the_others(ranked, personas, tmp_path):
    blitar, malang = ranked
    regency, code = blitar.regency, blitar.regency.region_code
    operator = User.objects.create_user(
        "operator@blitarrollkab.go.id", "x-Rahasia-71", full_name="Operator Dukcapil"
    )
    Membership.objects.create(
        user=operator,
        regency=regency,
        role=Role.AGENCY_OPERATOR,
        agency_id=blitar.services[0].agency_id,
    )
    token_issue(operator, name="laptop")
    TOTPDevice.objects.create(user=operator, name="ponsel", key="31" * 20, confirmed=True)
    both = User.objects.create_user("ortala.bersama@jatimprov.go.id", "x-Rahasia-72")
    for r in (regency, malang.regency):
        Membership.objects.create(user=both, regency=r, role=Role.REGENCY_ADMIN)
    own = {u.email for u in transfer._own_users(regency)[0]}
    assert own == {"organisasi@blitarrollkab.go.id", operator.email}
    before, audit, provincial, everyone = (
        figures(regency),
        audit_of(regency),
        rankings_by_code(),
        people(),
    )
    assert audit and regency.region_code in repr(provincial)
    others = [malang.regency, personas.tulungagung, personas.kediri]
    elsewhere = {
        o.region_code: (
            figures(o),
            transfer.public_rows(o),
            rollup_state(o),
            schema_hashes(o, tmp_path, f"{o.schema_name}-0.zip"),
        )
        for o in others
    }
    export = tmp_path / "blitar.sukma.zip"
    call_command("regency_export", code, str(export))

    regency_deleted(regency)
    assert not Regency.objects.filter(region_code=code).exists()
    assert not schema_exists(regency.schema_name)
    assert not User.objects.filter(email__in=own).exists()
    assert not Domain.objects.filter(domain__in=before[3]).exists()
    assert list(both.memberships.values_list("regency", flat=True)) == [malang.regency.pk]
    assert code not in repr(rankings_by_code())

    call_command("regency_import", str(export))

    regency = Regency.objects.get(region_code=code)
    assert regency.status == RegencyStatus.ACTIVE and schema_exists(regency.schema_name)
    assert figures(regency) == before
    assert audit_of(regency) == audit
    assert AuditEvent.objects.filter(action="regency.imported", regency=regency).count() == 1
    assert rankings_by_code() == provincial
    # Its own users are back whole (new ids), everyone else is who they were, ids included.
    after = people()
    assert set(after) == set(everyone)
    for email, person in everyone.items():
        if email in own:
            assert without_pk(after[email]) == without_pk(person), email
        else:
            assert after[email] == person, email
    # The other regencies: their figures, public rows, rollup and schemas untouched.
    for o in others:
        assert (
            figures(o),
            transfer.public_rows(o),
            rollup_state(o),
            schema_hashes(o, tmp_path, f"{o.schema_name}-1.zip"),
        ) == elsewhere[o.region_code], o.name
    assert reconcile_all().differences == []
    # Citizens answer in the imported regency; the rollup takes them in.
    answer(rollup_data.Answered(regency, blitar.points, blitar.services), 3, seed=34)
    rollup_regency_run(regency=regency)
    assert rolled_up_months(regency) == raw_month_totals(regency) != before[0]


@pytest.mark.parametrize("who", ["a province admin", "Kota Malang's admin"])
def test_an_exported_user_whose_email_is_someone_else_here_keeps_that_account(
    ranked, personas, tmp_path, who
):
    """The e-mail address names the person: the regency's role goes to the account this
    database has for it, as for a user the export shares with another regency; the export's
    password, name, tokens and devices for that address do not replace theirs."""
    blitar, malang = ranked
    code, email = blitar.regency.region_code, "organisasi@blitarrollkab.go.id"
    token_issue(User.objects.get(email=email), name="kantor")
    TOTPDevice.objects.create(
        user=User.objects.get(email=email), name="ponsel", key="33" * 20, confirmed=True
    )
    before = figures(blitar.regency)
    export = tmp_path / "blitar.sukma.zip"
    call_command("regency_export", code, str(export))
    regency_deleted(blitar.regency)
    someone = User.objects.create_user(email, "x-Rahasia-Lain-9", full_name="Pejabat Lain")
    if who == "a province admin":
        Membership.objects.create(user=someone, role=Role.PROVINCE_ADMIN)
    else:
        Membership.objects.create(user=someone, regency=malang.regency, role=Role.REGENCY_ADMIN)
    token_issue(someone, name="rumah")
    TOTPDevice.objects.create(user=someone, name="ponsel lain", key="34" * 20, confirmed=True)
    everyone = people()
    # Kota Malang's own rows (its users are in people(): that one becomes shared with Blitar).
    public = ("regency", "domains", "agreements", "jobs", "memberships", "invitations", "audit")
    malang_rows = {k: transfer.public_rows(malang.regency)[k] for k in public}

    call_command("regency_import", str(export))

    regency = Regency.objects.get(region_code=code)
    assert User.objects.filter(email=email).count() == 1
    after = people()
    theirs = everyone[email]
    assert after[email] == {
        **theirs,
        "roles": sorted([*theirs["roles"], (Role.REGENCY_ADMIN, code, 0)]),
        "invitations": after[email]["invitations"],
    }
    assert [i[0] for i in after[email]["invitations"]] == [code]
    assert {e: p for e, p in after.items() if e != email} == {
        e: p for e, p in everyone.items() if e != email
    }
    assert figures(regency) == before
    assert {k: transfer.public_rows(malang.regency)[k] for k in public} == malang_rows
    imported = AuditEvent.objects.get(action="regency.imported", regency=regency)
    assert imported.after["users_kept"] == [email]


def test_replacing_a_regency_leaves_alone_its_user_who_now_belongs_elsewhere_too(ranked, tmp_path):
    """Replacing restores the regency's own users from the file; one who has since become
    Kota Malang's admin as well is no longer only its own: their sign-in stays as it is."""
    blitar, malang = ranked
    export = tmp_path / "blitar.sukma.zip"
    transfer.regency_export(regency=blitar.regency, out=export)
    admin = User.objects.get(email="organisasi@blitarrollkab.go.id")
    admin.set_password("x-Rahasia-Baru-5")
    admin.full_name = "Kabag Organisasi"
    admin.save()
    Membership.objects.create(user=admin, regency=malang.regency, role=Role.REGENCY_ADMIN)
    token_issue(admin, name="malang")
    everyone = people()

    call_command("regency_import", str(export), "--replace")

    assert people() == everyone
    imported = AuditEvent.objects.get(action="regency.imported", regency=blitar.regency)
    assert imported.after["users_kept"] == [admin.email]
