"""Provision one regency synchronously, printing each step as it finishes.

    python manage.py provision_regency 35.04 kabupaten Tulungagung tulungagungkab \
        admin@tulungagungkab.go.id "120/35/2026"

The agreement (by number) must be signed or active and name this regency.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sukma.platform.models import ReplicationAgreement
from sukma.platform.services.provisioning import (
    provisioning_progress,
    provisioning_run,
    provisioning_start,
)
from sukma.platform.services.regencies import official_name


class Command(BaseCommand):
    help = "Provision a regency (schema, domain, questionnaire, admin) under its agreement."

    def add_arguments(self, parser):
        parser.add_argument("region_code", help="Kemendagri code, e.g. 35.04")
        parser.add_argument("kind", choices=["kabupaten", "kota"])
        parser.add_argument("name", help="e.g. Tulungagung")
        parser.add_argument("subdomain", help="e.g. tulungagungkab")
        parser.add_argument("admin_email")
        parser.add_argument("agreement", help="the agreement number")

    def handle(self, *args, **opts):
        agreement = (
            ReplicationAgreement.objects.select_related("regency")
            .filter(number=opts["agreement"])
            .first()
        )
        if agreement is None:
            raise CommandError(f"No agreement numbered {opts['agreement']!r}.")
        regency = agreement.regency
        wanted = (opts["region_code"], opts["kind"], official_name(opts["kind"], opts["name"]))
        if (regency.region_code, regency.kind, regency.name) != wanted:
            raise CommandError(
                f"Agreement {agreement.number} is for {regency.name} ({regency.region_code}), "
                f"not {wanted[2]} ({wanted[0]})."
            )
        try:
            job = provisioning_start(
                acting_user=None,
                regency=regency,
                subdomain=opts["subdomain"],
                admin_email=opts["admin_email"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        job = provisioning_run(job_id=job.pk)
        for step in provisioning_progress(job)["steps"]:
            mark = "done" if step["done"] else "----"
            self.stdout.write(f"  [{mark}] {step['label']}")
        self.stdout.write(self.style.SUCCESS(f"{regency.name}: {job.state}"))
