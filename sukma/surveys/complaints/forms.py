"""The complaint desk's search and filters, read from the query string.

One form for the page and its exports, so both show the same cases. Anything it
cannot read (an agency the user may not see, a date that does not exist, a period
that was deleted) is an error shown on the page, never ignored silently and never a 500.
"""

import datetime

from django import forms
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from sukma.surveys.complaints.models import Status
from sukma.surveys.models import Agency, Period

QUERY_MAX = 200
WORDS_MAX = 10
DAY = {"invalid": _("Enter a date as year-month-day, for example 2026-08-17.")}


class DeskFilters(forms.Form):
    q = forms.CharField(
        label=_("Tracking code or words"),
        required=False,
        max_length=QUERY_MAX,
        error_messages={"max_length": _("Search for at most 200 characters.")},
    )
    opd = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.none(),
        required=False,
        empty_label=_("All agencies"),
        error_messages={"invalid_choice": _("Choose one of the agencies in the list.")},
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *Status.choices],
        required=False,
        error_messages={"invalid_choice": _("Choose one of the statuses in the list.")},
    )
    terlambat = forms.ChoiceField(
        label=_("Overdue only"),
        choices=[("", ""), ("1", _("Overdue only"))],
        required=False,
        error_messages={"invalid_choice": _("The overdue filter is either on or off.")},
    )
    periode = forms.ModelChoiceField(
        label=_("Period"),
        queryset=Period.objects.all(),
        required=False,
        empty_label=_("Any period"),
        error_messages={"invalid_choice": _("Choose one of the periods in the list.")},
    )
    dari = forms.DateField(
        label=_("Received from"), required=False, input_formats=["%Y-%m-%d"], error_messages=DAY
    )
    sampai = forms.DateField(
        label=_("Received until"), required=False, input_formats=["%Y-%m-%d"], error_messages=DAY
    )

    def __init__(self, data, *, agencies):
        super().__init__(data)
        self.fields["opd"].queryset = agencies

    def clean_q(self) -> str:
        query = self.cleaned_data["q"]
        if len(query.split()) > WORDS_MAX:
            raise forms.ValidationError(_("Search for at most 10 words."))
        return query

    def clean(self):
        data = super().clean()
        first, last = data.get("dari"), data.get("sampai")
        if first and last and first > last:
            self.add_error("sampai", _("The last day comes before the first day."))
        return data

    def received_between(self) -> tuple[datetime.date | None, datetime.date | None]:
        """The days (Jakarta) to read: the chosen period narrowed by the chosen dates."""
        data = self.cleaned_data
        first, last = data.get("dari"), data.get("sampai")
        period = data.get("periode")
        if period is not None:
            first = max(first, period.starts_on) if first else period.starts_on
            last = min(last, period.ends_on) if last else period.ends_on
        return first, last

    def selector_arguments(self) -> dict:
        data = self.cleaned_data
        first, last = self.received_between()
        return {
            "agency_id": data["opd"].pk if data.get("opd") else None,
            "status": data.get("status") or "",
            "overdue": data.get("terlambat") == "1",
            "query": data.get("q") or "",
            "received_from": first,
            "received_to": last,
        }

    def query_string(self) -> str:
        """The filters as they were read, for the pager's and the exports' links."""
        data = self.cleaned_data
        values = {
            "q": data.get("q") or "",
            "opd": data["opd"].pk if data.get("opd") else "",
            "status": data.get("status") or "",
            "terlambat": data.get("terlambat") or "",
            "periode": data["periode"].pk if data.get("periode") else "",
            "dari": data["dari"].isoformat() if data.get("dari") else "",
            "sampai": data["sampai"].isoformat() if data.get("sampai") else "",
        }
        return urlencode({key: value for key, value in values.items() if value})
