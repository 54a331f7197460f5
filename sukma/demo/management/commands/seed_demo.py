"""Seed the demo: East Java's 38 regencies and cities, provisioned, with their agencies,
services, service points, periods and responses, and demo sign-ins.

Safe to run again: what exists is left alone.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone
from tqdm import tqdm

from sukma.demo import seed as demo
from sukma.tenants.models import Regency


class Command(BaseCommand):
    help = "Provision East Java's regencies with demo agreements, survey data and sign-ins."

    def handle(self, *args, **options):
        admin = demo.ensure_province_admin()
        rows = demo.east_java_regencies()
        provisioned = responses = 0
        with tqdm(rows, desc="Regencies", unit="regency", file=self.stdout) as bar:
            for row in bar:
                bar.set_postfix_str(f"{row.kind} {row.name}")
                provisioned += demo.regency_seed(row, admin)
        today = timezone.localdate()
        with tqdm(rows, desc="Survey data", unit="regency", file=self.stdout) as bar:
            for row in bar:
                bar.set_postfix_str(f"{row.kind} {row.name}")
                regency = Regency.objects.get(region_code=row.code)
                demo.structure_seed(regency)
                demo.standard_mapping_seed(regency)
                responses += demo.responses_seed(regency, row.subdomain, today)
        demo.demo_second_factors()
        # The province's rankings are there from the first page, without waiting for beat.
        call_command("refresh_rankings", sync=True, stdout=self.stdout)
        self.stdout.write(
            f"{provisioned} regencies provisioned now, {len(rows) - provisioned} already there; "
            f"{responses} demo responses submitted."
        )
