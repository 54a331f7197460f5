"""The test suite: fast password hashing, mail kept in memory, no axes lock-out noise."""

from sukma.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SITE_PORT = 8000
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "test-celerybeat-schedule")  # noqa: F405
# Worker and browser threads must not keep connections past a test: the test database
# is dropped at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
