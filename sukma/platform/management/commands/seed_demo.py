"""Seed the demo: East Java's 38 regencies and cities, provisioned, with demo sign-ins.

Safe to run again: what exists is left alone.
"""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from sukma.platform import demo


class Command(BaseCommand):
    help = "Provision East Java's regencies with demo agreements and demo sign-ins."

    def handle(self, *args, **options):
        admin = demo.ensure_province_admin()
        rows = demo.east_java_regencies()
        done = 0
        with tqdm(rows, desc="Regencies", unit="regency", file=self.stdout) as bar:
            for row in bar:
                bar.set_postfix_str(f"{row.kind} {row.name}")
                done += demo.regency_seed(row, admin)
        self.stdout.write(f"{done} provisioned now, {len(rows) - done} already there.")
