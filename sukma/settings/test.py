"""The test suite: fast password hashing, mail kept in memory, no axes lock-out noise."""

import socket

from sukma.settings.base import *  # noqa: F403


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SITE_PORT = 8000
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "test-celerybeat-schedule")  # noqa: F405
# Worker and browser threads must not keep connections past a test: the test database
# is dropped at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# The worker of the tests serves its metrics on a port free when the settings are read.
WORKER_METRICS_PORT = _free_port()
