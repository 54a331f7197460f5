"""The complaint desk's list as a CSV or XLSX file: the rows the desk shows, as filtered.

Headings and statuses in Indonesian (the files go to other offices as records),
times on Jakarta's clock, dates as dates. Every cell goes through sukma/sheets.py,
which writes the files a row at a time: the cases are read in chunks from the
database, so a desk of any size never sits in memory whole.
"""

from collections.abc import Iterable, Iterator

from django.utils import translation
from django.utils.translation import gettext as _

from sukma import sheets
from sukma.surveys.complaints import clocks
from sukma.surveys.complaints.models import Status

CHUNK = 2000
LANGUAGE = "id"


def headings() -> list[str]:
    return [
        _("Tracking code"),
        _("Received"),
        _("Agency"),
        _("Service"),
        _("Suggestion or complaint"),
        _("Status"),
        _("Overdue"),
        _("Take up by"),
        _("Taken up"),
        _("Answer by"),
        _("Closed"),
        _("The agency's answer"),
        _("Reason for rejecting"),
    ]


def _local(moment):
    """A naive datetime on Jakarta's clock (Excel has no time zones), or None."""
    return moment.astimezone(clocks.JAKARTA).replace(tzinfo=None) if moment else None


# Only the columns the file shows: a case's response row is wide (every answer), and
# building model instances cost more than writing the file.
FIELDS = (
    "tracking_code",
    "received_at",
    "agency__name",
    "response__service__name",
    "response__suggestion",
    "status",
    "is_overdue",
    "forward_due_on",
    "forwarded_at",
    "answer_due_on",
    "closed_at",
    "public_answer",
    "rejection_reason",
)


def case_row(values: dict) -> list:
    return [
        values["tracking_code"],
        _local(values["received_at"]),
        values["agency__name"],
        values["response__service__name"],
        values["response__suggestion"],
        str(Status(values["status"]).label),
        _("Yes") if values["is_overdue"] else _("No"),
        values["forward_due_on"],
        _local(values["forwarded_at"]),
        values["answer_due_on"],
        _local(values["closed_at"]),
        values["public_answer"],
        values["rejection_reason"],
    ]


def _rows(cases) -> Iterator[list]:
    # Translated inside the generator: a streamed response runs it after the view returned.
    with translation.override(LANGUAGE):
        for values in cases.values(*FIELDS).iterator(chunk_size=CHUNK):
            yield case_row(values)


def _with_headings(cases) -> Iterable[list]:
    with translation.override(LANGUAGE):
        yield headings()
    yield from _rows(cases)


def cases_csv(cases) -> Iterator[bytes]:
    """The CSV file in chunks, for a streamed response."""
    return sheets.csv_stream(_with_headings(cases))


def cases_xlsx(cases):
    """The workbook in a temporary file (deleted when closed), positioned at its start."""
    with translation.override(LANGUAGE):
        header, title = headings(), _("Complaints")
    return sheets.xlsx_spool(header, _rows(cases), title=title)


def filename(extension: str, today) -> str:
    return f"pengaduan_{today.isoformat()}.{extension}"
