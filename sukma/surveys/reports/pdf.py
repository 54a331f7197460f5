"""The laporan SKM as an A4 PDF (WeasyPrint), in Bahasa Indonesia whatever the reader's language.

The structure is the one in common use (see /work/shared/SKM.md): a cover;
BAB I Pendahuluan; BAB II Pengumpulan Data; BAB III Hasil Pengolahan Data;
BAB IV Analisis; BAB V Kesimpulan; lampiran (kuesioner, hasil olahan data).
Every number is the selectors' (the totals and the IKM engine), printed in
the Indonesian format (75,00). Charts are the dashboards' server-side SVG.
Like the posters, WeasyPrint gets a URL fetcher that allows only inline
data and lays the text out in DejaVu Sans: the PDF never touches the network.

What a Bagian Organisasi files: the regency's coat of arms on the cover, a
foreword (Kata Pengantar) and the signatory with the NIP (report settings);
"SEMENTARA" on every page while the period is not locked; the weight each
element got, the dashboard's own figure; a section with nothing to say is one
line. The page header is a CSS string, so the subject's name is escaped for
CSS there (an HTML entity would print as it is, a quote would end the string).
"""

import re

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from sukma.surveys.dashboard import charts
from sukma.surveys.method.elements import ELEMENTS
from sukma.surveys.method.ikm import WeightPolicy
from sukma.surveys.method.rounding import share_percent
from sukma.surveys.models import QuestionKind
from sukma.surveys.reports.selectors import (
    ReportData,
    coat_of_arms_uri,
    date_id,
    foreword_paragraphs,
    number_id,
    period_label_id,
    weight_id,
)

SCOPE_WORDS = {"regency": "Pemerintah Daerah", "agency": "Perangkat Daerah", "service": "Layanan"}
POLICY_NOTE_ID = {
    WeightPolicy.EXACT: "bobot yang sama untuk setiap unsur yang dinilai",
    WeightPolicy.LEGACY_0_11: (
        "bobot lama 0,11 sebagaimana tercetak dalam PermenPANRB 14/2017, dipakai untuk "
        "rekonsiliasi dengan data lama; jumlah bobotnya dibagi rata ke unsur yang dinilai"
    ),
    WeightPolicy.LEGACY_0_111: (
        "bobot lama 0,111, dipakai untuk rekonsiliasi dengan data lama; jumlah bobotnya "
        "dibagi rata ke unsur yang dinilai"
    ),
}
KINERJA_BANDS = (
    ("A", "Sangat baik", "88,31 – 100,00", "3,5324 – 4,00"),
    ("B", "Baik", "76,61 – 88,30", "3,0644 – 3,5323"),
    ("C", "Kurang baik", "65,00 – 76,60", "2,60 – 3,0643"),
    ("D", "Tidak baik", "25,00 – 64,99", "1,00 – 2,5996"),
)
_BRIEF = re.compile(r'<text class="brief"[^>]*>.*?</text>', re.S)


def _pdf_svg(svg: str) -> str:
    """The dashboard chart for print: only the full element names (no CSS to pick one)."""
    return mark_safe(_BRIEF.sub("", str(svg)))


def css_string(text: str) -> str:
    """A CSS string literal of any text: every character but letters, digits and spaces escaped.

    Each escape ends with a space, which CSS consumes as its terminator.
    """
    escaped = "".join(
        c if (c.isascii() and c.isalnum()) or c == " " else f"\\{ord(c):x} " for c in text
    )
    return mark_safe(f'"{escaped}"')


def _signatory(data: ReportData) -> dict:
    """Who signs: the regency's signatory; an agency's report, the agency's head (by hand)."""
    settings = data.settings
    if data.subject.agency is not None:
        return {"position": f"Kepala {data.subject.agency.name}", "name": "", "nip": ""}
    return {
        "position": settings.signatory_position
        or f"Kepala Bagian Organisasi Sekretariat Daerah {data.regency.name}",
        "name": settings.signatory_name,
        "nip": settings.nip_printed,
    }


def _split_plans(plans) -> tuple[list, list[str]]:
    """Plans with elements acted on (printed as tables), and the names of those without."""
    acted = [plan for plan in plans if plan.acted]
    return acted, [f"{plan.agency} ({plan.status.lower()})" for plan in plans if not plan.acted]


def _num(value, places=2):
    return number_id(value, places)


def _figure_row(name: str, figure, **extra) -> dict:
    result, sample = figure.result, figure.adequacy
    return {
        "name": name,
        "responses": _num(figure.responses, 0),
        "target": _num(sample.target, 0),
        "margin": _num(sample.margin_of_error),
        "short": sample.short,
        "ikm": _num(result.ikm, 4),
        "konversi": _num(result.konversi),
        "mutu": result.mutu or "–",
        "kinerja": result.mutu.kinerja if result.mutu else "Belum ada responden",
        **extra,
    }


def _element_rows(result) -> list[dict]:
    return [
        {
            "code": e.code,
            "name": next(x.name_id for x in ELEMENTS if x.code == e.code),
            "total": _num(e.total, 0),
            "count": _num(e.count, 0),
            "nrr": _num(e.nrr, 4),
            "weighted": _num(e.nrr_weighted, 4),
            "konversi": _num(e.nrr_konversi),
            "mutu": e.mutu or "–",
            "kinerja": e.mutu.kinerja if e.mutu else "Tidak dinilai",
        }
        for e in result.elements
    ]


