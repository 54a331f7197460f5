"""The demo admins' second-factor code of the moment (their shared, published demo key)."""

from django.core.management.base import BaseCommand

from sukma.demo import seed as demo


class Command(BaseCommand):
    help = "Print the demo admins' current authenticator code."

    def handle(self, *args, **options):
        self.stdout.write(demo.demo_code())
