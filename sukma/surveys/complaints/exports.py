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
from sukma.surveys.complaints.models import Case, Status

CHUNK = 500
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


def case_row(case: Case) -> list:
    return [
        case.tracking_code,
        _local(case.received_at),
        case.agency.name,
        case.response.service.name,
        case.response.suggestion,
        str(Status(case.status).label),
        _("Yes") if case.is_overdue else _("No"),
        case.forward_due_on,
        _local(case.forwarded_at),
        case.answer_due_on,
        _local(case.closed_at),
        case.public_answer,
        case.rejection_reason,
    ]


def _rows(cases) -> Iterator[list]:
    # Translated inside the generator: a streamed response runs it after the view returned.
    with translation.override(LANGUAGE):
        for case in cases.iterator(chunk_size=CHUNK):
            yield case_row(case)


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
