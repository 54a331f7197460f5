"""Writes for kiosks: a pairing code made in setup, the tablet's claim of it, rename, revoke.

Callers run on the regency's schema (a request on its host does). Who may
act on which service point is the caller's check (the views' scope); every
write here records an AuditEvent in the same transaction.

The credential a tablet gets is a random secret shown once (set in its
cookie); only its keyed hash is stored, so a copy of the database pairs no
tablet. Revoking is final: a revoked tablet must be paired again.
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sukma.access.audit import audit_record, snapshot
from sukma.access.models import User
from sukma.surveys.kiosks.models import Kiosk, KioskPairing
from sukma.surveys.models import ServicePoint

# No 0/O, 1/I/L: the code is read off a screen and typed on a tablet.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8  # 31**8 ≈ 8.5e11: guessing within ten minutes, at a few tries a minute, fails
PAIRING_VALID = timedelta(minutes=10)
NAME_MAX = 100


def credential_hash(credential: str) -> str:
    """The keyed hash a kiosk's credential is stored and looked up by."""
    key = hashlib.sha256(f"{settings.SECRET_KEY}:kiosk-credential".encode()).digest()
    return hmac.new(key, credential.encode(), "sha256").hexdigest()


def normalized_code(code: str) -> str:
    """A code as typed: spaces and dashes dropped, upper case (the alphabet has no look-alikes)."""
    return "".join(ch for ch in str(code).upper() if ch not in " -\t")[: CODE_LENGTH + 4]


def _regency():
    tenant = getattr(connection, "tenant", None)
    if tenant is None or connection.schema_name == "public":
        raise RuntimeError("kiosk writes run inside a regency's schema")
    return tenant


def _clean_name(name: str) -> str:
    name = str(name).strip()
    if not name:
        raise ValidationError({"name": _("Give the tablet a name, for example “Tablet Loket 1”.")})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": _("Keep the name under 100 characters.")})
    return name


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not KioskPairing.objects.filter(code=code).exists():
            return code


@transaction.atomic
def pairing_create(
    *, acting_user, service_point: ServicePoint, name: str, now: datetime | None = None
) -> KioskPairing:
    """A single-use code, valid for PAIRING_VALID, that pairs one tablet with the service point."""
    regency = _regency()
    now = now or timezone.now()
    pairing = KioskPairing.objects.create(
        code=_new_code(),
        service_point=service_point,
        name=_clean_name(name),
        created_by=acting_user.pk,
        expires_at=now + PAIRING_VALID,
    )
    after = {**snapshot(pairing), "code": pairing.code[:2] + "…"}  # the log does not hold a key
    audit_record(
        actor=acting_user,
        action="kiosk_pairing.created",
        target=pairing,
        regency=regency,
        after=after,
    )
    return pairing


def _refuse_code():
    raise ValidationError(
        {
            "code": _(
                "This code is wrong, already used or expired. Check it, or make a new code "
                "in the kiosk setup."
            )
        }
    )


@transaction.atomic
def kiosk_pair(*, code: str, now: datetime | None = None) -> tuple[Kiosk, str]:
    """Claim a pairing code: a new kiosk and its credential (to be given to the tablet only).

    A wrong, used or expired code is refused and changes nothing. The claim
    locks the code's row, so two tablets racing for one code pair one.
    """
    regency = _regency()
    now = now or timezone.now()
    pairing = (
        KioskPairing.objects.select_for_update()
        .select_related("service_point")
        .filter(code=normalized_code(code))
        .first()
    )
    if pairing is None or pairing.used_at is not None or pairing.expires_at <= now:
        _refuse_code()
    credential = secrets.token_urlsafe(32)
    kiosk = Kiosk.objects.create(
        service_point=pairing.service_point,
        name=pairing.name,
        credential_hash=credential_hash(credential),
        created_by=pairing.created_by,
        last_seen_at=now,
    )
    pairing.used_at, pairing.kiosk = now, kiosk
    pairing.save(update_fields=["used_at", "kiosk"])
    # The tablet acts on the code its creator made: the log names that person.
    creator = User.objects.filter(pk=pairing.created_by).first()
    audit_record(
        actor=creator,
        action="kiosk.paired",
        target=kiosk,
        regency=regency,
        after=_kiosk_snapshot(kiosk),
    )
    return kiosk, credential


def _kiosk_snapshot(kiosk: Kiosk) -> dict:
    values = snapshot(kiosk)
    values.pop("credential_hash", None)  # a hash of a key: of no use to the log's readers
    return values


@transaction.atomic
def kiosk_rename(*, acting_user, kiosk: Kiosk, name: str) -> Kiosk:
    regency = _regency()
    kiosk = Kiosk.objects.select_for_update().get(pk=kiosk.pk)
    before = _kiosk_snapshot(kiosk)
    kiosk.name = _clean_name(name)
    kiosk.save(update_fields=["name"])
    audit_record(
        actor=acting_user,
        action="kiosk.renamed",
        target=kiosk,
        regency=regency,
        before=before,
        after=_kiosk_snapshot(kiosk),
    )
    return kiosk


@transaction.atomic
def kiosk_revoke(*, acting_user, kiosk: Kiosk, now: datetime | None = None) -> Kiosk:
    """End a kiosk's credential: its next submission is refused, nothing stored. Idempotent."""
    regency = _regency()
    kiosk = Kiosk.objects.select_for_update().get(pk=kiosk.pk)
    if kiosk.revoked_at is not None:
        return kiosk
    before = _kiosk_snapshot(kiosk)
    kiosk.revoked_at, kiosk.revoked_by = now or timezone.now(), acting_user.pk
    kiosk.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        actor=acting_user,
        action="kiosk.revoked",
        target=kiosk,
        regency=regency,
        before=before,
        after=_kiosk_snapshot(kiosk),
    )
    return kiosk
