"""The one place that reads the environment, strictly.

Every setting that an operator may change comes through here, parsed and
checked at start-up, so that a typo in a variable stops the process with a
clear message instead of running with a silent default.
"""

import ipaddress
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class EnvError(RuntimeError):
    """An environment variable is present but cannot be understood."""


def text(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def flag(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise EnvError(f"{name}={raw!r}: expected one of {sorted(TRUE_WORDS | FALSE_WORDS)}")


def integer(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise EnvError(f"{name}={raw!r}: expected a whole number") from exc


def words(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [w.strip() for w in raw.split(",") if w.strip()]


def networks(name: str) -> list[str]:
    """A comma-separated list of addresses or networks (10.0.0.5, 172.16.0.0/12), each checked
    now: a typo must stop the process, not fail every request that asks who the client is."""
    values = words(name, [])
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError as exc:
            raise EnvError(f"{name}: {value!r} is not an address or a network") from exc
    return values


# Secrets that are, or were, written in this repository (the base settings' development
# key, the old compose file's, deploy/env.example's placeholder).
KNOWN_SECRET_KEYS = {
    "insecure-dev-key-change-me-in-production",
    "change-me",
    "replace-with-the-output-of-the-command-in-deploy-readme",
}


def secret_key(name: str) -> str:
    """A secret key fit for production: set, unpublished, as long and varied as Django asks."""
    key = text(name)
    if not key:
        raise EnvError(f"{name} must be set in production (deploy/README.md says how)")
    if key in KNOWN_SECRET_KEYS or key.startswith(SECRET_KEY_INSECURE_PREFIX):
        raise EnvError(f"{name} is a published example: generate your own")
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        raise EnvError(
            f"{name} is too short or too plain: at least {SECRET_KEY_MIN_LENGTH} characters,"
            f" {SECRET_KEY_MIN_UNIQUE_CHARACTERS} of them different"
        )
    return key


PREPARE_WHEN_ASKED = 2**31  # a count never reached: only prepare=True prepares


def database_settings(url: str) -> dict:
    """Django DATABASES['default'] for a postgres:// URL (TCP or ?host=/socket/dir)."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise EnvError(f"DATABASE_URL must start with postgres:// or postgresql://, got {url!r}")
    query = dict(pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair)
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise EnvError(f"DATABASE_URL names no database: {url!r}")
    return {
        "ENGINE": "sukma.tenants.database",  # django-tenants' backend: see its base.py
        "NAME": name,
        "USER": unquote(parts.username or "postgres"),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": unquote(query.get("host", parts.hostname or "")),
        "PORT": str(parts.port or ""),
        # Keep connections between requests: opening one costs more than a citizen's whole
        # submission. Health checks drop a connection the server has closed.
        "CONN_MAX_AGE": integer("DB_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
        # Django's cursors bind parameters client-side and never prepare. This only
        # lets a statement that asks (prepare=True on a server-binding cursor: the
        # citizen's submission) be prepared once per connection instead of planned
        # on every call. A pooler in front must pool sessions, not transactions
        # (SET search_path needs that already).
        "OPTIONS": {"prepare_threshold": PREPARE_WHEN_ASKED},
    }


def replica_database_settings(url: str) -> dict:
    """DATABASES['replica'] for DATABASE_REPLICA_URL: a streaming replica of the primary.

    It gives up connecting after a few seconds (a replica that is down must cost a page
    little: sukma.tenants.replicas then reads the primary), and in tests it mirrors the
    default database, whose test copy replication brings it.
    """
    replica = database_settings(url)
    replica["OPTIONS"] = {
        **replica["OPTIONS"],
        "connect_timeout": integer("DB_REPLICA_CONNECT_TIMEOUT", 3),
    }
    replica["TEST"] = {"MIRROR": "default"}
    return replica


def media_storage() -> dict:
    """STORAGES['default']: where uploads (signed agreements, reports, evidence) are kept.

    ``filesystem`` (the default) keeps them under MEDIA_ROOT: one machine only, or a
    folder every machine mounts. ``s3`` keeps them in an S3-compatible bucket through
    django-storages (needs boto3), so any web or worker machine reads what another wrote.
    """
    kind = text("MEDIA_STORAGE", "filesystem").lower()
    if kind == "filesystem":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise EnvError(f"MEDIA_STORAGE={kind!r}: expected 'filesystem' or 's3'")
    bucket = text("S3_BUCKET")
    if not bucket:
        raise EnvError("MEDIA_STORAGE=s3 needs S3_BUCKET")
    try:
        import boto3  # noqa: F401
        import storages  # noqa: F401
    except ImportError as missing:
        raise EnvError(
            f"MEDIA_STORAGE=s3 needs the s3 extra: pip install 'sukma[s3]' ({missing})"
        ) from None
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": text("S3_ENDPOINT_URL") or None,  # MinIO, Ceph, a cloud's own
            "region_name": text("S3_REGION") or None,
            "access_key": text("S3_ACCESS_KEY_ID") or None,  # None: boto3's own chain
            "secret_key": text("S3_SECRET_ACCESS_KEY") or None,
            "location": text("S3_PREFIX", "media"),
            # Uploads are private (signed agreements, citizens' evidence): no public ACL,
            # links are signed and short-lived, a name is never silently overwritten.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": integer("S3_URL_SECONDS", 300),
            "file_overwrite": False,
        },
    }


def project_dir() -> Path:
    return Path(__file__).resolve().parent.parent.parent
