"""The raw sheet: anonymised, excluded responses left out, citizen text never a formula."""

from sukma.surveys.dashboard.moderation import response_exclude
from sukma.surveys.models import Response
from sukma.surveys.reports.xlsx import RAW_HEADER, report_xlsx
from tests.reports.helpers import data_for, workbook


def raw_rows(wb):
    sheet = wb["Data mentah"]
    header = [cell.value for cell in sheet[1]]
    return header, [
        dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)
    ]


def test_raw_sheet_has_no_hashes_tokens_or_tracking_codes(personas, surveyed):
    agency, *_rest, responses, year = surveyed
    body = report_xlsx(data_for(personas.tulungagung, "agency", agency.pk, year))
    wb = workbook(body)
    header, rows = raw_rows(wb)

    assert header == RAW_HEADER
    lowered = " ".join(h.lower() for h in header)
    for word in ("hash", "token", "device", "perangkat", "alamat ip", "lacak", "tracking"):
        assert word not in lowered.replace("perangkat daerah", "")
    secrets = set()
    for response in responses:
        response.refresh_from_db()
        secrets |= {response.device_hash, response.address_hash, response.tracking_code or ""}
    secrets.discard("")
    cells = {str(v) for sheet in wb for row in sheet.iter_rows(values_only=True) for v in row}
    assert not secrets & cells
    assert len(rows) == len(responses)
    assert [r["U1"] for r in rows[:2]] == [4, 3]  # answers as numbers


def test_excluded_responses_are_left_out_and_counted_on_the_summary(personas, surveyed):
    agency, *_rest, responses, year = surveyed
    response_exclude(
        acting_user=personas.tulungagung_admin,
        regency=personas.tulungagung,
        response_id=responses[0].pk,
        reason="Uji coba petugas",
    )
    wb = workbook(report_xlsx(data_for(personas.tulungagung, "agency", agency.pk, year)))
    _header, rows = raw_rows(wb)
    assert responses[0].pk not in {r["No. respons"] for r in rows}
    assert len(rows) == len(responses) - 1
    summary = {row[0]: row[1] for row in wb["Ringkasan"].iter_rows(values_only=True)}
    assert summary["Respons dikeluarkan dari perhitungan"] == 1
    assert summary["Jumlah responden"] == len(responses) - 1


def test_suggestions_that_look_like_formulas_stay_text(personas, surveyed):
    agency, *_rest, year = surveyed
    wb = workbook(report_xlsx(data_for(personas.tulungagung, "agency", agency.pk, year)))
    sheet = wb["Data mentah"]
    column = RAW_HEADER.index("Saran/pengaduan") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, sheet.max_row + 1)]
    texts = [c.value for c in cells if c.value]
    assert "'=1+2" in texts
    assert "'@SUM(A1)" in texts
    assert "'-cmd|' /C calc'!A0" in texts
    assert "Bagus" in texts
    assert all(c.data_type == "s" for c in cells if c.value)
    assert not any(str(t).startswith(("=", "+", "-", "@")) for t in texts)


def test_a_control_character_in_a_suggestion_or_a_formula_name_breaks_nothing(personas, surveyed):
    """One citizen's text once stopped every report that held it (openpyxl refused it)."""
    agency, ktp, *_rest, responses, year = surveyed
    Response.objects.filter(pk=responses[0].pk).update(suggestion="a\u000bb\u001fc")
    agency.name = '=HYPERLINK("http://x.example";"klik")'
    agency.save(update_fields=["name"])
    ktp.name = "+Layanan\u0007KTP"
    ktp.save(update_fields=["name"])
    wb = workbook(report_xlsx(data_for(personas.tulungagung, "agency", agency.pk, year)))
    _header, rows = raw_rows(wb)
    assert "abc" in {r["Saran/pengaduan"] for r in rows}
    layanan = [row for row in wb["Layanan"].iter_rows(min_row=2, values_only=True)]
    assert ('\'=HYPERLINK("http://x.example";"klik")', "'+LayananKTP") in {
        (row[1], row[2]) for row in layanan
    }
    for sheet in wb:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
