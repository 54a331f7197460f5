"""Reading a report back: the PDF's text (pypdf) and the workbook's cells (openpyxl)."""

import io
import re
from decimal import Decimal

from openpyxl import load_workbook
from pypdf import PdfReader

from sukma.surveys.reports.selectors import report_data, subject_for


def pdf_text(body: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    return re.sub(r"[ \t]+", " ", text)  # justified lines come out with runs of spaces


def indonesian(text: str) -> Decimal:
    """ "1.234,50" -> Decimal("1234.50")."""
    return Decimal(text.replace(".", "").replace(",", "."))


def pdf_value(text: str, label: str) -> str:
    """The value printed after a label on its own line of the Lampiran 2 summary."""
    summary = text[text.index("HASIL OLAHAN DATA") :]
    match = re.search(rf"^{re.escape(label)} ([^\n]+)$", summary, re.M)
    assert match, f"{label!r} not in the PDF"
    return match.group(1).strip()


def workbook(body: bytes):
    return load_workbook(io.BytesIO(body))


def data_for(regency, scope: str, scope_id: int, period):
    return report_data(regency, subject_for(scope, scope_id), period)
