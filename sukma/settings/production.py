"""Production: everything secret or site-specific must come from the environment.

The process refuses to start (EnvError, a message naming the variable) rather than
run with a secret anyone can read in this repository, on a host it cannot name, or
behind a proxy it does not know: `manage.py check --deploy` passes with no warning
once it starts (tests/deploy/test_production_settings.py).
"""

from pathlib import Path

from sukma import logs
from sukma.settings import env

# Checked before the base settings are read: without DATABASE_URL they would start the
# embedded PostgreSQL, which has no place on a server.
env.secret_key("SECRET_KEY")
for name, why in [
    ("DATABASE_URL", "the embedded PostgreSQL is for the demo and the tests"),
    ("REDIS_URL", "the embedded Redis is for the demo and the tests"),
    ("BASE_DOMAIN", "regencies are its subdomains"),
]:
    if not env.text(name):
        raise env.EnvError(f"{name} must be set in production: {why}")
# Behind the proxy every request comes from the proxy: without its address every limiter
# would count all citizens of the province as one client (shared/PITFALLS.md).
if not env.networks("TRUSTED_PROXIES"):
    raise env.EnvError("TRUSTED_PROXIES must name the proxy in front (127.0.0.1 for nginx here)")

from sukma.settings.base import *  # noqa: E402, F403

DEBUG = False
# ALLOWED_HOSTS is the base settings': BASE_DOMAIN and its subdomains, plus EXTRA_ALLOWED_HOSTS.
SITE_SCHEME = "https"
SITE_PORT = env.integer("SITE_PORT", 443)

# HTTPS only. The proxy terminates TLS and says so in X-Forwarded-Proto (deploy/nginx/).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
# Every regency is a subdomain, so HSTS must cover the subdomains too. "preload" is the
# owner's consent to browsers' preload list; only the registrable domain can be listed.
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.flag("HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True

EMAIL_BACKEND = env.text("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.text("EMAIL_HOST", "localhost")
EMAIL_PORT = env.integer("EMAIL_PORT", 587)
EMAIL_HOST_USER = env.text("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env.text("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env.flag("EMAIL_USE_TLS", default=True)

# What the processes write lives outside the installed code (site-packages is no place for
# uploads): by default under /var/lib/sukma, the systemd units' StateDirectory.
STATE_DIR = Path(env.text("SUKMA_STATE_DIR", "/var/lib/sukma"))
STATIC_ROOT = Path(env.text("STATIC_ROOT", str(STATE_DIR / "static")))
MEDIA_ROOT = Path(env.text("MEDIA_ROOT", str(STATE_DIR / "media")))
CELERY_BEAT_SCHEDULE_FILENAME = str(STATE_DIR / "celerybeat-schedule")
# Static files come from collectstatic (deploy/README.md), with the compressed copies it
# makes beside each file; served from the finders instead, they went out uncompressed.
WHITENOISE_USE_FINDERS = False
# One JSON object a line, each with its regency, unless LOG_FORMAT says otherwise.
LOG_FORMAT = env.text("LOG_FORMAT", "json").lower()
if LOG_FORMAT not in logs.LOG_FORMATS:
    raise env.EnvError(f"LOG_FORMAT={LOG_FORMAT!r}: expected one of {', '.join(logs.LOG_FORMATS)}")
LOGGING = logs.logging_config(LOG_FORMAT, LOG_LEVEL)  # noqa: F405
