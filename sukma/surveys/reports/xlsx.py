"""The laporan SKM's workbook (openpyxl): the processed data, and the anonymised raw responses.

Sheets: Ringkasan (the headline figure), Unsur (per element), Layanan (per
service), one "Profil - ..." sheet per respondent-profile field, Data mentah.
Numbers are written as numbers (Decimal -> float only at the cell; the
figures are already rounded by the IKM engine), so a spreadsheet can sum
them.

The raw sheet is anonymised: no address hash, no device token, no tracking
code, no moderation notes. Excluded responses are left out (they are not in
the figures either); the Ringkasan sheet says so and how many there were.
Citizen text is written as a plain string cell, and a text that a
spreadsheet would read as a formula (starting = + - @, or a tab or carriage
return) gets a leading apostrophe: it is shown, never evaluated.
"""

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from sukma import sheets
from sukma.surveys.method.elements import ELEMENTS
from sukma.surveys.method.rounding import share_percent
from sukma.surveys.models import ELEMENT_FIELDS, PROFILE_FIELDS, Response
from sukma.surveys.reports.selectors import PROFILE_HEADINGS_ID, ReportData, weight_id

HEAD_FONT = Font(bold=True, color="FFFFFF")
HEAD_FILL = PatternFill("solid", fgColor="0B3D6E")
RAW_BATCH = 2000


