"""One regency at a time: export it to one file, import it back, offboard it.

The file is a zip holding
  manifest.json   format version, the migrations it was made at, the regency, a sha256 of
                  every other entry;
  public.json     the regency's rows in the public schema: the tenant row and its domains,
                  agreements, provisioning jobs, memberships, invitations, the users who
                  belong to it (whole, with their API tokens and second-factor devices), the
                  users it shares with the province or another regency (identity only),
                  and the audit rows about it;
  schema/<table>  each table of its schema in COPY's text format;
  files/<name>    the signed agreements' PDFs.
The rollup rows are not in it: an import forgets the regency's rollup and cursor and rolls it
up again whole, so the provincial figures follow whatever was restored.

An import runs in one transaction (schema dropped, template cloned, rows loaded, public rows
replaced): on any failure nothing changed. Other regencies are never touched, nor are the
accounts of other people: an own user whose e-mail this database has for someone else keeps
that account (the regency's roles are given to it; the export's password, second factor and
tokens for it are left out), as a shared user does. The file holds password hashes and
authenticator keys: keep it as secret as a database backup.

A file from an older SuKMa (its schema recorded fewer migrations than the template has, every
one of them known here) is brought forward in that same transaction: the schema is made empty
and migrated to exactly the migrations the file recorded (sukma.tenants.migrating, the way a
regency schema is migrated, not a clone), its tables are loaded, then the schema is migrated to
the code's migrations, data migrations included. A file that recorded a migration unknown here
comes from a newer SuKMa and is refused; so is one recording a known migration this database
has not applied (run `migrate` first).

The public rows (public.json) are loaded through today's models, so they are checked before
anything changes. Every migration applied here but not when the file was made, in an app of a
model public.json holds (tenants, platform, otp_totp, otp_static), is read operation by
operation; an operation on one of those models must be one the file's rows still load through:
  - AddField of a field an old row can go without: a default (kept by the model), a database
    default, null, a blank text field (""), or auto_now(_add);
  - RemoveField (the value in the file is left out, as the migration drops it);
  - AlterField that leaves the stored value as it was: only what Django calls non-database
    attributes, the default, db_index or db_comment change, null may be allowed, max_length
    may grow;
  - index, constraint, option, manager and table-name operations.
Anything else (a new, renamed or deleted model, a renamed field, any other AlterField) refuses
the file, naming the migration and model. So does a data migration (RunPython, RunSQL, ...) in
such an app, which may have rewritten rows the file holds unchanged, unless its hints name a
model (`hints={"model_name": ...}`) that the file does not hold. A refused file is imported
with the SuKMa version that made it into a spare database, upgraded there, and exported again.
"""

import datetime
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.migrations import operations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.fields import FieldOperation
from django.db.migrations.operations.models import IndexOperation, ModelOperation
from django.db.migrations.state import ProjectState
from django.utils import timezone
from django.utils.translation import gettext as _

from sukma.access.audit import audit_record
from sukma.access.models import ApiToken, AuditEvent, Invitation, Membership, User
from sukma.platform.models import ProvisioningJob, ReplicationAgreement
from sukma.platform.rankings.rollup import rollup_regency_forget, rollup_regency_run
from sukma.platform.services.regencies import regency_set_status
from sukma.surveys.province import totals_settle_foreign_xids
from sukma.tenants import dump
from sukma.tenants.clone import clone_template
from sukma.tenants.migrating import schema_create_at, schema_migrate_in_transaction
from sukma.tenants.models import Domain, Regency, RegencyStatus
from sukma.tenants.schemas import template_schema_name

FORMAT = 1
KIND = "sukma-regency-export"
CHUNK = 1 << 20


@dataclass
class ImportResult:
    regency: Regency
    replaced: bool
    tables: int
    rows_public: int
    users_kept: list[str]  # e-mails this database has for someone else (_users_placed)
    migrated: int = 0  # migrations applied to bring a file from an older SuKMa forward


class _Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder keeping a time's microseconds (it cuts them to milliseconds, as
    JavaScript reads them): a restored row keeps the exact time it had."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            return o.isoformat()
        return super().default(o)


