"""A ranking as a CSV or XLSX file: the same rows and numbers as the page.

Numbers are written as numbers; every text goes through sukma/sheets.py, so a
name typed by a regency can never run as a formula in the province's
spreadsheet, nor a stray control character break the file.
"""

import csv
import io
from decimal import Decimal

from django.utils.translation import gettext as _

from sukma import sheets
from sukma.platform.rankings.ranking import Ranking


def _number(value):
    return None if value in (None, "") else Decimal(value)


def columns(ranking: Ranking) -> list[tuple[str, str, str]]:
    """(key, heading, type) of the file's columns; type is text, int or decimal."""
    cols = [("rank", _("Rank"), "int")]
    if ranking.level != "regency":
        cols.append(("standard_name", _("Standard"), "text"))
    cols.append(("regency_name", _("Regency or city"), "text"))
    if ranking.level in ("agency", "service"):
        cols.append(("agency_name", _("Agency"), "text"))
    if ranking.level == "service":
        cols.append(("service_name", _("Service"), "text"))
    cols += [
        ("ikm", _("IKM (1-4)"), "decimal"),
        ("konversi", _("IKM (25-100)"), "decimal"),
        ("mutu", _("Grade"), "text"),
        ("responses", _("Responses"), "int"),
        ("target", _("Sample target"), "int"),
        ("margin_of_error", _("Margin of error (%)"), "decimal"),
        ("previous_konversi", _("Previous period"), "decimal"),
        ("change", _("Change"), "decimal"),
        ("reason", _("Note"), "text"),
    ]
    return cols


def _values(ranking: Ranking):
    cols = columns(ranking)
    for row in ranking.rows_for_display():
        values = []
        for key, _heading, kind in cols:
            value = row.get(key)
            if kind == "decimal":
                values.append(_number(value))
            elif kind == "int":
                values.append(value)
            else:
                values.append(sheets.cell_text(value))
        yield values


def title(ranking: Ranking) -> str:
    return f"{ranking.level} {ranking.period.key}" + (f" {ranking.code}" if ranking.code else "")


def filename(ranking: Ranking, extension: str) -> str:
    parts = ["peringkat", ranking.level, ranking.period.key.replace(":", "-")]
    if ranking.code:
        parts.append(ranking.code)
    return "_".join(parts) + "." + extension


def ranking_csv(ranking: Ranking) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(sheets.row(heading for _key, heading, _kind in columns(ranking)))
    for values in _values(ranking):
        writer.writerow(["" if v is None else v for v in sheets.row(values)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM lets Excel read UTF-8


def ranking_xlsx(ranking: Ranking) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Ranking")[:31]
    sheet.append(sheets.row(heading for _key, heading, _kind in columns(ranking)))
    for values in _values(ranking):
        sheet.append(sheets.row(values))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
