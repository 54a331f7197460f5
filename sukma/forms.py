"""Form helpers shared by the province's pages and a regency's pages.

Forms only check shapes; the rules live in services, whose ValidationErrors
come back to the form through add_service_errors.
"""

import re

from django import forms
from django.core.exceptions import ValidationError

# ASCII digits only: str.isdigit() also takes "²" and "①", which int() then refuses (a 500).
# At most 18 digits, so the number fits a bigint column.
WHOLE_NUMBER = re.compile(r"\A[0-9]{1,18}\Z")


def whole_number(text: object) -> int | None:
    """`text` as a whole number when it is one, written in ASCII digits; else None."""
    text = str(text or "")
    return int(text) if WHOLE_NUMBER.match(text) else None


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
