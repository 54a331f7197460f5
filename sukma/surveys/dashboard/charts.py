"""Charts as inline SVG, drawn on the server: no JavaScript, no library, no CDN.

Horizontal positions are percentages of the chart's width and text has a
fixed size, so a chart fills a desktop card and a 360 px phone alike
without shrinking its labels. Colours follow the grade (A green, B blue,
C amber, D red, each readable as text on white), the scale is the konversi's
own 25-100 with the grade bounds (65,00 / 76,61 / 88,31) drawn as guides.
Each chart carries a <title> and the pages put the same numbers in a table
beside it, for screen readers and for anyone who wants the exact figure.
"""

from collections.abc import Sequence
from decimal import Decimal

from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from sukma.surveys.dashboard.selectors import MonthFigure
from sukma.surveys.method.ikm import IkmResult, Mutu
from sukma.surveys.templatetags.figures import element_name_text, number

GRADE_COLOURS = {
    Mutu.A: "#1f7a3a",
    Mutu.B: "#0b5fa5",
    Mutu.C: "#9a5b00",  # amber dark enough for text: 5.4:1 on white (the old #c27803 had 3.5:1)
    Mutu.D: "#b42318",
}
EMPTY_COLOUR = "#c3cad3"
TRACK_COLOUR = "#eef1f5"
GUIDE_COLOUR = "#8a94a3"
INK = "#1b2430"
MUTED = "#5b6675"
BOUNDS = ((Mutu.C, Decimal("65.00")), (Mutu.B, Decimal("76.61")), (Mutu.A, Decimal("88.31")))


def colour(mutu: Mutu | None) -> str:
    return GRADE_COLOURS.get(mutu, EMPTY_COLOUR) if mutu else EMPTY_COLOUR


def _pct(value: Decimal | float, scale: float = 1.0) -> str:
    """A percentage attribute value, e.g. "61.25%" (SVG wants a dot, whatever the language)."""
    return f"{float(value) * scale:.2f}%"


SCALE_FLOOR, SCALE_TOP = 25, 100  # the konversi scale: all answers 1 -> 25, all 4 -> 100


def _share(konversi: Decimal) -> float:
    """Where a konversi lies on the 25-100 scale, as 0-100 (clamped: legacy 0.11 gives 24.75)."""
    share = (float(konversi) - SCALE_FLOOR) / (SCALE_TOP - SCALE_FLOOR) * 100
    return min(max(share, 0.0), 100.0)


# On a phone the full names of some elements do not fit one line; these short ones do.
BRIEF_NAMES = {
    "U1": ("Persyaratan", "Requirements"),
    "U2": ("Prosedur", "Procedures"),
    "U3": ("Waktu penyelesaian", "Completion time"),
    "U4": ("Biaya/tarif", "Cost"),
    "U5": ("Produk layanan", "Service product"),
    "U6": ("Kompetensi pelaksana", "Staff competence"),
    "U7": ("Perilaku pelaksana", "Staff conduct"),
    "U8": ("Pengaduan & saran", "Complaints"),
    "U9": ("Sarana prasarana", "Facilities"),
}


def brief_name(code: str) -> str:
    id_name, en_name = BRIEF_NAMES[code]
    return en_name if (get_language() or "id").startswith("en") else id_name


# ---------------------------------------------------------------- per-element bars
BAR_ROW = 48
BAR_TRACK = 0.78  # the bar track's share of the width; the value sits right of it


def element_bars(result: IkmResult) -> SafeString:
    """The nine elements as horizontal bars, lowest first (the RTL's order), graded colours.

    Elements nobody answered come last, with no bar and a dash.
    """
    rows = [*result.lowest_first(), *(e for e in result.elements if not e.answered)]
    height = BAR_ROW * len(rows) + 8
    guides = format_html_join(
        "",
        '<line x1="{0}" x2="{0}" y1="4" y2="{1}" stroke="{2}" stroke-width="1" '
        'stroke-dasharray="3 3"><title>{3}</title></line>',
        (
            (
                _pct(_share(bound), BAR_TRACK),
                height - 4,
                GUIDE_COLOUR,
                _("Grade %(grade)s from %(bound)s") % {"grade": mutu, "bound": number(bound)},
            )
            for mutu, bound in BOUNDS
        ),
    )
    parts = []
    for i, element in enumerate(rows):
        top = i * BAR_ROW
        label = f"{element.code} · {element_name_text(element.code)}"
        brief = f"{element.code} · {brief_name(element.code)}"
        if element.answered:
            value = f"{number(element.nrr_konversi)} · {element.mutu}"
            bar = format_html(
                '<rect x="0" y="{}" width="{}" height="14" rx="3" fill="{}"/>',
                top + 24,
                _pct(_share(element.nrr_konversi), BAR_TRACK),
                colour(element.mutu),
            )
        else:
            value, bar = "–", ""
        parts.append(
            format_html(
                '<g class="bar-row" data-code="{code}" data-value="{raw}">'
                '<text class="full" x="0" y="{ty}" font-size="13" fill="{ink}">{label}</text>'
                '<text class="brief" x="0" y="{ty}" font-size="13" fill="{ink}">{brief}</text>'
                '<rect x="0" y="{by}" width="{track}" height="14" rx="3" fill="{tc}"/>{bar}'
                '<text x="100%" y="{vy}" font-size="13" font-weight="700" text-anchor="end" '
                'fill="{vc}">{value}</text></g>',
                code=element.code,
                raw=element.nrr_konversi if element.answered else "",
                ty=top + 17,
                ink=INK,
                label=label,
                brief=brief,
                by=top + 24,
                track=_pct(100, BAR_TRACK),
                tc=TRACK_COLOUR,
                bar=bar,
                vy=top + 36,
                vc=colour(element.mutu) if element.answered else MUTED,
                value=value,
            )
        )
    return format_html(
        '<svg class="chart chart-elements" role="img" width="100%" height="{}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}{}</svg>',
        height,
        _("Service elements, lowest first (konversi, scale 25–100)"),
        guides,
        mark_safe("".join(parts)),
    )


