"""Provisioning speed: cloning the template schema vs migrating each new schema.

Provisions N regencies through the real provisioning service (agreement,
schema, questionnaire, domain, admin, invitation, activation) twice over:
once by cloning the template schema (sukma/tenants/clone.py), once by
running every migration in each new schema (TENANT_CREATION_FAKES_MIGRATIONS
off). Prints
seconds per regency for each and their ratio. Target: under 1 s by cloning.

    python bench/provision.py [--regencies 50]
"""

import argparse
import logging
import time

from _scratch import scratch_database


def provision_many(prefix: str, count: int, province_admin) -> float:
    from django.db import connection

    from sukma.platform.services.provisioning import provisioning_run, provisioning_start
    from tests.factories import signed_agreement

    started = time.perf_counter()
    for i in range(1, count + 1):
        agreement = signed_agreement(
            province_admin,
            region_code=f"{prefix}.{i:02d}",
            kind="kabupaten",
            regency_name=f"Bench {prefix}-{i:02d}",
        )
        job = provisioning_start(
            acting_user=province_admin,
            regency=agreement.regency,
            subdomain=f"bench{prefix}x{i:02d}kab",
            admin_email=f"admin{i}@bench{prefix}.go.id",
        )
        assert provisioning_run(job_id=job.pk).state == "succeeded"
        connection.set_schema_to_public()
    return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regencies", type=int, default=50)
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    with scratch_database("sukma_provision_bench"):
        from django.core.management import call_command
        from django.test import override_settings

        from sukma.access.models import Membership, Role, User

        call_command("migrate", verbosity=0)
        admin = User.objects.create_user("bench@jatimprov.go.id", "x")
        Membership.objects.create(user=admin, role=Role.PROVINCE_ADMIN)

        cloning = provision_many("90", args.regencies, admin)
        with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=False):
            migrating = provision_many("91", args.regencies, admin)

    print(f"regencies per method:        {args.regencies}")
    print(f"by cloning the template:     {cloning:.3f} s per regency")
    print(f"by running every migration:  {migrating:.3f} s per regency (baseline)")
    print(f"ratio clone / migrate:       {cloning / migrating:.2f}")
    print(f"target < 1 s by cloning:     {'met' if cloning < 1 else 'NOT MET'}")


if __name__ == "__main__":
    main()
