"""The one read behind every breakdown a face shows: by a profile field or by channel.

The API, the dashboards, the laporan (PDF and XLSX) all read `breakdown`,
never the raw totals (selectors.profile_totals, channels.channel_totals):
the small-group rule (sukma.surveys.method.privacy) decides which groups are
shown one by one, which together as "lainnya", and which not at all, with
the regency's smallest group (SurveySettings.min_group_size, k). Groups
nobody is in are left out.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from sukma.surveys.channels import BREAKDOWN as CHANNEL
from sukma.surveys.channels import channel_totals
from sukma.surveys.method.ikm import ElementTotals
from sukma.surveys.method.privacy import MERGED, disclose
from sukma.surveys.models import PROFILE_FIELDS, Channel, Period, SurveySettings
from sukma.surveys.selectors import (
    Figure,
    make_figure,
    profile_totals,
    totals_between,
    weight_policy,
)

FIELDS = (*PROFILE_FIELDS, CHANNEL)


@dataclass(frozen=True)
class Row:
    value: str  # a stored value, or MERGED for the small groups together
    label: str
    figure: Figure

    @property
    def merged(self) -> bool:
        return self.value == MERGED


@dataclass(frozen=True)
class Breakdown:
    field: str
    rows: list[Row]
    total: int  # every respondent of the set broken down, blanks and hidden groups included
    min_group: int

    @property
    def shown(self) -> int:
        return sum(row.figure.responses for row in self.rows)

    @property
    def withheld(self) -> int:
        """Respondents in no row: those who left the field blank, and the hidden groups."""
        return self.total - self.shown


def min_group_size() -> int:
    return SurveySettings.current().min_group_size


def breakdown(
    period: Period, field: str, *, agency_id=None, service_id=None, k: int | None = None
) -> Breakdown:
    """The rows of one breakdown that may be shown, in the field's order, "lainnya" last."""
    return breakdowns(period, [field], agency_id=agency_id, service_id=service_id, k=k)[field]


def breakdowns(
    period: Period, fields=FIELDS, *, agency_id=None, service_id=None, k: int | None = None
) -> dict[str, Breakdown]:
    """Several breakdowns of one set of respondents, each as `breakdown` gives it.

    Read together, as a dashboard or a laporan shows them: one query for every profile
    field asked, one for the set's total, one for the channels.
    """
    where = {"agency_id": agency_id, "service_id": service_id}
    profile = [field for field in fields if field != CHANNEL]
    by_field = profile_totals(period, profile, **where) if profile else {}
    if CHANNEL in fields:
        by_field[CHANNEL] = channel_totals(period, **where)
    # Every response has a channel: their sum is the channels' total. A profile field may be
    # left blank: its total is the set's.
    total = totals_between(period.starts_on, period.ends_on, **where) if profile else None
    k = k or min_group_size()
    policy = weight_policy(period)
    return {
        field: _disclosed(
            field,
            by_field.get(field, {}),
            0 if field == CHANNEL else total.responses or 0,
            k,
            policy,
        )
        for field in fields
    }


def _disclosed(field: str, by_value: dict, total: int, k: int, policy: str) -> Breakdown:
    choices = Channel.choices if field == CHANNEL else PROFILE_FIELDS[field].choices
    # The totals agree by construction (the reconciliation job checks it); max() keeps a
    # drifted row from failing a page.
    total = max(total, sum(t.responses or 0 for t in by_value.values()))
    labels = {value: str(label) for value, label in choices}
    ordered = {value: by_value[value] for value in labels if value in by_value}
    shown = disclose({v: t.responses or 0 for v, t in ordered.items()}, total=total, k=k)
    rows = [Row(v, labels[v], make_figure(ordered[v], None, policy)) for v in shown.shown]
    if shown.merged:
        together = sum((ordered[v] for v in shown.merged), ElementTotals.empty())
        rows.append(
            Row(MERGED, _("Other (small groups together)"), make_figure(together, None, policy))
        )
    return Breakdown(field=field, rows=rows, total=total, min_group=k)