# ---------------------------------------------------------------- trend columns
PLOT_TOP = 14
PLOT_BOTTOM = 164
TREND_HEIGHT = 196


PLOT_WIDTH = 92  # percent of the width for the columns; the grade letters sit right of it


def _y(value: Decimal | float) -> float:
    return PLOT_BOTTOM - _share(value) / 100 * (PLOT_BOTTOM - PLOT_TOP)


def trend_columns(months: Sequence[MonthFigure]) -> SafeString:
    """The konversi month by month as columns coloured by grade; empty months show a dash."""
    n = max(len(months), 1)
    slot = PLOT_WIDTH / n
    guides = format_html_join(
        "",
        '<line x1="0" x2="{5}" y1="{0}" y2="{0}" stroke="{1}" stroke-width="1" '
        'stroke-dasharray="3 3"><title>{4}</title></line>'
        '<text x="100%" y="{2}" font-size="11" font-weight="700" text-anchor="end" '
        'fill="{6}">{3}</text>',
        (
            (
                f"{_y(bound):.1f}",
                GUIDE_COLOUR,
                f"{_y(bound) + 4:.1f}",
                mutu,
                _("Grade %(grade)s from %(bound)s") % {"grade": mutu, "bound": number(bound)},
                _pct(PLOT_WIDTH),
                colour(mutu),
            )
            for mutu, bound in BOUNDS
        ),
    )
    parts = []
    for i, item in enumerate(months):
        result = item.figure.result
        centre = _pct((i + 0.5) * slot)
        month = formats.date_format(item.month, "M")
        if result.konversi is None:
            parts.append(
                format_html(
                    '<g class="col" data-month="{}"><text x="{}" y="{}" font-size="12" '
                    'text-anchor="middle" fill="{}">–</text>',
                    item.month.isoformat(),
                    centre,
                    PLOT_BOTTOM - 4,
                    MUTED,
                )
            )
        else:
            top = min(_y(result.konversi), PLOT_BOTTOM - 2)  # even 25,00 shows a sliver
            parts.append(
                format_html(
                    '<g class="col" data-month="{month}" data-value="{raw}">'
                    '<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="2" fill="{c}">'
                    "<title>{label}: {value} ({grade}), {n}</title></rect>"
                    '<text class="v" x="{cx}" y="{ty}" font-size="11" font-weight="700" '
                    'text-anchor="middle" fill="{ink}">{value}</text>',
                    month=item.month.isoformat(),
                    raw=result.konversi,
                    x=_pct(i * slot + slot * 0.2),
                    y=f"{top:.1f}",
                    w=_pct(slot * 0.6),
                    h=f"{PLOT_BOTTOM - top:.1f}",
                    c=colour(result.mutu),
                    label=formats.date_format(item.month, "F Y"),
                    value=number(result.konversi),
                    grade=result.mutu,
                    n=_("%(n)s responses") % {"n": number(item.figure.responses, 0)},
                    cx=centre,
                    ty=f"{top - 4:.1f}",
                    ink=INK,
                )
            )
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="12" text-anchor="middle" fill="{}">{}</text></g>',
                centre,
                PLOT_BOTTOM + 18,
                MUTED,
                month,
            )
        )
    baseline = format_html(
        '<line x1="0" x2="{2}" y1="{0}" y2="{0}" stroke="{1}" stroke-width="1"/>',
        PLOT_BOTTOM,
        GUIDE_COLOUR,
        _pct(PLOT_WIDTH),
    )
    return format_html(
        '<svg class="chart chart-trend" role="img" width="100%" height="{}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}{}{}</svg>',
        TREND_HEIGHT,
        _("IKM konversi month by month (scale 25–100)"),
        guides,
        baseline,
        mark_safe("".join(parts)),
    )


# ---------------------------------------------------------------- a figure's small meter
METER_HEIGHT = 10


def score_meter(konversi, mutu) -> SafeString:
    """A figure as a small bar on the 25-100 scale in its grade's colour, with the grade
    bounds as ticks: for lists of agencies and regencies, where a row has a line's room.

    The figure is printed as text beside it, so the meter is hidden from screen readers.
    An empty track for a figure without an index.
    """
    grade = Mutu(str(mutu)) if mutu else None
    bar = ""
    if konversi not in (None, ""):
        bar = format_html(
            '<rect x="0" y="1" width="{}" height="{}" rx="3" fill="{}"/>',
            _pct(_share(Decimal(str(konversi)))),
            METER_HEIGHT - 2,
            colour(grade),
        )
    ticks = format_html_join(
        "",
        '<line x1="{0}" x2="{0}" y1="0" y2="{1}" stroke="{2}" stroke-width="1"/>',
        ((_pct(_share(bound)), METER_HEIGHT, GUIDE_COLOUR) for _mutu, bound in BOUNDS),
    )
    return format_html(
        '<svg class="meter-chart" aria-hidden="true" focusable="false" width="100%" height="{}" '
        'xmlns="http://www.w3.org/2000/svg"><rect x="0" y="1" width="100%" height="{}" rx="3" '
        'fill="{}"/>{}{}</svg>',
        METER_HEIGHT,
        METER_HEIGHT - 2,
        TRACK_COLOUR,
        bar,
        ticks,
    )
