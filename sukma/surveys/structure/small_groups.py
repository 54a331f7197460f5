"""The regency's smallest group shown in a breakdown (k): 5 unless it chooses another, never < 3.

SKM.md: a breakdown by a profile field never shows a group of fewer than k
respondents (sukma.surveys.method.privacy decides what is shown). A regency
may raise k, or lower it to 3 at the least; the change is audited and applies
to every page, report and API answer from then on (a report made before is
made again: its fingerprint includes k).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sukma.access.audit import audit_record, snapshot
from sukma.access.permissions import can_admin_regency
from sukma.surveys.method.privacy import HIGHEST_MIN_GROUP, LOWEST_MIN_GROUP
from sukma.surveys.models import SurveySettings
from sukma.surveys.structure.services import current_regency
from sukma.tenants.models import Regency


@transaction.atomic
def min_group_size_set(*, acting_user, size, regency: Regency | None = None) -> SurveySettings:
    """Set k; refused unless a whole number from LOWEST_MIN_GROUP to HIGHEST_MIN_GROUP."""
    regency = current_regency(regency)
    if not can_admin_regency(acting_user, regency):
        raise PermissionDenied(_("Only this regency's administrators may change this."))
    if (
        isinstance(size, bool)
        or not isinstance(size, int)
        or not (LOWEST_MIN_GROUP <= size <= HIGHEST_MIN_GROUP)
    ):
        raise ValidationError(
            {
                "size": _("Enter a whole number from %(low)d to %(high)d.")
                % {"low": LOWEST_MIN_GROUP, "high": HIGHEST_MIN_GROUP}
            }
        )
    settings = SurveySettings.objects.select_for_update().get(pk=SurveySettings.current().pk)
    if settings.min_group_size == size:
        return settings
    before = snapshot(settings)
    settings.min_group_size = size
    settings.save(update_fields=["min_group_size"])
    audit_record(
        actor=acting_user,
        action="survey_settings.min_group_size",
        target=settings,
        regency=regency,
        before=before,
        after=snapshot(settings),
    )
    return settings