# ------------------------------------------------------------------------------ the rows
def _device_models():
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice, StaticDevice, StaticToken


def _public_models() -> list[type[models.Model]]:
    """The models whose rows public.json holds."""
    return [
        Regency,
        Domain,
        ReplicationAgreement,
        ProvisioningJob,
        Membership,
        Invitation,
        User,
        ApiToken,
        AuditEvent,
        *_device_models(),
    ]


def _row(instance: models.Model) -> dict:
    return {f.attname: f.value_from_object(instance) for f in instance._meta.concrete_fields}


def _rows(queryset) -> list[dict]:
    rows = []
    for instance in queryset:
        row = _row(instance)
        for f in instance._meta.concrete_fields:
            if isinstance(f, models.FileField):
                row[f.attname] = row[f.attname].name if row[f.attname] else ""
        rows.append(row)
    return rows


def _own_users(regency: Regency) -> tuple[list[User], list[User]]:
    """(users who belong only to this regency, users it shares with others or only names)."""
    member_ids = set(
        Membership.objects.filter(regency=regency).values_list("user_id", flat=True)
    ) | set(Invitation.objects.filter(regency=regency).values_list("user_id", flat=True))
    elsewhere = set(
        Membership.objects.filter(user_id__in=member_ids)
        .exclude(regency=regency)
        .values_list("user_id", flat=True)
    ) | set(
        Invitation.objects.filter(user_id__in=member_ids)
        .exclude(regency=regency)
        .values_list("user_id", flat=True)
    )
    named = set(
        AuditEvent.objects.filter(regency=regency, actor__isnull=False).values_list(
            "actor_id", flat=True
        )
    ) | set(
        ProvisioningJob.objects.filter(regency=regency, requested_by__isnull=False).values_list(
            "requested_by_id", flat=True
        )
    )
    own = list(User.objects.filter(pk__in=member_ids - elsewhere).order_by("pk"))
    shared = list(User.objects.filter(pk__in=(member_ids & elsewhere) | (named - member_ids)))
    return own, shared


def public_rows(regency: Regency) -> dict:
    TOTPDevice, StaticDevice, StaticToken = _device_models()
    own, shared = _own_users(regency)
    own_ids = [u.pk for u in own]
    return {
        "regency": _rows([regency]),
        "users": _rows(own),
        "shared_users": [{"id": u.pk, "email": u.email, "full_name": u.full_name} for u in shared],
        "domains": _rows(Domain.objects.filter(tenant=regency).order_by("pk")),
        "agreements": _rows(ReplicationAgreement.objects.filter(regency=regency).order_by("pk")),
        "jobs": _rows(ProvisioningJob.objects.filter(regency=regency).order_by("created_at")),
        "memberships": _rows(Membership.objects.filter(regency=regency).order_by("pk")),
        "invitations": _rows(Invitation.objects.filter(regency=regency).order_by("pk")),
        "tokens": _rows(ApiToken.objects.filter(user_id__in=own_ids).order_by("pk")),
        "totp": _rows(TOTPDevice.objects.filter(user_id__in=own_ids).order_by("pk")),
        "static": _rows(StaticDevice.objects.filter(user_id__in=own_ids).order_by("pk")),
        "static_tokens": _rows(
            StaticToken.objects.filter(device__user_id__in=own_ids).order_by("pk")
        ),
        "audit": _rows(AuditEvent.objects.filter(regency=regency).order_by("pk")),
    }


