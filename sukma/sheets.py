"""Every cell the product writes into a spreadsheet or a CSV goes through here.

Two dangers in text that came from people (a citizen's suggestion, an agency's
name typed in setup): a leading `=`, `+`, `-`, `@`, tab or carriage return
makes Excel and LibreOffice read the cell as a formula (CSV/formula
injection), so such text is prefixed with an apostrophe, which both show as
plain text; and characters that XML 1.0 forbids (the C0 controls other than
tab, line feed and carriage return, lone surrogates, U+FFFE and U+FFFF) make
openpyxl refuse the whole workbook, so they are removed. Numbers, dates and
empty cells pass unchanged. Nothing here raises, whatever the text.
"""

import datetime
import re
from decimal import Decimal

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
