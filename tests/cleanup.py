"""Undo what a committed test created, in the public schema and its regencies' schemas."""

from django.db import connection

from sukma.access.models import AuditEvent, Invitation, Membership, User
from sukma.platform.models import ProvisioningJob, ReplicationAgreement
from sukma.platform.rankings import models as rankings
from sukma.tenants.models import Domain, Regency

# Children before parents.
TRACKED = [
    AuditEvent,
    rankings.RankingSnapshot,
    rankings.ReconciliationRun,
    rankings.RefreshRun,
    rankings.RollupCursor,
    rankings.RollupDay,
    rankings.RollupMonth,
    rankings.RollupService,
    rankings.RollupAgency,
    ProvisioningJob,
    Invitation,
    Membership,
    Domain,
    ReplicationAgreement,
    Regency,
    User,
]


def snapshot_ids() -> dict:
    return {model: set(model.objects.values_list("pk", flat=True)) for model in TRACKED}


def remove_created_since(before: dict) -> None:
    new_regencies = Regency.objects.exclude(pk__in=before[Regency])
    schemas = list(new_regencies.values_list("schema_name", flat=True))
    for model in TRACKED:
        model.objects.exclude(pk__in=before[model]).delete()
    with connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
