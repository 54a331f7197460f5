"""Every cell the product writes into a spreadsheet or a CSV goes through here.

Two dangers in text that came from people (a citizen's suggestion, an agency's
name typed in setup): a leading `=`, `+`, `-`, `@`, tab or carriage return
makes Excel and LibreOffice read the cell as a formula (CSV/formula
injection), so such text is prefixed with an apostrophe, which both show as
plain text; and characters that XML 1.0 forbids (the C0 controls other than
tab, line feed and carriage return, lone surrogates, U+FFFE and U+FFFF) make
openpyxl refuse the whole workbook, so they are removed. Numbers, dates and
empty cells pass unchanged. Nothing here raises, whatever the text.

`csv_stream` and `xlsx_spool` write whole files through the same cells, a row at
a time, so an export of any size holds one chunk of it in memory, not all of it.
"""

import csv
import datetime
import re
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import BinaryIO

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
# What XML 1.0 (and so openpyxl) cannot hold, and what a spreadsheet would show as garbage.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
PASSING = (int, float, Decimal, datetime.date, datetime.datetime, datetime.time)


def cell_text(value) -> str:
    """Text for a cell: forbidden characters removed, never read as a formula."""
    text = FORBIDDEN.sub("", "" if value is None else str(value))
    return "'" + text if text.startswith(FORMULA_LEADS) else text


def cell(value):
    """A value for a cell: numbers, dates and None as they are; anything else as safe text."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, PASSING):
        return value
    return cell_text(value)


def row(values) -> list:
    """A row of cells, each made safe by `cell`: for sheet.append and csv.writer alike."""
    return [cell(value) for value in values]


# ---------------------------------------------------------------- whole files, in bounded memory
CSV_CHUNK = 64 * 1024


def csv_value(value):
    """A cell as CSV text: dates as ISO dates, times to the minute; the rest as `cell` makes it."""
    value = cell(value)
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


class _Line:
    """A file for csv.writer that hands each written line back instead of keeping it."""

    def write(self, text: str) -> str:
        return text


def csv_stream(rows: Iterable) -> Iterator[bytes]:
    """A CSV file in UTF-8 chunks (with the BOM that lets Excel read UTF-8), one row at a
    time: however many rows, only one chunk is ever held."""
    writer = csv.writer(_Line())
    chunk = ["\ufeff"]
    size = 0
    for values in rows:
        line = writer.writerow([csv_value(value) for value in values])
        chunk.append(line)
        size += len(line)
        if size >= CSV_CHUNK:
            yield "".join(chunk).encode("utf-8")
            chunk, size = [], 0
    if chunk:
        yield "".join(chunk).encode("utf-8")


def xlsx_spool(header: list, rows: Iterable, *, title: str) -> BinaryIO:
    """A one-sheet workbook in a temporary file, positioned at its start: openpyxl's
    write-only mode puts each row on disk as it comes, so memory stays flat. Datetimes
    must be naive (the caller's local time): Excel has no time zones. The file is deleted
    when closed."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=cell_text(title)[:31] or "Sheet")
    bold = Font(bold=True)
    headings = []
    for value in row(header):
        heading = WriteOnlyCell(sheet, value=value)
        heading.font = bold
        headings.append(heading)
    sheet.append(headings)
    for values in rows:
        sheet.append(row(values))
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the caller's to close (a FileResponse does)
    try:
        book.save(out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out
