"""Offboard a regency: export it to a file, then drop its schema (audited).

python manage.py regency_offboard 35.04 tulungagung-final.sukma.zip
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sukma.platform.services.transfer import regency_offboard
from sukma.tenants.models import Regency


class Command(BaseCommand):
    help = "Export a regency to a file, mark it offboarded and drop its schema."

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("file", help="the export written before the schema is dropped")

    def handle(self, *args, code, file, **opts):
        regency = Regency.objects.filter(region_code=code).first()
        if regency is None:
            raise CommandError(f"No regency has region code {code}.")
        path = Path(file)
        if path.exists():
            raise CommandError(f"{path} exists already; choose another name.")
        try:
            regency_offboard(acting_user=None, regency=regency, out=path)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"{regency.name} offboarded; its data is in {path}.")
