"""Forms of the follow-up pages: shapes only; the rules are in followup.services.

``PlanForm`` is the plan and all its items as one form (a revision and one
``ItemForm`` per item), so that saving never drops what another item holds.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from sukma.forms import date_input
from sukma.surveys.followup.models import FollowUpPlan, PlanStatus
from sukma.surveys.followup.services import PLAN_FIELDS, REALISATION_FIELDS
from sukma.surveys.models import Agency, Period

TEXT_FIELDS = ("planned_action", "responsible", "realisation")


class ItemForm(forms.Form):
    """One element of the plan: its plan fields while a draft, its realisation once approved."""

    acts_on = forms.BooleanField(label=_("Act on this element"), required=False)
    planned_action = forms.CharField(
        label=_("Planned action"), required=False, max_length=2000, widget=forms.Textarea
    )
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=date_input())
    responsible = forms.CharField(label=_("Person responsible"), required=False, max_length=200)
    realisation = forms.CharField(
        label=_("Realisation"), required=False, max_length=4000, widget=forms.Textarea
    )
    realised_at = forms.DateField(label=_("Realised on"), required=False, widget=date_input())
    file = forms.FileField(
        label=_("Add an evidence file"),
        help_text=_("PDF, JPEG or PNG, at most 5 MB."),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    remove = forms.TypedMultipleChoiceField(
        label=_("Remove"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, item, plan: FollowUpPlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        keep = PLAN_FIELDS if plan.editable else ()
        if plan.realisable and item.acts_on:
            keep = (*REALISATION_FIELDS, "file", "remove")
            self.fields["remove"].choices = [(e.pk, e.original_name) for e in item.evidence.all()]
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
            elif name in PLAN_FIELDS + REALISATION_FIELDS:
                # The value as shown travels with the form: on a conflict it tells what the
                # person changed from what someone else changed (see PlanForm.merged_with).
                self.fields[name].show_hidden_initial = True

    def values(self) -> dict:
        """What the service is given: the fields this state edits, blank text as ''."""
        out = {}
        for name in self.fields:
            value = self.cleaned_data.get(name)
            if name == "acts_on":
                out[name] = bool(value)
            elif name in TEXT_FIELDS:
                out[name] = value or ""
            elif name in PLAN_FIELDS + REALISATION_FIELDS:
                out[name] = value
        return out


class PlanForm:
    """The plan's revision and every item's form, posted and saved together."""

    def __init__(self, plan: FollowUpPlan, data=None, files=None):
        self.plan = plan
        self.head = forms.Form(data, initial={"revision": plan.revision})
        self.head.fields["revision"] = forms.IntegerField(
            min_value=0, max_value=2**31 - 1, widget=forms.HiddenInput
        )
        self.items = [
            ItemForm(
                data,
                files,
                item=item,
                plan=plan,
                prefix=f"i{item.pk}",
                initial={name: getattr(item, name) for name in PLAN_FIELDS + REALISATION_FIELDS},
            )
            for item in plan.items.all()
        ]

    @property
    def editable(self) -> bool:
        return any(form.fields for form in self.items)

    def is_valid(self) -> bool:
        return all([self.head.is_valid(), *(form.is_valid() for form in self.items)])

    @property
    def errors(self) -> list[str]:
        found = [str(e) for e in self.head.errors.get("revision", [])]
        for form in self.items:
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else ""
                found += [f"{form.item.element_code} {label}: {e}" for e in errors]
        return found

    @property
    def revision(self) -> int:
        return self.head.cleaned_data["revision"]

    def values(self) -> dict[int, dict]:
        return {form.item.pk: form.values() for form in self.items if form.fields}

    def uploads(self) -> dict:
        return {
            form.item.pk: form.cleaned_data["file"]
            for form in self.items
            if form.cleaned_data.get("file")
        }

    def merged_with(self, plan: FollowUpPlan):
        """After someone else saved: (data, conflicts) to show the form again with.

        Per field, what this person changed keeps their value; what they left as it was
        takes the value saved now. Conflicts: per item id, (label, value saved now) for
        the fields both changed to different values. The data carries the new revision.
        """
        data = self.head.data.copy()
        data["revision"] = str(plan.revision)
        stored_items = {item.pk: item for item in plan.items.all()}
        conflicts = {}
        for form in self.items:
            item = stored_items.get(form.item.pk)
            if item is None:
                continue
            changed = set(form.changed_data)
            for name in form.fields:
                if name not in PLAN_FIELDS + REALISATION_FIELDS:
                    continue
                field, stored = form.fields[name], getattr(item, name)
                key, initial_key = form.add_prefix(name), form.add_initial_prefix(name)
                shown = field.to_python(data.get(initial_key))
                mine = form.values()[name]
                if name in changed:
                    if stored not in (mine, shown) and not (stored in ("", None) and not mine):
                        conflicts.setdefault(item.pk, []).append((field.label, stored))
                else:
                    _set(data, key, stored)
                _set(data, initial_key, stored, hidden=True)
        return data, conflicts

    def removals(self) -> list[int]:
        return [pk for form in self.items for pk in form.cleaned_data.get("remove", [])]


def _set(data, key: str, value, hidden: bool = False) -> None:
    """Put a stored value into form data as a browser would post it."""
    if isinstance(value, bool):
        if hidden:
            data[key] = str(value)
        elif value:
            data[key] = "on"
        else:
            data.pop(key, None)
    elif value is None:
        data[key] = ""
    elif hasattr(value, "isoformat"):
        data[key] = value.isoformat()
    else:
        data[key] = str(value)


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=PlanStatus.choices)


class PlanFilterForm(forms.Form):
    """The list's filters, read from GET: any bad value is an error on the page, not a 500."""

    periode = forms.ModelChoiceField(
        label=_("Period"), queryset=Period.objects.all(), required=False
    )
    opd = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none(), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *PlanStatus.choices], required=False
    )
    halaman = forms.IntegerField(label=_("Page"), min_value=1, max_value=10**6, required=False)

    def __init__(self, data, *, agencies, periods):
        super().__init__(data)
        self.fields["opd"].queryset = agencies
        self.fields["opd"].empty_label = _("All agencies")
        self.fields["periode"].empty_label = _("All periods")
        self.period_choices = periods


class PlanStartForm(forms.Form):
    """A plan for a locked recap (a semester, a quarter) that an agency follows up."""

    opd = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    periode = forms.ModelChoiceField(
        label=_("Closed period"), queryset=Period.objects.filter(locked=True)
    )

    def __init__(self, data=None, *, agencies):
        super().__init__(data, prefix=None)
        self.fields["opd"].queryset = agencies
