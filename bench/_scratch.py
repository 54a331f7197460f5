"""A scratch database for a benchmark, on the same server the app would use."""

import contextlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@contextlib.contextmanager
def scratch_database(name: str):
    """Point Django at a fresh database `name`, set it up, and drop it at the end."""
    import psycopg

    from sukma.settings import env

    url = env.text("DATABASE_URL")
    if not url:
        from sukma import embedded

        url = embedded.postgres_url()
    admin = env.database_settings(url)
    conninfo = dict(
        dbname="postgres",
        user=admin["USER"],
        host=admin["HOST"],
        port=admin["PORT"] or None,
        password=admin["PASSWORD"] or None,
    )
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, query = url.partition("?")
    os.environ["DATABASE_URL"] = (
        base.rsplit("/", 1)[0] + "/" + name + (f"?{query}" if query else "")
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sukma.settings.dev")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    import django

    django.setup()
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(**conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
