"""Form helpers shared by the province's pages and a regency's pages.

Forms only check shapes; the rules live in services, whose ValidationErrors
come back to the form through add_service_errors. The public results' search
(a GET form, ?q=) cleans and matches its words here, for the province's page and a
regency's alike.
"""

import re
import unicodedata

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


# ---------------------------------------------------------------- the public results' search
SEARCH_MAX_LENGTH = 100


def search_text(raw) -> str:
    """The search box's text as the page shows it back: printable, one space between words,
    at most SEARCH_MAX_LENGTH characters. Any input is accepted; nothing here can fail."""
    text = "".join(c if c.isprintable() else " " for c in str(raw or ""))
    return " ".join(text.split())[:SEARCH_MAX_LENGTH]


def folded(text: str) -> str:
    """Case and accents folded away, so "Kecamatan Ngunut" matches "kecamatan ngunut"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search_words(text: str) -> list[str]:
    """The words of a search_text, folded; an empty list means "no search"."""
    return folded(text).split()


def matches(words: list[str], *texts: str) -> bool:
    """Every word appears in one of the texts (names, short names): "ktp dukcapil" finds
    the e-KTP service of the Dukcapil agency."""
    haystack = " ".join(folded(t) for t in texts if t)
    return all(word in haystack for word in words)
