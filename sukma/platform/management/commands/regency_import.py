"""Restore one regency from a file written by regency_export.

python manage.py regency_import tulungagung.sukma.zip            # a database without it
python manage.py regency_import tulungagung.sukma.zip --replace  # over the one here

A file from an older SuKMa is brought forward to this one's migrations in the same transaction
(sukma.platform.services.transfer).
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sukma.platform.services.transfer import regency_import


class Command(BaseCommand):
    help = "Import one regency from an export file (atomic; other regencies untouched)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--replace", action="store_true", help="replace the regency if it is here"
        )

    def handle(self, *args, file, replace, **opts):
        try:
            with open(file, "rb") as source:
                result = regency_import(acting_user=None, source=source, replace=replace)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        verb = "replaced" if result.replaced else "imported"
        self.stdout.write(f"{result.regency.name} {verb}: {result.tables} tables.")
        if result.migrated:
            self.stdout.write(
                _("Made by an older SuKMa and brought forward: %(count)s migration(s) applied.")
                % {"count": result.migrated}
            )
        if result.users_kept:
            self.stdout.write(
                "Already here as someone else's account, kept as it is and given the "
                f"regency's roles: {', '.join(result.users_kept)}."
            )