def _n(value):
    """A figure as a cell number (None stays empty)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value


def _sheet(wb, title: str, header: list[str], widths: list[int] | None = None):
    ws = wb.create_sheet(title[:31])
    ws.append(sheets.row(header))
    for cell in ws[1]:
        cell.font = HEAD_FONT
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.freeze_panes = "A2"
    for i, width in enumerate(widths or [], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    return ws


def _text_cell(ws, row: int, column: int, value) -> None:
    cell = ws.cell(row=row, column=column)
    cell.value = sheets.cell_text(value)
    cell.data_type = "s"  # a string, whatever it looks like


def _name_id(code: str) -> str:
    return next(e.name_id for e in ELEMENTS if e.code == code)


def _figure_cells(figure) -> list:
    result, sample = figure.result, figure.adequacy
    return [
        figure.responses,
        sample.target,
        _n(sample.margin_of_error),
        _n(result.ikm),
        _n(result.konversi),
        str(result.mutu) if result.mutu else None,
        result.mutu.kinerja if result.mutu else None,
    ]


FIGURE_HEADER = [
    "Responden",
    "Sampel minimal",
    "Margin kesalahan (%)",
    "IKM (1-4)",
    "IKM konversi",
    "Mutu",
    "Kinerja",
]


def raw_responses(data: ReportData):
    rows = Response.objects.filter(
        excluded=False,
        service_date__gte=data.period.starts_on,
        service_date__lte=data.period.ends_on,
    )
    if data.subject.agency_id is not None:
        rows = rows.filter(service__agency_id=data.subject.agency_id)
    if data.subject.service_id is not None:
        rows = rows.filter(service_id=data.subject.service_id)
    return rows


def excluded_count(data: ReportData) -> int:
    rows = Response.objects.filter(
        excluded=True,
        service_date__gte=data.period.starts_on,
        service_date__lte=data.period.ends_on,
    )
    if data.subject.agency_id is not None:
        rows = rows.filter(service__agency_id=data.subject.agency_id)
    if data.subject.service_id is not None:
        rows = rows.filter(service_id=data.subject.service_id)
    return rows.count()


# The raw sheet's columns: what a response says, nothing that could identify who gave it.
WITHHELD_NOTE = (
    "%d responden lainnya tidak mengisi isian ini atau berada dalam kelompok kurang dari %d "
    "responden: tidak ditampilkan untuk menjaga kerahasiaan responden."
)
RAW_FIELDS = (
    "id",
    "service_date",
    "service_session",
    "service__agency__name",
    "service__name",
    "service_point__name",
    *ELEMENT_FIELDS,
    # No profile columns (sex, age, education, occupation, disability): beside the nine
    # answers they would show a small group's answers, which the Profil sheets hide.
    "questionnaire__version",
    "suggestion",
)
RAW_HEADER = [
    "No. respons",
    "Tanggal layanan",
    "Waktu layanan",
    "Perangkat daerah",
    "Layanan",
    "Titik pelayanan",
    *[f.upper() for f in ELEMENT_FIELDS],
    "Versi kuesioner",
    "Saran/pengaduan",
]


def report_xlsx(data: ReportData, progress=lambda percent: None) -> bytes:
    wb = Workbook()
    summary = wb.active
    summary.title = "Ringkasan"
    result = data.figure.result
    excluded = excluded_count(data)
    for label, value in [
        ("Laporan Survei Kepuasan Masyarakat", None),
        ("Pemerintah daerah", str(data.regency.name)),
        ("Subjek", data.title),
        ("Periode", data.period_label),
        ("Tanggal awal", data.period.starts_on),
        ("Tanggal akhir", data.period.ends_on),
        ("Jumlah responden", data.figure.responses),
        ("Sampel minimal (Krejcie-Morgan)", data.figure.adequacy.target),
        ("Margin kesalahan 95% (%)", _n(data.figure.adequacy.margin_of_error)),
        ("IKM (1-4)", _n(result.ikm)),
        ("IKM konversi (25-100)", _n(result.konversi)),
        ("Mutu", str(result.mutu) if result.mutu else None),
        ("Kinerja", result.mutu.kinerja if result.mutu else None),
        ("Bobot", weight_id(result)),
        ("Respons dikeluarkan dari perhitungan", excluded),
        (
            "Catatan",
            "Respons yang dikeluarkan tidak dimuat di lembar Data mentah dan tidak dihitung. "
            "Data mentah dianonimkan: tanpa hash alamat, token perangkat, atau kode lacak.",
        ),
    ]:
        summary.append(sheets.row([label, value]))
    summary["A1"].font = Font(bold=True, size=13)
    summary.column_dimensions["A"].width = 38
    summary.column_dimensions["B"].width = 60
    for cell in (summary["B5"], summary["B6"]):
        cell.number_format = "DD-MM-YYYY"

    ws = _sheet(
        wb,
        "Unsur",
        [
            "Kode",
            "Unsur",
            "Jumlah nilai",
            "Penjawab",
            "NRR",
            "NRR tertimbang",
            "Konversi",
            "Mutu",
        ],
        [8, 36, 14, 12, 10, 16, 12, 8],
    )
    for e in result.elements:
        ws.append(
            sheets.row(
                [
                    e.code,
                    _name_id(e.code),
                    e.total,
                    e.count,
                    _n(e.nrr),
                    _n(e.nrr_weighted),
                    _n(e.nrr_konversi),
                    str(e.mutu) if e.mutu else None,
                ]
            )
        )
    ws.append(
        sheets.row(["IKM", "IKM unit pelayanan", None, data.figure.responses, None, _n(result.ikm)])
    )
    ws.cell(row=ws.max_row, column=7, value=_n(result.konversi))
    ws.cell(row=ws.max_row, column=8, value=str(result.mutu) if result.mutu else None)
    progress(55)

    ws = _sheet(
        wb,
        "Layanan",
        ["ID", "Perangkat daerah", "Layanan", *FIGURE_HEADER],
        [6, 36, 36, 12, 14, 14, 10, 12, 8, 14],
    )
    for service, figure in data.services:
        ws.append(
            sheets.row([service.pk, service.agency.name, service.name, *_figure_cells(figure)])
        )
    if data.agencies:
        ws = _sheet(wb, "Perangkat daerah", ["ID", "Perangkat daerah", *FIGURE_HEADER], [6, 44])
        for agency, figure in data.agencies:
            ws.append(sheets.row([agency.pk, agency.name, *_figure_cells(figure)]))

    for table in data.profiles:
        ws = _sheet(
            wb,
            f"Profil - {PROFILE_HEADINGS_ID[table.field]}",
            ["Kode", table.heading, "Jumlah", "Persen", "IKM konversi", "Mutu"],
            [10, 36, 10, 10, 14, 8],
        )
        for value, label, figure in table.rows:
            share = _n(share_percent(figure.responses, table.total, 2))
            ws.append(
                sheets.row(
                    [
                        value,
                        label,
                        figure.responses,
                        share,
                        _n(figure.result.konversi),
                        str(figure.result.mutu) if figure.result.mutu else None,
                    ]
                )
            )
        if table.withheld:
            ws.append(sheets.row([None, WITHHELD_NOTE % (table.withheld, table.min_group)]))
    progress(65)

    ws = _sheet(wb, "Data mentah", RAW_HEADER, [10, 14, 10, 30, 30, 24, *[5] * 9])
    labels = {name: dict(choices.choices) for name, choices in PROFILE_FIELDS.items()}
    suggestion_col = len(RAW_HEADER)
    rows = raw_responses(data).order_by("service_date", "id").values_list(*RAW_FIELDS)
    for values in rows.iterator(chunk_size=RAW_BATCH):
        record = dict(zip(RAW_FIELDS, values, strict=True))
        ws.append(
            sheets.row(
                [
                    record["id"],
                    record["service_date"],
                    str(labels["service_session"].get(record["service_session"], ""))
                    or record["service_session"],
                    record["service__agency__name"],
                    record["service__name"],
                    record["service_point__name"],
                    *[record[f] for f in ELEMENT_FIELDS],
                    record["questionnaire__version"],
                    None,
                ]
            )
        )
        row = ws.max_row
        ws.cell(row=row, column=2).number_format = "DD-MM-YYYY"
        _text_cell(ws, row, suggestion_col, record["suggestion"])
        for column in (4, 5, 6):
            _text_cell(ws, row, column, ws.cell(row=row, column=column).value)
    progress(85)

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
