"""sukma/sheets.py: any text, however it was typed, makes a cell that is text and never breaks."""

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from sukma import sheets

# Arbitrary Unicode, with what spreadsheets and XML choke on made likely.
NASTY = st.text(
    alphabet=st.one_of(
        st.characters(codec=None),
        st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\n", "\x00", "\x0b", "\ud800", "\uffff"]),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(NASTY)
def test_any_text_is_a_text_cell_in_a_workbook_and_reads_back_the_same(text):
    value = sheets.cell_text(text)
    assert not sheets.FORBIDDEN.search(value)
    assert not value.startswith(sheets.FORMULA_LEADS)
    book = Workbook()
    book.active.append(sheets.row([text, 1]))
    out = io.BytesIO()
    book.save(out)
    cell = load_workbook(io.BytesIO(out.getvalue())).active["A1"]
    assert cell.data_type == "s" or cell.value is None
    assert (cell.value or "") == value.replace("\r\n", "\n").replace("\r", "\n") or (
        cell.value or ""
    ) == value


@settings(max_examples=300, deadline=None)
@given(st.lists(NASTY, min_size=1, max_size=5))
def test_any_row_survives_a_csv_round_trip_as_text(texts):
    out = io.StringIO()
    csv.writer(out).writerow(sheets.row(texts))
    back = next(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert back == [sheets.cell_text(t) for t in texts]
    assert not any(v.startswith(sheets.FORMULA_LEADS) for v in back)


def test_numbers_dates_and_empty_cells_pass_unchanged():
    import datetime
    from decimal import Decimal

    day = datetime.date(2026, 12, 5)
    assert sheets.row([1, 2.5, Decimal("3.10"), day, None, True]) == [
        1,
        2.5,
        Decimal("3.10"),
        day,
        None,
        True,
    ]
    assert sheets.cell_text(None) == ""
    assert sheets.cell("-5") == "'-5"  # text that looks like a number stays text, guarded
