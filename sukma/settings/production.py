"""Production: everything secret or site-specific must come from the environment."""

from sukma import logs
from sukma.settings import env
from sukma.settings.base import *  # noqa: F403

if not env.text("SECRET_KEY"):
    raise env.EnvError("SECRET_KEY must be set in production")
if not env.text("DATABASE_URL") or not env.text("REDIS_URL"):
    raise env.EnvError("DATABASE_URL and REDIS_URL must be set in production")

DEBUG = False
SITE_SCHEME = "https"
SITE_PORT = env.integer("SITE_PORT", 443)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_CONTENT_TYPE_NOSNIFF = True
EMAIL_BACKEND = env.text("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
# Static files come from collectstatic (deploy/README.md), with the compressed copies it
# makes beside each file; served from the finders instead, they went out uncompressed.
WHITENOISE_USE_FINDERS = False
# One JSON object a line, each with its regency, unless LOG_FORMAT says otherwise.
LOG_FORMAT = env.text("LOG_FORMAT", "json").lower()
if LOG_FORMAT not in logs.LOG_FORMATS:
    raise env.EnvError(f"LOG_FORMAT={LOG_FORMAT!r}: expected one of {', '.join(logs.LOG_FORMATS)}")
LOGGING = logs.logging_config(LOG_FORMAT, LOG_LEVEL)  # noqa: F405
