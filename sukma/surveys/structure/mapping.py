"""A regency maps its agencies and services to the province's standard lists.

Agency.standard_kind holds a StandardAgencyKind code, Service.standard_service
a StandardService code of the agency's kind (or nothing). The province then
ranks every agency of one standard kind, every service of one standard
service, across regencies. The rollup copies these codes into its directory
on its next run.

Callers put the connection on the regency's schema (the /kelola/ pages do);
every write is audited, with the regency, in the same transaction.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sukma.access.audit import audit_record, snapshot
from sukma.standards.models import StandardAgencyKind, StandardService
from sukma.surveys.models import Agency, Service
from sukma.surveys.structure.services import current_regency


def standard_kind_choices() -> list[StandardAgencyKind]:
    return list(StandardAgencyKind.objects.filter(active=True))


def standard_service_choices(kind_code: str) -> list[StandardService]:
    if not kind_code:
        return []
    return list(
        StandardService.objects.filter(
            active=True, standard_kind__code=kind_code, standard_kind__active=True
        )
    )


def _check_kind(code: str) -> None:
    if code and not StandardAgencyKind.objects.filter(code=code, active=True).exists():
        raise ValidationError({"standard_kind": _("Choose a kind from the province's list.")})


def _check_service(code: str, kind_code: str) -> None:
    if not code:
        return
    if not kind_code:
        raise ValidationError({"standard_service": _("Map the agency to a standard kind first.")})
    if code not in {s.code for s in standard_service_choices(kind_code)}:
        raise ValidationError(
            {"standard_service": _("Choose a service of the agency's standard kind.")}
        )


@transaction.atomic
def agency_map(
    *,
    acting_user,
    agency: Agency,
    standard_kind: str,
    services: dict[int, str] | None = None,
    regency=None,
) -> Agency:
    """Map an agency to a standard kind and (optionally) its services to that kind's services.

    ``services`` maps a service id of this agency to a standard service code
    ('' unmaps). Changing the kind unmaps every service whose code is not of
    the new kind. One audit row per changed agency or service.
    """
    regency = current_regency(regency)
    standard_kind = (standard_kind or "").strip()
    _check_kind(standard_kind)
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if agency.standard_kind != standard_kind:
        before = snapshot(agency)
        agency.standard_kind = standard_kind
        agency.save(update_fields=["standard_kind"])
        audit_record(
            actor=acting_user,
            action="agency.standard_kind_mapped",
            target=agency,
            regency=regency,
            before=before,
            after=snapshot(agency),
        )
    allowed = {s.code for s in standard_service_choices(standard_kind)}
    wanted = {int(k): (v or "").strip() for k, v in (services or {}).items()}
    for service in Service.objects.select_for_update().filter(agency=agency):
        code = wanted.get(service.pk, service.standard_service)
        if code and code not in allowed:
            if service.pk in wanted:
                _check_service(code, standard_kind)
            code = ""  # the kind changed under it
        if code != service.standard_service:
            before = snapshot(service)
            service.standard_service = code
            service.save(update_fields=["standard_service"])
            audit_record(
                actor=acting_user,
                action="service.standard_service_mapped",
                target=service,
                regency=regency,
                before=before,
                after=snapshot(service),
            )
    return agency


def mapping_overview() -> list[dict]:
    """Every agency with its standard kind's name and how many of its services are mapped."""
    names = dict(StandardAgencyKind.objects.values_list("code", "name"))
    rows = []
    for agency in Agency.objects.prefetch_related("services"):
        services = list(agency.services.all())
        rows.append(
            {
                "agency": agency,
                "kind_name": names.get(agency.standard_kind, ""),
                "services": len(services),
                "mapped": sum(1 for s in services if s.standard_service),
            }
        )
    return rows
