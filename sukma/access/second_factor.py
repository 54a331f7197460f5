"""The second factor: a TOTP app on the person's phone, and ten single-use recovery codes.

Who must have one: province admins, regency admins and anyone who may use
Django's /admin/ (is_staff). Agency operators may set one up; once they have,
it is asked of them like of anyone else. The devices are django-otp's
(otp_totp for the app, otp_static for the recovery codes), kept in the
public schema with the users.

Pages and the API ask the same three questions of this module:
``requires_second_factor``, ``has_second_factor`` and ``second_factor_verify``.
Setting a factor up, renewing recovery codes and resetting a lost factor
happen here too, each with its audit row.
"""

import secrets

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sukma.access.audit import audit_record
from sukma.access.models import Membership, Role

RECOVERY_CODE_COUNT = 10
# Device names say what the device is; the person never sees them.
APP_DEVICE = "authenticator"
RECOVERY_DEVICE = "recovery"
ADMIN_ROLES = (Role.PROVINCE_ADMIN, Role.REGENCY_ADMIN)


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def requires_second_factor(user) -> bool:
    """Admins and /admin/ users must have one; an operator once they have set one up."""
    if not _signed_in(user):
        return False
    if user.is_staff or user.is_superuser:
        return True
    if Membership.objects.filter(user=user, role__in=ADMIN_ROLES).exists():
        return True
    return has_second_factor(user)


def has_second_factor(user) -> bool:
    """A confirmed authenticator app. Recovery codes alone do not count as a factor."""
    if not _signed_in(user):
        return False
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def second_factor_match(user, code: str):
    """The device that accepts this code (app first, then an unused recovery code), or None.

    A recovery code is consumed by the match. django-otp throttles each
    device after failures and refuses an app code that was already used.
    """
    if not has_second_factor(user):
        return None
    code = "".join((code or "").split()).lower()
    if not code or len(code) > 16:
        return None
    with transaction.atomic():
        for model in (TOTPDevice, StaticDevice):
            devices = model.objects.filter(user=user, confirmed=True).select_for_update()
            for device in devices:
                if device.verify_token(code):
                    return device
    return None


def second_factor_verify(user, code: str) -> bool:
    """Whether the code is the user's current app code or one of their unused recovery codes."""
    return second_factor_match(user, code) is not None


def second_factor_throttled(user) -> bool:
    """Whether django-otp makes the app wait (1, 2, 4 ... s after each wrong code) long
    enough to be worth saying so: from the third wrong code in a row."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None or device.throttling_failure_count < 3:
        return False
    return not device.verify_is_allowed()[0]


def is_recovery_device(device) -> bool:
    return isinstance(device, StaticDevice)


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def setup_begin(user) -> TOTPDevice:
    """An unconfirmed app device with a fresh secret; an earlier unfinished one is replaced."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)


def setup_pending(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def setup_confirm(user, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the new app with a code from it; returns the new recovery codes, or None.

    The new app replaces any earlier one, and the recovery codes are new too.
    """
    if device.user_id != user.pk or device.confirmed:
        return None
    with transaction.atomic():
        if not device.verify_token("".join((code or "").split())):
            return None
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        audit_record(
            actor=user,
            action="second_factor.set_up",
            target=user,
            after={"device": device.persistent_id, "recovery_codes": len(codes)},
        )
    return codes


def recovery_codes_renew(user) -> list[str]:
    """New recovery codes for a user who has a factor; the old ones stop working."""
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit_record(
            actor=user,
            action="second_factor.recovery_codes_renewed",
            target=user,
            after={"recovery_codes": len(codes)},
        )
    return codes


def _new_recovery_codes(user) -> list[str]:
    """Ten codes of ten lower-case letters and digits, easy to read aloud and type."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE, confirmed=True)
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = [
        "".join(secrets.choice(alphabet) for _ in range(10)) for _ in range(RECOVERY_CODE_COUNT)
    ]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def may_reset_second_factor(actor, target) -> bool:
    """Whether the actor may remove the target's lost factor.

    Province admins: anyone but themselves and superusers (unless they are one).
    Regency admins: people who are only operators, all in regencies the actor administers.
    Nobody resets their own: a person who lost theirs uses a recovery code or asks.
    """
    if not _signed_in(actor) or actor.pk == target.pk:
        return False
    if target.is_superuser and not actor.is_superuser:
        return False
    if actor.is_superuser or _is_province_admin(actor):
        return True
    if target.is_staff:
        return False
    roles = list(Membership.objects.filter(user=target).values_list("role", "regency_id"))
    if not roles or any(role != Role.AGENCY_OPERATOR for role, _ in roles):
        return False
    governed = set(
        Membership.objects.filter(user=actor, role=Role.REGENCY_ADMIN).values_list(
            "regency_id", flat=True
        )
    )
    return all(regency_id in governed for _, regency_id in roles)


def _is_province_admin(user) -> bool:
    return Membership.objects.filter(user=user, role=Role.PROVINCE_ADMIN).exists()


def second_factor_reset(actor, target, *, regency=None) -> bool:
    """Remove the target's app and recovery codes, so they set up a new one at next sign-in.

    Returns False (and changes nothing) when the actor may not do it.
    """
    if not may_reset_second_factor(actor, target):
        return False
    with transaction.atomic():
        had = has_second_factor(target)
        TOTPDevice.objects.filter(user=target).delete()
        StaticDevice.objects.filter(user=target).delete()
        audit_record(
            actor=actor,
            action="second_factor.reset",
            target=target,
            regency=regency,
            before={"had_second_factor": had},
            after={"had_second_factor": False},
        )
    return True