def _questionnaire(data: ReportData) -> dict:
    extras = []
    if data.questionnaire is not None:
        for q in data.questionnaire.questions.all():
            if q.kind == QuestionKind.ELEMENT:
                continue
            if q.kind == QuestionKind.SCALE:
                answers = "Skala 1 – 5"
            elif q.kind == QuestionKind.TEXT:
                answers = "Isian bebas"
            else:
                choices = q.choices or []
                labels = choices[0] if choices and isinstance(choices[0], list) else choices
                answers = " / ".join(str(c) for c in labels)
            extras.append({"text": q.text_id, "answers": answers, "required": q.required})
    return {
        "version": data.questionnaire.version if data.questionnaire else None,
        "elements": [
            {"code": e.code, "name": e.name_id, "question": e.question_id, "answers": e.answers_id}
            for e in ELEMENTS
        ],
        "extras": extras,
    }


def report_context(data: ReportData) -> dict:
    result, sample = data.figure.result, data.figure.adequacy
    lowest = list(result.lowest_first())
    policy = WeightPolicy(str(result.policy))
    subject = data.subject
    plans, plans_unacted = _split_plans(data.plans)
    previous, previous_unacted = _split_plans(data.previous)
    profiles = [t for t in data.profiles if t.rows]
    header = f"Laporan SKM · {Truncator(data.title).chars(70)} · {data.period_label}"
    return {
        "d": data,
        "provisional": not data.period.locked,
        "header_css": css_string(header),
        "provisional_css": css_string("SEMENTARA"),
        "arms": coat_of_arms_uri(data.settings),
        "foreword": foreword_paragraphs(data.settings, data.title, data.period_label),
        "signatory": _signatory(data),
        "regency": data.regency,
        "title": data.title,
        "scope_word": SCOPE_WORDS[subject.scope],
        "period_label": data.period_label,
        "starts_on": date_id(data.period.starts_on),
        "ends_on": date_id(data.period.ends_on),
        "generated_on": date_id(data.generated_on) if data.generated_on else "",
        "year": data.period.year,
        "headline": _figure_row(data.title, data.figure),
        "complete": result.complete,
        "missing": ", ".join(result.missing_elements),
        "answered": len(result.answered_elements),
        "element_total": len(result.elements),
        "weight": weight_id(result),
        "policy_note": POLICY_NOTE_ID[policy],
        "sample": {
            "responses": _num(sample.responses, 0),
            "population": _num(sample.population, 0) if sample.population_known else None,
            "target": _num(sample.target, 0),
            "margin": _num(sample.margin_of_error),
            "short": sample.short,
            "shortfall": _num(sample.shortfall, 0),
        },
        "elements": _element_rows(result),
        "lowest": [
            {
                "code": e.code,
                "name": next(x.name_id for x in ELEMENTS if x.code == e.code),
                "konversi": _num(e.nrr_konversi),
                "mutu": e.mutu,
                "kinerja": e.mutu.kinerja if e.mutu else "",
            }
            for e in lowest[:3]
        ],
        "highest": [
            {
                "code": e.code,
                "name": next(x.name_id for x in ELEMENTS if x.code == e.code),
                "konversi": _num(e.nrr_konversi),
            }
            for e in reversed(lowest[-2:])
        ]
        if len(lowest) > 3
        else [],
        "services": [
            _figure_row(s.name, f, agency=s.agency.short_name or s.agency.name)
            for s, f in data.services
        ],
        "agencies": [_figure_row(a.name, f) for a, f in data.agencies],
        "profiles": [
            {
                "heading": t.heading,
                "rows": [
                    {
                        "label": label,
                        "n": _num(f.responses, 0),
                        "share": _num(share_percent(f.responses, t.total, 1), 1),
                        "konversi": _num(f.result.konversi),
                        "mutu": f.result.mutu or "–",
                    }
                    for _v, label, f in t.rows
                ],
                "total": _num(t.total, 0),
                "withheld": _num(t.withheld, 0) if t.withheld else "",
                "min_group": t.min_group,
            }
            for t in profiles
        ],
        "profiles_empty": [t.heading for t in data.profiles if not t.rows],
        "points": data.points,
        "trend": [
            {
                "label": period_label_id(p),
                "responses": _num(f.responses, 0),
                "konversi": _num(f.result.konversi),
                "mutu": f.result.mutu or "–",
                "current": p.pk == data.period.pk,
            }
            for p, f in data.trend
        ],
        "element_chart": _pdf_svg(charts.element_bars(result)) if result.mutu else "",
        "month_chart": _pdf_svg(charts.trend_columns(data.months))
        if len(data.months) > 1 and result.mutu
        else "",
        "plans": plans,
        "plans_unacted": plans_unacted,
        "previous": previous,
        "previous_unacted": previous_unacted,
        "previous_label": period_label_id(data.previous_period) if data.previous_period else "",
        "kinerja_bands": KINERJA_BANDS,
        "questionnaire": _questionnaire(data),
    }


def report_html(data: ReportData) -> str:
    with translation.override("id"):
        return render_to_string("reports/laporan.html", report_context(data))


def report_pdf(data: ReportData) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = report_html(data)
    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    return HTML(string=html, url_fetcher=fetcher).write_pdf()
