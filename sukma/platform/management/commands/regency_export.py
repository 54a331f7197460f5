"""Write one regency's whole data (its schema and its public rows) to one file.

python manage.py regency_export 35.04 tulungagung.sukma.zip
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sukma.platform.services.transfer import regency_export
from sukma.tenants.models import Regency


class Command(BaseCommand):
    help = "Export one regency (by region code) to one zip file."

    def add_arguments(self, parser):
        parser.add_argument("code", help="region code, e.g. 35.04")
        parser.add_argument("file", help="the zip file to write")

    def handle(self, *args, code, file, **opts):
        regency = Regency.objects.filter(region_code=code).first()
        if regency is None:
            raise CommandError(f"No regency has region code {code}.")
        path = Path(file)
        if path.exists():
            raise CommandError(f"{path} exists already; choose another name.")
        manifest = regency_export(regency=regency, out=path)
        self.stdout.write(f"{regency.name}: {len(manifest['tables'])} tables written to {path}.")
