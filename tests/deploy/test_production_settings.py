"""The production settings refuse to start unsafe, and Django's deploy checks find nothing.

Each case is a fresh interpreter: settings are read once per process, at import.
"""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

GOOD = {
    "DJANGO_SETTINGS_MODULE": "sukma.settings.production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "DATABASE_URL": "postgresql://sukma:s3cret@db.internal:5432/sukma",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "BASE_DOMAIN": "sukma.jatimprov.go.id",
    "TRUSTED_PROXIES": "127.0.0.1",
    "SUKMA_STATE_DIR": "/var/lib/sukma",
}
READ_SETTINGS = """
import json
from django.conf import settings
names = ["DEBUG", "ALLOWED_HOSTS", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
         "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
         "LANGUAGE_COOKIE_SECURE", "STATIC_ROOT", "MEDIA_ROOT", "TRUSTED_PROXIES"]
print(json.dumps({name: str(getattr(settings, name)) if "ROOT" in name
                  else getattr(settings, name) for name in names}))
"""


def _run(args: list[str], **changes) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in GOOD}
    env.update({k: v for k, v in {**GOOD, **changes}.items() if v is not None})
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )


def _refusal(**changes) -> str:
    run = _run(["-c", "import sukma.settings.production"], **changes)
    assert run.returncode != 0, "production settings started with " + repr(changes)
    return run.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "key",
    [
        "change-me",  # the old compose file's
        "insecure-dev-key-change-me-in-production",  # the base settings' development key
        "replace-with-the-output-of-the-command-in-deploy-readme",  # deploy/env.example's
        "django-insecure-" + secrets.token_urlsafe(50),  # startproject's
    ],
)
def test_a_published_secret_key_is_refused(key):
    assert "SECRET_KEY is a published example" in _refusal(SECRET_KEY=key)


@pytest.mark.parametrize("key", [secrets.token_urlsafe(30), "ab" * 40])
def test_a_short_or_plain_secret_key_is_refused(key):
    assert "SECRET_KEY is too short or too plain" in _refusal(SECRET_KEY=key)


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "BASE_DOMAIN"])
def test_a_missing_variable_is_named(missing):
    assert f"{missing} must be set" in _refusal(**{missing: None})


def test_without_its_proxy_named_production_refuses_to_start():
    assert "TRUSTED_PROXIES must name the proxy" in _refusal(TRUSTED_PROXIES=None)


def test_a_proxy_that_is_no_address_is_refused_at_start_not_on_every_request():
    assert "'nginx' is not an address or a network" in _refusal(TRUSTED_PROXIES="nginx")


def test_production_is_https_only_for_the_base_domain_and_every_subdomain():
    run = _run(["-c", READ_SETTINGS])
    assert run.returncode == 0, run.stderr
    values = json.loads(run.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False,
        "ALLOWED_HOSTS": ["sukma.jatimprov.go.id", ".sukma.jatimprov.go.id"],
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "STATIC_ROOT": "/var/lib/sukma/static",
        "MEDIA_ROOT": "/var/lib/sukma/media",
        "TRUSTED_PROXIES": ["127.0.0.1"],
    }


def test_check_deploy_passes_with_no_warning():
    run = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert run.returncode == 0, run.stderr
    assert "System check identified no issues (0 silenced)." in run.stdout
