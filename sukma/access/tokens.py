"""API tokens: one per sign-in, expiring, revocable, stored only as a keyed hash.

A token is a random secret shown once, in the answer that issues it. The
database keeps an HMAC of it (keyed by SECRET_KEY, so a copy of the table
alone opens nothing) and its first characters, so that a person can tell
their tokens apart on the list. Each issue and each revocation is audited.

Who may revoke: the owner; a regency admin for the agency operators of
their regency; a province admin for anyone. Changing one's password or
being deactivated revokes all of one's tokens (tokens_revoke_all).
"""

import datetime
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from sukma.access.audit import audit_record
from sukma.access.models import ApiToken, Membership, Role
from sukma.access.permissions import is_province_admin

# The namespace of the HMAC: a secret for tokens cannot be confused with any other HMAC of ours.
_SALT = "sukma.access.tokens"
PREFIX_LENGTH = 8
# A secret is always far longer than this; anything longer is not ours and is not hashed.
SECRET_MAX = 100


def _digest(secret: str) -> str:
    return salted_hmac(_SALT, secret, algorithm="sha256").hexdigest()


def _lifetime() -> datetime.timedelta:
    return datetime.timedelta(days=getattr(settings, "API_TOKEN_DAYS", 30))


def _facts(token: ApiToken) -> dict:
    """What the audit log keeps of a token: never the secret, not even its hash."""
    return {
        "user": token.user_id,
        "name": token.name,
        "prefix": token.prefix,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "revoked_reason": token.revoked_reason,
    }


def token_issue(user, *, name: str = "", address: str = "") -> tuple[ApiToken, str]:
    """A new token for `user` and its secret, which exists nowhere else once returned."""
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            prefix=secret[:PREFIX_LENGTH],
            digest=_digest(secret),
            created_from=address[:64],
            expires_at=timezone.now() + _lifetime(),
        )
        audit_record(actor=user, action="api_token.issue", target=token, after=_facts(token))
    return token, secret


def token_lookup(secret: str) -> ApiToken | None:
    """The live token of this secret, or None: unknown, revoked, expired, or user inactive."""
    if not secret or len(secret) > SECRET_MAX:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=_digest(secret)).first()
    if token is None or not token_is_live(token):
        return None
    return token


def token_is_live(token: ApiToken) -> bool:
    return token.revoked_at is None and token.expires_at > timezone.now() and token.user.is_active


def token_touch(token: ApiToken) -> None:
    """Record use, at most once a minute, so that a busy script does not write on every call."""
    now = timezone.now()
    if token.last_used_at and now - token.last_used_at < datetime.timedelta(minutes=1):
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def tokens_of(user):
    """A person's tokens, live and dead, newest first."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def tokens_visible_to(actor):
    """The tokens `actor` may list and revoke: their own, their regencies' operators', or all."""
    if is_province_admin(actor):
        return ApiToken.objects.select_related("user")
    regencies = Membership.objects.filter(user=actor, role=Role.REGENCY_ADMIN).values("regency_id")
    operators = Membership.objects.filter(
        role=Role.AGENCY_OPERATOR, regency_id__in=regencies
    ).values("user_id")
    mine = ApiToken.objects.filter(user=actor)
    theirs = ApiToken.objects.filter(user_id__in=operators)
    return (mine | theirs).select_related("user").distinct()


def may_revoke(actor, token: ApiToken) -> bool:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    return tokens_visible_to(actor).filter(pk=token.pk).exists()


def token_revoke(token: ApiToken, *, actor, reason: str = "revoked") -> bool:
    """Revoke one token (audited). False if it was already revoked: nothing changes."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            return False
        before = _facts(token)
        token.revoked_at = timezone.now()
        token.revoked_reason = reason[:60]
        token.save(update_fields=["revoked_at", "revoked_reason"])
        audit_record(
            actor=actor, action="api_token.revoke", target=token, before=before, after=_facts(token)
        )
    return True


def tokens_revoke_all(user, *, reason: str, actor=None) -> int:
    """Revoke every live token of `user` (password changed, deactivated, ...); how many were.

    One audit row per token, so each token's history reads whole. Safe to
    call inside the caller's own transaction (it nests) or outside one.
    """
    count = 0
    with transaction.atomic():
        live = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
        for token in live:
            before = _facts(token)
            token.revoked_at = timezone.now()
            token.revoked_reason = reason[:60]
            token.save(update_fields=["revoked_at", "revoked_reason"])
            audit_record(
                actor=actor if actor is not None else user,
                action="api_token.revoke",
                target=token,
                before=before,
                after=_facts(token),
            )
            count += 1
    return count
