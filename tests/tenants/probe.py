"""A migration that exists only while a test (or bench/migrate.py) runs: one AddField on the
regency's agencies, in a copy of the surveys migration package named by MIGRATION_MODULES.

The copy lives in a temporary folder; nothing in the source tree changes. `probe_forget`
takes the column and the migration records out of every schema again, for the next test.
"""

import contextlib
import shutil
import sys
from pathlib import Path

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import override_settings

import sukma.surveys.migrations as surveys_migrations

PROBE_COLUMN = "probe_note"

_PROBE = """from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("surveys", "{leaf}")]
    operations = [
        migrations.AddField(
            "agency", "{column}", models.CharField(max_length=20, blank=True, default="")
        )
    ]
"""


def _surveys_leaf() -> str:
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    return next(name for app, name in graph.leaf_nodes() if app == "surveys")


@contextlib.contextmanager
def probe_migration(folder: Path, package: str = "probe_surveys_migrations"):
    """Yield the probe migration's name while the code's graph includes it."""
    leaf = _surveys_leaf()
    number = int(leaf.split("_", 1)[0]) + 1
    name = f"{number:04d}_probe_note"
    target = folder / package
    shutil.copytree(Path(surveys_migrations.__file__).parent, target, ignore=_no_cache)
    (target / f"{name}.py").write_text(_PROBE.format(leaf=leaf, column=PROBE_COLUMN))
    sys.path.insert(0, str(folder))
    try:
        with override_settings(MIGRATION_MODULES={"surveys": package}):
            yield name
    finally:
        sys.path.remove(str(folder))
        for module in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[module]


def _no_cache(folder, names):
    return [n for n in names if n == "__pycache__"]


def probe_forget(schemas: list[str], name: str) -> None:
    """Take the probe's column and records out of these schemas and the public one."""
    with connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(
                f'ALTER TABLE "{schema}".surveys_agency DROP COLUMN IF EXISTS {PROBE_COLUMN}'
            )
            cursor.execute(
                f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s',
                ["surveys", name],
            )
        cursor.execute(
            "DELETE FROM public.django_migrations WHERE app = %s AND name = %s", ["surveys", name]
        )
