"""The laporan as a Bagian Organisasi files it, read back with poppler (pdftotext, pdftoppm).

Issue 19 measured: the weight in the conclusion disagreed with the dashboard
(1/9 against 1/8) when an element went unanswered; an English word in the
text; one file name for every regency; no foreword, coat of arms or NIP;
pages of empty RTL tables; no provisional mark; &quot; in the page header.
"""

import datetime
import re

import pytest
from django.db import connection

from sukma.surveys.followup.models import FollowUpItem, FollowUpPlan
from sukma.surveys.models import Agency, Period, PeriodKind, Service, ServicePoint, SurveySettings
from sukma.surveys.reports import services
from sukma.surveys.reports.models import ReportSettings
from sukma.surveys.reports.pdf import report_pdf
from sukma.surveys.reports.selectors import data_fingerprint, subject_for
from sukma.surveys.reports.xlsx import report_xlsx
from sukma.surveys.structure.services import period_lock
from tests.api.conftest import api_client
from tests.conftest import TULUNGAGUNG_HOST, host_client
from tests.reports.conftest import answers, moment
from tests.reports.helpers import (
    data_for,
    pdf_images,
    pdf_page_count,
    pdf_pages,
    pdf_png_pages,
    workbook,
)
from tests.reports.test_report_settings import png_bytes
from tests.surveys.conftest import submit

NIP = "198001012005011001"


def flat(pages: list[str]) -> str:
    return " ".join(" ".join(pages).split())


