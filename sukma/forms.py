"""Form helpers shared by the province's pages and a regency's pages.

Forms only check shapes; the rules live in services, whose ValidationErrors
come back to the form through add_service_errors.
"""

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has one."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def date_input() -> forms.DateInput:
    # type=date gives phones a date picker; it needs ISO values.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
