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
    rankings.RankingChange,
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


def remove_agency(regency: Regency, agency_id: int) -> None:
    """Remove a committed test's agency from its regency: answers, totals, counters, services.

    Tests that commit an agency for a server or a browser call this when done, so the
    next test (a dashboard's figures, say) finds the regency as it was.
    """
    from sukma.surveys.kiosks.models import Kiosk
    from sukma.surveys.models import (
        Agency,
        DailyProfileTotals,
        DailyServiceTotals,
        MonthlyServiceTotals,
        Response,
        Service,
        ServicePoint,
    )

    connection.set_tenant(regency)
    services = Service.objects.filter(agency_id=agency_id)
    Response.objects.filter(service__in=services).delete()  # their cases go with them
    for model in (DailyServiceTotals, MonthlyServiceTotals, DailyProfileTotals):
        model.objects.filter(service__in=services).delete()
    Kiosk.objects.filter(service_point__agency_id=agency_id).delete()
    ServicePoint.objects.filter(agency_id=agency_id).delete()
    services.delete()
    Agency.objects.filter(pk=agency_id).delete()
    connection.set_schema_to_public()