# ------------------------------------------------------------------------------ export
def regency_export(*, regency: Regency, out: Path | io.BufferedIOBase) -> dict:
    """Write one regency's whole data to one zip file; returns its manifest."""
    schema = regency.schema_name
    manifest = {
        "kind": KIND,
        "format": FORMAT,
        "made_at": timezone.now().isoformat(),
        "region_code": regency.region_code,
        "schema": schema,
        "schema_migrations": dump.schema_migrations(schema),
        "public_migrations": sorted([app, name] for app, name in _applied_public_migrations()),
        "tables": {},
        "sha256": {},
    }
    outermost = not connection.in_atomic_block
    with transaction.atomic(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if outermost:  # one consistent snapshot for every table
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        rows = public_rows(regency)
        _write(archive, manifest, "public.json", json.dumps(rows, cls=_Encoder).encode())
        for table, columns in dump.schema_tables(schema):
            name = f"schema/{table}"
            digest = hashlib.sha256()
            with archive.open(name, "w", force_zip64=True) as entry:
                dump.table_copy_out(schema, table, columns, _Hashing(entry, digest))
            manifest["tables"][table] = columns
            manifest["sha256"][name] = digest.hexdigest()
        for agreement in rows["agreements"]:
            document = agreement["document"]
            if document and default_storage.exists(document):
                with default_storage.open(document, "rb") as f:
                    _write(archive, manifest, f"files/{document}", f.read())
        archive.writestr("manifest.json", json.dumps(manifest, indent=1))
    return manifest


def _applied_public_migrations() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM public.django_migrations")
        return cursor.fetchall()


class _Hashing:
    def __init__(self, out, digest):
        self.out, self.digest = out, digest

    def write(self, data):
        data = bytes(data)
        self.digest.update(data)
        self.out.write(data)


def _write(archive: zipfile.ZipFile, manifest: dict, name: str, data: bytes) -> None:
    archive.writestr(name, data)
    manifest["sha256"][name] = hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------------------ reading a file
def _refuse(message: str):
    raise ValidationError(message)


def export_read(source: Path | io.BufferedIOBase) -> tuple[zipfile.ZipFile, dict]:
    """Open an export and check it whole (kind, version, checksums) before anything changes."""
    try:
        archive = zipfile.ZipFile(source)
        manifest = json.loads(archive.read("manifest.json"))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        _refuse(_("This is not a SuKMa regency export (no readable manifest)."))
    if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
        _refuse(_("This is not a SuKMa regency export (no readable manifest)."))
    if not isinstance(manifest.get("format"), int) or manifest["format"] > FORMAT:
        _refuse(
            _(
                "This export was made by a newer SuKMa (file format %(found)s, this one reads "
                "%(ours)s): upgrade SuKMa before importing it."
            )
            % {"found": manifest.get("format"), "ours": FORMAT}
        )
    _migrations_check(manifest)
    for name, expected in manifest.get("sha256", {}).items():
        digest = hashlib.sha256()
        try:
            with archive.open(name) as entry:
                for chunk in iter(lambda: entry.read(CHUNK), b""):
                    digest.update(chunk)
        except (KeyError, zipfile.BadZipFile, OSError):
            _refuse(_("The export is damaged: %(name)s is missing or unreadable.") % {"name": name})
        if digest.hexdigest() != expected:
            _refuse(
                _("The export is damaged: %(name)s does not match its checksum.") % {"name": name}
            )
    return archive, manifest


# ------------------------------------------------------------------------------ migrations
def _migrations_check(manifest: dict) -> None:
    """Refuse a file this SuKMa cannot import as it is (module docstring): one from a newer
    SuKMa, one made at migrations this database lacks, one whose migration records do not
    hold together, one whose public rows today's models cannot load."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    schema = {(app, name) for app, name in manifest.get("schema_migrations", [])}
    public = {(app, name) for app, name in manifest.get("public_migrations", [])}
    unknown = sorted(
        f"{app}.{name}"
        for app, name in schema | public
        if (app, name) not in loader.disk_migrations
    )
    if unknown:
        _refuse(
            _(
                "This export was made by a newer SuKMa (migration %(name)s is unknown here): "
                "upgrade SuKMa before importing it."
            )
            % {"name": unknown[0]}
        )
    template = {tuple(m) for m in dump.schema_migrations(template_schema_name())}
    behind = sorted(schema - template) + sorted(public - set(_applied_public_migrations()))
    if behind:
        _refuse(
            _(
                "This database has not applied migration %(name)s, which the export was made "
                "at: run `manage.py migrate`, then import it again."
            )
            % {"name": ".".join(behind[0])}
        )
    for key in sorted(schema):
        node = loader.graph.node_map.get(key)
        if node and any(parent.key not in schema for parent in node.parents):
            _refuse(
                _(
                    "The export's migration records are incomplete (%(name)s without a "
                    "migration it depends on): the file was edited or is damaged."
                )
                % {"name": ".".join(key)}
            )
    unfit = _public_rows_unfit(loader, public)
    if unfit:
        _refuse(
            _(
                "This export was made by an older SuKMa whose %(model)s rows cannot be loaded "
                "here (migration %(name)s changes them): import it with the SuKMa version that "
                "made it into a spare database, upgrade that one to this version, then export "
                "it again."
            )
            % {"model": unfit[1], "name": unfit[0]}
        )


_NOT_ABOUT_VALUES = (
    operations.AddIndex,
    operations.RemoveIndex,
    operations.RenameIndex,
    operations.AddConstraint,
    operations.RemoveConstraint,
    operations.AlterModelOptions,
    operations.AlterModelManagers,
    operations.AlterModelTable,
    operations.AlterModelTableComment,
    operations.AlterUniqueTogether,
    operations.AlterIndexTogether,
    operations.AlterConstraint,
)
_NOT_STORED = {"default", "db_default", "db_index", "db_comment"}


def _public_rows_unfit(loader: MigrationLoader, made_at: set) -> tuple[str, str] | None:
    """(migration, model) of the first migration applied here since the file was made that
    changes a model public.json holds in a way its rows cannot be loaded through; None if
    they all load (the rule is in the module docstring)."""
    held = {(m._meta.app_label, m._meta.model_name) for m in _public_models()}
    apps = {app for app, _model in held}
    since = sorted(k for k in _applied_public_migrations() if k not in made_at and k[0] in apps)
    for key in since:
        app = key[0]
        migration = loader.graph.nodes.get(key)
        if migration is None:  # replaced by a squashed migration, not in the graph: unread
            continue
        state = loader.project_state(key, at_end=False)
        for operation in migration.operations:
            model = _model_of(operation)
            touched = sorted(m for a, m in held if a == app and model in (None, m))
            if touched and not _rows_fit(operation, state, app):
                return ".".join(key), f"{app}.{touched[0]}"
            operation.state_forwards(app, state)
    return None


def _model_of(operation) -> str | None:
    """The model an operation is about (lower case); None: it may be about any of its app's."""
    if isinstance(operation, (FieldOperation, IndexOperation)):
        return operation.model_name_lower
    if isinstance(operation, ModelOperation):
        return operation.name_lower
    named = (getattr(operation, "hints", None) or {}).get("model_name")
    return named.lower() if named else None


def _rows_fit(operation, state: ProjectState, app: str) -> bool:
    """Whether rows written before `operation` load through the model after it."""
    if isinstance(operation, operations.AddField):
        field = operation.field
        return bool(
            (field.has_default() and operation.preserve_default)
            or field.has_db_default()
            or field.null
            or (field.blank and field.empty_strings_allowed)
            or getattr(field, "auto_now", False)
            or getattr(field, "auto_now_add", False)
        )
    if isinstance(operation, operations.AlterField):
        old = state.models[app, operation.model_name_lower].fields[operation.name]
        return _same_stored_value(old, operation.field)
    return isinstance(operation, (operations.RemoveField, *_NOT_ABOUT_VALUES))


def _same_stored_value(old, new) -> bool:
    """Whether a value stored under field `old` is one field `new` stores as it is."""
    _, old_path, old_args, old_kwargs = old.deconstruct()
    _, new_path, new_args, new_kwargs = new.deconstruct()
    for kwargs, field in ((old_kwargs, old), (new_kwargs, new)):
        for attribute in (*field.non_db_attrs, *_NOT_STORED):
            kwargs.pop(attribute, None)
    if new_kwargs.get("null") and not old_kwargs.get("null"):  # allowed now: no value changes
        old_kwargs["null"] = True
    old_length, new_length = old_kwargs.pop("max_length", None), new_kwargs.pop("max_length", None)
    if new_length is not None and (old_length is None or new_length < old_length):
        return False
    return (old_path, old_args, old_kwargs) == (new_path, new_args, new_kwargs)


# ------------------------------------------------------------------------------ import
def _value(model, attname: str, value):
    field = next(f for f in model._meta.concrete_fields if f.attname == attname)
    if value is None or isinstance(field, models.FileField):
        return value
    if isinstance(field, models.ForeignKey):
        return field.target_field.to_python(value)
    return field.to_python(value)


def _build(model, row: dict, **remapped):
    known = {f.attname for f in model._meta.concrete_fields}
    values = {k: _value(model, k, v) for k, v in row.items() if k in known}
    values.update(remapped)
    return model(**values)


def _new(model, row: dict, *, keep_pk: bool = False, **remapped):
    instance = _build(model, row, **remapped)
    if not keep_pk:
        instance.pk = None
    instance.save(force_insert=True)
    return instance


def _users_placed(rows: dict, restorable: set[int]) -> tuple[dict[int, int], set[int]]:
    """(old user id -> id here, old ids of the own users kept as this database has them).

    An e-mail address names one person. The regency's own users are restored whole (password,
    second factor, tokens) where this database lacks their address, or has it for one of
    `restorable` (the users only this regency has, when replacing it). An address this
    database has for anyone else (a province admin, another regency's user, an account left
    without a role) is that person's: the regency's roles are given to them, as to the users
    an export shares with another regency, and their own sign-in stays as it is. Shared users
    are found by e-mail (created inactive, without a password, if this database lacks them)."""
    ids: dict[int, int] = {}
    kept: set[int] = set()
    for row in rows["users"]:
        existing = User.objects.filter(email=row["email"]).first()
        if existing is None:
            user = _new(User, row)
        elif existing.pk in restorable:
            user = _build(User, row)
            user.pk = existing.pk
            user.save()
        else:
            user = existing
            kept.add(row["id"])
        ids[row["id"]] = user.pk
    for row in rows["shared_users"]:
        user = User.objects.filter(email=row["email"]).first()
        if user is None:
            user = User(email=row["email"], full_name=row["full_name"], is_active=False)
            user.set_unusable_password()
            user.save()
        ids[row["id"]] = user.pk
    return ids, kept


def _forget_public_rows(regency: Regency, own_user_ids: list[int]) -> None:
    TOTPDevice, StaticDevice, _StaticToken = _device_models()
    Membership.objects.filter(regency=regency).delete()
    Invitation.objects.filter(regency=regency).delete()
    ProvisioningJob.objects.filter(regency=regency).delete()
    ReplicationAgreement.objects.filter(regency=regency).delete()
    Domain.objects.filter(tenant=regency).delete()
    ApiToken.objects.filter(user_id__in=own_user_ids).delete()
    TOTPDevice.objects.filter(user_id__in=own_user_ids).delete()
    StaticDevice.objects.filter(user_id__in=own_user_ids).delete()  # their tokens go with them
    rollup_regency_forget(regency)


def _restore_public_rows(
    regency: Regency, rows: dict, users: dict[int, int], kept: set[int]
) -> int:
    """The export's public rows, for the regency here; a kept user's tokens and devices in
    the export are not theirs (_users_placed) and stay out."""
    TOTPDevice, StaticDevice, StaticToken = _device_models()
    count = 0
    taken = Domain.objects.exclude(tenant=regency).filter(
        domain__in=[d["domain"] for d in rows["domains"]]
    )
    if taken.exists():
        _refuse(
            _("The domain %(domain)s already belongs to another regency here.")
            % {"domain": taken.first().domain}
        )
    for row in rows["domains"]:
        _new(Domain, row, tenant_id=regency.pk)
    agreements = {}
    for row in rows["agreements"]:
        if ReplicationAgreement.objects.filter(number=row["number"]).exists():
            _refuse(
                _("Agreement %(number)s already belongs to another regency here.")
                % {"number": row["number"]}
            )
        agreements[row["id"]] = _new(ReplicationAgreement, row, regency_id=regency.pk).pk
    for row in rows["jobs"]:
        _new(
            ProvisioningJob,
            row,
            keep_pk=True,
            regency_id=regency.pk,
            agreement_id=agreements[row["agreement_id"]],
            requested_by_id=users.get(row["requested_by_id"]),
        )
    for key, model in (("memberships", Membership), ("invitations", Invitation)):
        for row in rows[key]:
            _new(model, row, regency_id=regency.pk, user_id=users[row["user_id"]])
    for key, model in (("tokens", ApiToken), ("totp", TOTPDevice)):
        for row in rows[key]:
            if row["user_id"] not in kept:
                _new(model, row, user_id=users[row["user_id"]])
    devices = {}
    for row in rows["static"]:
        if row["user_id"] not in kept:
            devices[row["id"]] = _new(StaticDevice, row, user_id=users[row["user_id"]]).pk
    for row in rows["static_tokens"]:
        if row["device_id"] in devices:
            _new(StaticToken, row, device_id=devices[row["device_id"]])
    seen = {
        (*key, _to_the_millisecond(when))
        for *key, when in AuditEvent.objects.filter(regency=regency).values_list(
            "action", "target_type", "target_id", "created_at"
        )
    }
    for row in rows["audit"]:
        event = _build(AuditEvent, row, regency_id=regency.pk, actor_id=users.get(row["actor_id"]))
        key = (event.action, event.target_type, event.target_id)
        if (*key, _to_the_millisecond(event.created_at)) in seen:
            continue
        event.pk = None
        event.save(force_insert=True)
        # auto_now_add stamped now: the audit row keeps the time it was written.
        AuditEvent.objects.filter(pk=event.pk).update(
            created_at=_value(AuditEvent, "created_at", row["created_at"])
        )
        count += 1
    return count + sum(len(rows[k]) for k in rows if k not in ("audit", "regency"))


def _to_the_millisecond(when: datetime.datetime) -> datetime.datetime:
    """Audit rows already here are matched to the export's at the millisecond, the precision
    of the files written before _Encoder."""
    return when.replace(microsecond=when.microsecond // 1000 * 1000)


def _restore_files(archive: zipfile.ZipFile, regency: Regency) -> None:
    """The agreements' PDFs, under the names their rows hold (never over another file)."""
    for agreement in ReplicationAgreement.objects.filter(regency=regency).exclude(document=""):
        name = agreement.document.name
        try:
            data = archive.read(f"files/{name}")
        except KeyError:
            continue
        if default_storage.exists(name):
            with default_storage.open(name, "rb") as f:
                if f.read() == data:
                    continue
        saved = default_storage.save(name, ContentFile(data))
        if saved != name:
            ReplicationAgreement.objects.filter(pk=agreement.pk).update(document=saved)


def _restore_schema(archive: zipfile.ZipFile, manifest: dict, schema: str) -> int:
    """The schema as the file holds it, at the code's migrations; returns the migrations
    applied to bring a file from an older SuKMa forward (0: the file is current, and the
    template is cloned)."""
    recorded = {(app, name) for app, name in manifest["schema_migrations"]}
    current = recorded == {tuple(m) for m in dump.schema_migrations(template_schema_name())}
    dump.schema_drop(schema)
    if current:
        clone_template(template_schema_name(), schema)
    else:
        schema_create_at(schema, recorded)
    here = dict(dump.schema_tables(schema))
    dump.schema_empty(schema, list(here))
    for table, columns in manifest["tables"].items():
        if here.get(table) is None or set(columns) - set(here[table]):
            _refuse(_("The export's table %(table)s does not fit this SuKMa.") % {"table": table})
        with archive.open(f"schema/{table}") as entry:
            dump.table_copy_in(schema, table, columns, iter(lambda: entry.read(CHUNK), b""))
    dump.sequences_past_rows(schema)
    migrated = 0 if current else schema_migrate_in_transaction(schema)
    totals_settle_foreign_xids(schema)
    return migrated


def regency_import(*, acting_user, source, replace: bool = False) -> ImportResult:
    """Restore one regency from an export: into a database without it, or (replace=True) over
    the one here with the same region code. One transaction, which also brings a file from an
    older SuKMa to this one's migrations; then its rollup and the rankings are recomputed (and
    were forgotten in that transaction, so beat would redo them anyway)."""
    archive, manifest = export_read(source)
    rows = json.loads(archive.read("public.json"))
    (regency_row,) = rows["regency"]
    existing = Regency.objects.filter(region_code=regency_row["region_code"]).first()
    if existing is not None and not replace:
        _refuse(
            _("%(name)s is already here: ask to replace it to restore the export over it.")
            % {"name": existing.name}
        )
    with transaction.atomic():
        if existing is not None:
            regency = Regency.objects.select_for_update().get(pk=existing.pk)
            if regency.schema_name != manifest["schema"]:
                _refuse(_("The export's schema does not match this regency's."))
            before = _row(regency)
            emails = {u["email"] for u in rows["users"]}
            own_here = [u.pk for u in _own_users(regency)[0] if u.email in emails]
            _forget_public_rows(regency, own_here)
            known = {f.attname for f in Regency._meta.concrete_fields}
            for attname, value in regency_row.items():
                if attname in known and attname not in ("id", "created_at"):
                    setattr(regency, attname, _value(Regency, attname, value))
            regency.save()
        else:
            if Regency.objects.filter(schema_name=manifest["schema"]).exists():
                _refuse(_("The export's schema already belongs to another regency here."))
            before = None
            own_here = []
            regency = _new(Regency, regency_row)
        users, kept = _users_placed(rows, set(own_here))
        users_kept = sorted(u["email"] for u in rows["users"] if u["id"] in kept)
        public = _restore_public_rows(regency, rows, users, kept)
        migrated = _restore_schema(archive, manifest, regency.schema_name)
        _restore_files(archive, regency)
        audit_record(
            actor=acting_user,
            action="regency.imported",
            target=regency,
            regency=regency,
            before=before and {"status": before["status"]},
            after={
                "replaced": existing is not None,
                "made_at": manifest["made_at"],
                "tables": len(manifest["tables"]),
                "users_kept": users_kept,
                "migrated": migrated,
            },
        )
    regency_figures_refresh(regency)
    return ImportResult(
        regency, existing is not None, len(manifest["tables"]), public, users_kept, migrated
    )


def regency_figures_refresh(regency: Regency) -> None:
    """The regency rolled up whole (if it is served) and the provincial rankings recomputed."""
    from sukma.platform.rankings.ranking import rankings_recompute

    regency.refresh_from_db()
    if regency.status == RegencyStatus.ACTIVE:
        rollup_regency_run(regency=regency, full=True)
    rankings_recompute()


# ------------------------------------------------------------------------------ offboarding
def regency_offboard(*, acting_user, regency: Regency, out: Path) -> dict:
    """Export the regency to `out`, then mark it offboarded, drop its schema and its rollup
    (audited, one transaction). Its public rows stay; regency_import(replace=True) of the file
    brings it back."""
    if regency.status == RegencyStatus.OFFBOARDED:
        _refuse(_("%(name)s is already offboarded.") % {"name": regency.name})
    manifest = regency_export(regency=regency, out=out)
    digest = hashlib.sha256(Path(out).read_bytes()).hexdigest()
    with transaction.atomic():
        regency = regency_set_status(
            acting_user=acting_user, regency=regency, status=RegencyStatus.OFFBOARDED
        )
        dump.schema_drop(regency.schema_name)
        rollup_regency_forget(regency)
        audit_record(
            actor=acting_user,
            action="regency.schema_dropped",
            target=regency,
            regency=regency,
            after={"export": Path(out).name, "sha256": digest, "made_at": manifest["made_at"]},
        )
    from sukma.platform.rankings.ranking import rankings_recompute

    rankings_recompute()
    return manifest


def exported_at(manifest: dict) -> datetime.datetime:
    return datetime.datetime.fromisoformat(manifest["made_at"])