def between(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


@pytest.fixture
def free_service(dukcapil, year_2026):
    """Dukcapil's responses with U4 (fee) unanswered by everyone: eight elements are graded."""
    agency, _ktp, _kk, point = dukcapil
    for month, values in ((2, (4, 3, 3, None, 4, 4, 4, 3, 4)), (3, (3, 3, 2, None, 3, 3, 4, 3, 3))):
        submit(point, answers(*values), now=moment(month, 4))
    return agency, year_2026


@pytest.mark.parametrize("policy", ["exact", "legacy_0_11"])
def test_the_weight_sentence_is_the_dashboards_when_an_element_is_unanswered(
    personas, free_service, policy
):
    agency, year = free_service
    SurveySettings.objects.update_or_create(pk=1, defaults={"weight_policy": policy})
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    html = client.get(f"/dasbor/opd/{agency.pk}/?periode={year.pk}").content.decode()
    shown = re.search(r'id="policy">.*?<strong>([^<]+)</strong>', html, re.S).group(1)
    weight = shown.split(" (")[0]
    if policy == "exact":
        assert weight == "1/8"

    text = flat(pdf_pages(report_pdf(data_for(personas.tulungagung, "agency", agency.pk, year))))
    conclusion = between(text, "BAB V", "LAMPIRAN 1")
    assert f"{weight} per unsur" in conclusion
    assert "8 dari 9 unsur" in conclusion
    assert "1/9" not in conclusion and "0,11 per unsur" not in conclusion


def test_the_text_is_indonesian_with_no_policy_code(personas, free_service):
    agency, year = free_service
    text = flat(pdf_pages(report_pdf(data_for(personas.tulungagung, "agency", agency.pk, year))))
    for english in ("exact", "legacy", "policy", "weight"):
        assert not re.search(rf"\b{english}", text, re.I), english


def test_every_page_of_an_open_periods_report_is_marked_provisional(personas, surveyed):
    agency, *_rest, year = surveyed
    pages = pdf_pages(report_pdf(data_for(personas.tulungagung, "agency", agency.pk, year)))
    assert len(pages) > 5
    assert all("SEMENTARA" in page for page in pages)


def test_a_locked_periods_report_is_not_marked_provisional(personas, surveyed):
    agency, *_rest, _year = surveyed
    year_2025 = Period.objects.create(
        kind=PeriodKind.YEAR,
        year=2025,
        number=1,
        starts_on=datetime.date(2025, 1, 1),
        ends_on=datetime.date(2025, 12, 31),
    )
    period_lock(
        acting_user=personas.tulungagung_admin, period=year_2025, today=datetime.date(2026, 1, 5)
    )
    year_2025.refresh_from_db()
    pages = pdf_pages(report_pdf(data_for(personas.tulungagung, "agency", agency.pk, year_2025)))
    assert not any("SEMENTARA" in page for page in pages)


@pytest.mark.parametrize(
    "name",
    ['Dinas "Kominfo" & Statistik', 'Badan <Keuangan> & "Aset"; } @page { content: "x"'],
)
def test_quotes_and_ampersands_print_as_they_are_in_the_page_header(
    personas, in_tulungagung, year_2026, name
):
    agency = Agency.objects.create(name=name, kind="dinas")
    service = Service.objects.create(agency=agency, name='Izin & "rekomendasi"')
    point = ServicePoint.objects.create(
        agency=agency, name="Loket", code="TH4D3R5Q", default_service=service
    )
    submit(point, answers(4, 3, 3, 4, 3, 4, 4, 3, 4), now=moment(2, 2))
    pages = pdf_pages(report_pdf(data_for(personas.tulungagung, "agency", agency.pk, year_2026)))
    headed = [page for page in pages[1:] if page.lstrip().startswith("SEMENTARA")]
    assert len(headed) == len(pages) - 1
    for page in pages[2:]:
        assert f"Laporan SKM · {name}"[:40] in " ".join(page.split())
    text = "".join(pages)
    assert "&quot;" not in text and "&amp;" not in text and "&lt;" not in text


def test_the_regency_name_with_a_quote_prints_as_it_is(personas, surveyed):
    _agency, *_rest, year = surveyed
    renamed = type(personas.tulungagung).objects.get(pk=personas.tulungagung.pk)
    renamed.name = 'Kabupaten "Tulungagung" & Sekitarnya'
    connection.set_tenant(personas.tulungagung)
    pages = pdf_pages(report_pdf(data_for(renamed, "regency", 0, year)))
    header = " ".join(pages[3].split())
    assert 'Laporan SKM · Kabupaten "Tulungagung" & Sekitarnya' in header


# ---------------------------------------------------------------- foreword, arms, signatory
def test_the_foreword_has_a_good_default_and_the_signatory_is_printed(personas, surveyed):
    _agency, *_rest, year = surveyed
    services.report_settings_update(
        acting_user=personas.tulungagung_admin,
        signatory_name="Drs. Bambang Sutrisno, M.Si.",
        signatory_position="Kepala Bagian Organisasi",
        signatory_nip="19800101 200501 1 001",
        foreword="",
    )
    pages = pdf_pages(report_pdf(data_for(personas.tulungagung, "regency", 0, year)))
    foreword = " ".join(pages[1].split())
    assert foreword.startswith("SEMENTARA") and "KATA PENGANTAR" in foreword
    assert "Puji syukur" in foreword and "Tahun 2026" in foreword
    assert "Drs. Bambang Sutrisno, M.Si." in foreword
    assert "NIP. 19800101 200501 1 001" in foreword
    conclusion = between(flat(pages), "BAB V", "LAMPIRAN 1")
    assert "Kepala Bagian Organisasi" in conclusion
    assert "NIP. 19800101 200501 1 001" in conclusion
    assert "Drs. Bambang Sutrisno, M.Si." in conclusion


def test_a_written_foreword_replaces_the_default(personas, surveyed):
    _agency, *_rest, year = surveyed
    services.report_settings_update(
        acting_user=personas.tulungagung_admin,
        signatory_name="",
        signatory_position="",
        signatory_nip="",
        foreword="Laporan {subjek} untuk {periode} disusun oleh tim kami.\n\nParagraf kedua.",
    )
    pages = pdf_pages(report_pdf(data_for(personas.tulungagung, "regency", 0, year)))
    foreword = " ".join(pages[1].split())
    assert "Laporan Kabupaten Tulungagung untuk Tahun 2026 disusun oleh tim kami." in foreword
    assert "Paragraf kedua." in foreword and "Puji syukur" not in foreword


def test_the_coat_of_arms_is_on_the_cover(personas, surveyed):
    _agency, *_rest, year = surveyed
    without = report_pdf(data_for(personas.tulungagung, "regency", 0, year))
    assert 1 not in pdf_images(without)
    services.report_coat_of_arms_set(
        acting_user=personas.tulungagung_admin, data=png_bytes((200, 240))
    )
    assert ReportSettings.current().coat_of_arms
    with_arms = report_pdf(data_for(personas.tulungagung, "regency", 0, year))
    assert 1 in pdf_images(with_arms)


# ---------------------------------------------------------------- nothing to say, one line
def test_sections_with_nothing_to_say_take_one_line(personas, surveyed):
    agency, *_rest, year = surveyed
    year_2025 = Period.objects.create(
        kind=PeriodKind.YEAR,
        year=2025,
        number=1,
        starts_on=datetime.date(2025, 1, 1),
        ends_on=datetime.date(2025, 12, 31),
        locked=True,
    )
    names = [f"Dinas Uji {letter}" for letter in "ABCDE"]
    for name in names:
        other = Agency.objects.create(name=name, kind="dinas")
        for period in (year_2025, year):
            made = FollowUpPlan.objects.create(agency=other, period=period, status="draft")
            FollowUpItem.objects.create(
                plan=made, element_code="U3", element_name="Waktu", position=1, acts_on=False
            )
    text = flat(pdf_pages(report_pdf(data_for(personas.tulungagung, "regency", 0, year))))
    assert text.count("Tidak ada unsur yang ditindaklanjuti") == 1
    assert text.count("belum ada unsur yang ditetapkan untuk ditindaklanjuti") == 1
    realised = between(text, "4.4 Realisasi RTL", "BAB V")
    assert all(name in realised for name in names)
    # Profile fields nobody filled in are named in one sentence, not one empty table each.
    assert text.count("Tidak ada data.") == 0
    assert agency.name in text


# ---------------------------------------------------------------- file names
@pytest.mark.parametrize(
    ("scope", "fmt", "expected"),
    [
        ("regency", "pdf", "laporan-skm-tulungagungkab-2026.pdf"),
        ("regency", "xlsx", "laporan-skm-tulungagungkab-2026.xlsx"),
        ("agency", "pdf", "laporan-skm-tulungagungkab-dukcapil-2026.pdf"),
    ],
)
def test_the_download_is_named_after_the_subdomain_and_the_period(
    personas, surveyed, monkeypatch, scope, fmt, expected
):
    agency, *_rest, year = surveyed
    monkeypatch.setattr(services, "_dispatch", lambda report_id, schema: None)
    report, _created = services.report_request(
        acting_user=personas.tulungagung_admin,
        scope=scope,
        scope_id=agency.pk if scope == "agency" else 0,
        period=year,
        fmt=fmt,
    )
    services.report_generate(report_id=report.pk, regency=personas.tulungagung)
    client = host_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    download = client.get(f"/laporan/{report.pk}/unduh/")
    assert download["Content-Disposition"] == f'attachment; filename="{expected}"'
    api = api_client(TULUNGAGUNG_HOST, personas.tulungagung_admin)
    answer = api.get(f"/api/v1/reports/{report.pk}/download/")
    assert answer["Content-Disposition"] == f'attachment; filename="{expected}"'


# ---------------------------------------------------------------- rendered pages
def test_the_report_renders_to_png_pages_and_the_first_is_not_blank(personas, surveyed):
    _agency, *_rest, year = surveyed
    body = report_pdf(data_for(personas.tulungagung, "regency", 0, year))
    images = pdf_png_pages(body)
    assert len(images) == pdf_page_count(body) == len(pdf_pages(body)) >= 8
    cover = images[0]
    inked = sum(count for level, count in enumerate(cover.histogram()) if level < 200)
    assert inked > cover.width * cover.height * 0.01  # text, the score box: not a blank page
    assert all(image.getextrema()[0] < 128 for image in images)  # every page has dark text


def test_the_workbook_names_the_same_weight_in_indonesian(personas, free_service):
    agency, year = free_service
    wb = workbook(report_xlsx(data_for(personas.tulungagung, "agency", agency.pk, year)))
    summary = {row[0]: row[1] for row in wb["Ringkasan"].iter_rows(values_only=True)}
    assert summary["Bobot"] == "1/8 per unsur (bobot sama)"


def test_changed_settings_make_a_new_file(personas, surveyed):
    agency, *_rest, year = surveyed
    subject = subject_for("agency", agency.pk)
    before = data_fingerprint(subject, year)
    services.report_settings_update(
        acting_user=personas.tulungagung_admin,
        signatory_name="Dra. Sri Wahyuni",
        signatory_position="",
        signatory_nip=NIP,
        foreword="",
    )
    assert data_fingerprint(subject, year) != before
