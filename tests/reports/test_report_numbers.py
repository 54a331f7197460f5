"""The PDF's and the workbook's numbers, read back, are the index module's (the selectors')."""

from decimal import Decimal

import pytest

from sukma.surveys import selectors
from sukma.surveys.breakdowns import breakdown
from sukma.surveys.reports.pdf import report_pdf
from sukma.surveys.reports.xlsx import report_xlsx
from tests.reports.helpers import data_for, indonesian, pdf_text, pdf_value, workbook


@pytest.mark.parametrize("scope", ["regency", "agency", "service"])
def test_pdf_numbers_equal_the_selectors(personas, surveyed, scope):
    agency, ktp, _kk, _point, _responses, year = surveyed
    scope_id = {"regency": 0, "agency": agency.pk, "service": ktp.pk}[scope]
    figure = {
        "regency": lambda: selectors.regency_figure(year),
        "agency": lambda: selectors.agency_figure(year, agency),
        "service": lambda: selectors.service_figure(year, ktp),
    }[scope]()

    text = pdf_text(report_pdf(data_for(personas.tulungagung, scope, scope_id, year)))

    assert int(pdf_value(text, "Jumlah responden")) == figure.responses
    assert indonesian(pdf_value(text, "IKM konversi")) == figure.result.konversi
    assert indonesian(pdf_value(text, "IKM (1–4)")) == figure.result.ikm
    assert pdf_value(text, "Mutu pelayanan") == str(figure.result.mutu)
    assert int(pdf_value(text, "Sampel minimal (Krejcie–Morgan)")) == figure.adequacy.target
    assert indonesian(pdf_value(text, "Margin kesalahan (95%)")) == figure.adequacy.margin_of_error
    for element in figure.result.elements:
        assert indonesian(pdf_value(text, f"Konversi {element.code}")) == element.nrr_konversi
    # The BAB III table prints the same: each element row ends with its konversi and grade.
    for element in figure.result.elements:
        konversi = f"{element.nrr_konversi}".replace(".", ",")
        assert f"{konversi} {element.mutu}" in text


def test_pdf_is_in_indonesian_with_the_chapters_of_skm_md(personas, surveyed):
    agency, *_rest, year = surveyed
    text = pdf_text(report_pdf(data_for(personas.tulungagung, "agency", agency.pk, year)))
    text = " ".join(text.split())
    for heading in (
        "SURVEI KEPUASAN MASYARAKAT",
        "BAB I",
        "Dasar Hukum",
        "Nomor 14 Tahun 2017",
        "BAB II",
        "Jumlah Responden dan Kecukupan Sampel",
        "BAB III",
        "Profil Responden",
        "IKM per Unsur Pelayanan",
        "BAB IV",
        "Unsur dengan Nilai Terendah",
        "Rencana Tindak Lanjut",
        "Tren IKM",
        "Realisasi RTL Periode Sebelumnya",
        "BAB V",
        "KUESIONER",
        "HASIL OLAHAN DATA",
        "Halaman 2 dari",
    ):
        assert heading in text, heading
    assert "Loket 1" in text  # lokasi: the service points


def test_xlsx_numbers_equal_the_selectors(personas, surveyed):
    agency, _ktp, _kk, _point, _responses, year = surveyed
    figure = selectors.agency_figure(year, agency)

    wb = workbook(report_xlsx(data_for(personas.tulungagung, "agency", agency.pk, year)))

    elements = {row[0]: row for row in wb["Unsur"].iter_rows(min_row=2, values_only=True)}
    for element in figure.result.elements:
        _code, _name, total, count, nrr, weighted, konversi, mutu = elements[element.code]
        assert (total, count) == (element.total, element.count)
        assert isinstance(konversi, int | float)  # numbers as numbers, not text
        assert Decimal(str(konversi)) == element.nrr_konversi
        assert Decimal(str(nrr)) == element.nrr
        assert Decimal(str(weighted)) == element.nrr_weighted
        assert mutu == str(element.mutu)
    overall = elements["IKM"]
    assert overall[3] == figure.responses
    assert Decimal(str(overall[5])) == figure.result.ikm
    assert Decimal(str(overall[6])) == figure.result.konversi

    services = {row[2]: row for row in wb["Layanan"].iter_rows(min_row=2, values_only=True)}
    for service, service_figure in selectors.service_figures(year, agency_id=agency.pk):
        row = services[service.name]
        assert row[3] == service_figure.responses
        assert Decimal(str(row[7])) == service_figure.result.konversi

    sex = {
        row[0]: row for row in wb["Profil - Jenis kelamin"].iter_rows(min_row=2, values_only=True)
    }
    for row in breakdown(year, "sex", agency_id=agency.pk).rows:
        assert sex[row.value][2] == row.figure.responses
        assert Decimal(str(sex[row.value][4])) == row.figure.result.konversi
