"""The regency's weight policy: exact equal weights (the default) or a legacy one.

SKM.md: a regency may choose the legacy 0.11 (or 0.111) weight only to
reconcile with old spreadsheets, and every figure says which policy made it.
The choice lives in SurveySettings and applies to every period that is still
open; a locked period keeps the policy written into its basis when it was
locked (sukma.surveys.selectors.Basis), so a published figure never moves.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sukma.access.audit import audit_record, snapshot
from sukma.access.permissions import can_admin_regency
from sukma.surveys.models import Period, SurveySettings, WeightPolicyChoice
from sukma.surveys.selectors import weight_policy
from sukma.surveys.structure.services import current_regency
from sukma.tenants.models import Regency


@transaction.atomic
def weight_policy_set(*, acting_user, policy: str, regency: Regency | None = None):
    """Choose the policy of every open period's figures; locked periods keep theirs."""
    regency = current_regency(regency)
    if not can_admin_regency(acting_user, regency):
        raise PermissionDenied(_("Only this regency's administrators may choose the weights."))
    if policy not in WeightPolicyChoice.values:
        raise ValidationError({"policy": _("Choose one of the weight policies offered.")})
    settings = SurveySettings.objects.select_for_update().get(pk=SurveySettings.current().pk)
    if settings.weight_policy == policy:
        return settings
    before = snapshot(settings)
    settings.weight_policy = policy
    settings.save(update_fields=["weight_policy"])
    audit_record(
        actor=acting_user,
        action="survey_settings.weight_policy",
        target=settings,
        regency=regency,
        before=before,
        after=snapshot(settings),
    )
    return settings


def locked_periods_kept() -> list[tuple[Period, str]]:
    """Each locked period with the policy its figures use, newest first (the figures' own
    rule, sukma.surveys.selectors.weight_policy, so this list never disagrees with them)."""
    return [
        (period, weight_policy(period))
        for period in Period.objects.filter(locked=True).order_by("-starts_on", "ends_on")
    ]
