"""Reads behind the laporan SKM: what a report shows, and the fingerprint of that data.

Every figure is sukma.surveys.selectors' (the totals and the IKM engine);
this module only gathers them for one scope (regency, agency or service)
and period, with the words the report prints around them, in Bahasa
Indonesia: the weight each element got (the dashboard's own figure), the
regency's report settings (foreword, signatory, coat of arms) and the name
a downloaded file gets.
"""

import base64
import datetime
import hashlib
import json
from dataclasses import dataclass, field

from django.db.models import Count, Max, Sum
from django.utils import translation
from django.utils.text import slugify

from sukma.surveys import selectors as figures
from sukma.surveys.breakdowns import breakdowns, min_group_size
from sukma.surveys.dashboard.selectors import MonthFigure, monthly_figures
from sukma.surveys.followup import selectors as followup
from sukma.surveys.method.ikm import WeightPolicy
from sukma.surveys.models import (
    PROFILE_FIELDS,
    Agency,
    DailyServiceTotals,
    Period,
    PeriodKind,
    Questionnaire,
    Service,
    ServicePoint,
)
from sukma.surveys.reports import rtl
from sukma.surveys.reports.models import ReportFile, ReportScope, ReportSettings
from sukma.surveys.templatetags.figures import number as shown_number
from sukma.surveys.templatetags.figures import weight_shown

# Bumped when what a report contains changes, so cached files are made again.
# 3: small profile groups hidden (2), and the regency's settings, foreword and signatory.
LAYOUT_VERSION = 3
TREND_PERIODS = 5

PROFILE_HEADINGS_ID = {
    "sex": "Jenis kelamin",
    "age_band": "Usia",
    "education": "Pendidikan terakhir",
    "occupation": "Pekerjaan utama",
    "disability": "Disabilitas",
    "service_session": "Waktu pelayanan",
}
MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def date_id(day: datetime.date) -> str:
    """ "1 Januari 2026", whatever the installed locale data says."""
    return f"{day.day} {MONTHS_ID[day.month - 1]} {day.year}"


def period_label_id(period: Period) -> str:
    if period.kind == PeriodKind.YEAR:
        return f"Tahun {period.year}"
    if period.kind == PeriodKind.SEMESTER:
        return f"Semester {'I' * period.number} Tahun {period.year}"
    if period.kind == PeriodKind.QUARTER:
        roman = ("I", "II", "III", "IV")[period.number - 1]
        return f"Triwulan {roman} Tahun {period.year}"
    return f"{MONTHS_ID[period.starts_on.month - 1]} {period.year}"


@dataclass(frozen=True)
class Subject:
    """What a report is about: the regency, one agency, or one service."""

    scope: str
    scope_id: int
    agency: Agency | None
    service: Service | None

    @property
    def agency_id(self) -> int | None:
        return None if self.agency is None else self.agency.pk

    @property
    def service_id(self) -> int | None:
        return None if self.service is None else self.service.pk


def subject_for(scope: str, scope_id: int) -> Subject:
    """The subject, or Agency/Service.DoesNotExist."""
    if scope == ReportScope.SERVICE:
        service = Service.objects.select_related("agency").get(pk=scope_id)
        return Subject(scope, service.pk, service.agency, service)
    if scope == ReportScope.AGENCY:
        return Subject(scope, scope_id, Agency.objects.get(pk=scope_id), None)
    if scope == ReportScope.REGENCY:
        return Subject(scope, 0, None, None)
    raise ValueError(f"unknown report scope {scope!r}")


def trend_periods(period: Period) -> list[Period]:
    """The period and up to TREND_PERIODS - 1 before it, of the same kind, oldest first."""
    periods = Period.objects.filter(kind=period.kind, starts_on__lte=period.starts_on).order_by(
        "-starts_on"
    )[:TREND_PERIODS]
    return list(reversed(periods))


def previous_period(period: Period) -> Period | None:
    """The period of the same kind just before: the one whose RTL realisation the report shows."""
    return followup.previous_period(period)


# ---------------------------------------------------------------- fingerprint
def data_fingerprint(subject: Subject, period: Period) -> str:
    """A digest that changes whenever anything the report shows can change.

    The daily totals rows of the report's days (and of the trend's earlier
    periods) carry the id of the last transaction that changed them, so a new
    response or an exclusion moves the maximum; the count and sum catch a row
    added or removed. Beside them: the period (dates, lock), the current
    questionnaire, the weight policy, the smallest group shown, the structure the report names
    (services, their expected users, service points) and the follow-up plans.
    """
    earliest = min(p.starts_on for p in [*trend_periods(period), period])
    rows = DailyServiceTotals.objects.filter(day__gte=earliest, day__lte=period.ends_on)
    services = Service.objects.all()
    points = ServicePoint.objects.all()
    agencies = Agency.objects.all()
    if subject.agency_id is not None:
        rows = rows.filter(service__agency_id=subject.agency_id)
        services = services.filter(agency_id=subject.agency_id)
        points = points.filter(agency_id=subject.agency_id)
        agencies = agencies.filter(pk=subject.agency_id)
    if subject.service_id is not None:
        rows = rows.filter(service_id=subject.service_id)
        services = services.filter(pk=subject.service_id)
    totals = rows.aggregate(xid=Max("changed_xid"), rows=Count("id"), responses=Sum("responses"))
    questionnaire = Questionnaire.objects.filter(is_current=True).values_list("version", flat=True)
    parts = {
        "layout": LAYOUT_VERSION,
        "subject": [subject.scope, subject.scope_id],
        "period": [period.pk, period.starts_on, period.ends_on, period.locked, period.locked_at],
        "trend": [p.pk for p in trend_periods(period)],
        "totals": totals,
        "questionnaire": list(questionnaire),
        "policy": figures.weight_policy(period),
        "min_group": min_group_size(),  # a new k hides other groups
        "agencies": list(agencies.order_by("pk").values_list("pk", "name", "active")),
        "services": list(
            services.order_by("pk").values_list("pk", "name", "annual_users", "active")
        ),
        "points": list(points.order_by("pk").values_list("pk", "name", "address", "active")),
        "rtl": rtl.fingerprint(subject.agency_id, period, previous_period(period)),
        "settings": ReportSettings.objects.filter(pk=1)
        .values_list("updated_at", flat=True)
        .first(),
    }
    blob = json.dumps(parts, default=str, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()


# ---------------------------------------------------------------- the report's data
@dataclass
class ProfileTable:
    field: str
    heading: str
    rows: list[tuple[str, str, figures.Figure]]
    total: int  # the respondents in the rows shown
    withheld: int = 0  # blank, or in groups too small to show (sukma.surveys.breakdowns)
    min_group: int = 0


@dataclass
class ReportData:
    regency: object
    subject: Subject
    period: Period
    period_label: str
    title: str
    figure: figures.Figure
    services: list[tuple[Service, figures.Figure]]
    agencies: list[tuple[Agency, figures.Figure]]
    profiles: list[ProfileTable]
    points: list[ServicePoint]
    months: list[MonthFigure]
    trend: list[tuple[Period, figures.Figure]]
    questionnaire: Questionnaire | None
    plans: list[rtl.PlanView] = field(default_factory=list)
    previous: list[rtl.PlanView] = field(default_factory=list)
    previous_period: Period | None = None
    generated_on: datetime.date | None = None
    settings: ReportSettings = field(default_factory=ReportSettings)


def subject_title(regency, subject: Subject) -> str:
    if subject.service is not None:
        return f"{subject.service.name} – {subject.agency.name}"
    if subject.agency is not None:
        return subject.agency.name
    return str(regency.name)


def _profile_tables(subject: Subject, period: Period) -> list[ProfileTable]:
    tables = []
    k = min_group_size()
    every = breakdowns(
        period,
        list(PROFILE_FIELDS),
        agency_id=subject.agency_id if subject.service_id is None else None,
        service_id=subject.service_id,
        k=k,
    )
    for name in PROFILE_FIELDS:
        shown = every[name]
        tables.append(
            ProfileTable(
                field=name,
                heading=PROFILE_HEADINGS_ID[name],
                rows=[(row.value, row.label, row.figure) for row in shown.rows],
                total=shown.shown,
                withheld=shown.withheld,
                min_group=k,
            )
        )
    return tables


def _trend(subject: Subject, period: Period) -> list[tuple[Period, figures.Figure]]:
    today = figures.weight_policy()
    return [
        (
            p,
            figures.make_figure(
                figures.totals_between(
                    p.starts_on,
                    p.ends_on,
                    agency_id=subject.agency_id if subject.service_id is None else None,
                    service_id=subject.service_id,
                ),
                None,
                figures.kept_policy(p) or today,
            ),
        )
        for p in trend_periods(period)
    ]


def report_data(regency, subject: Subject, period: Period, *, today=None) -> ReportData:
    """Everything a report prints, in Bahasa Indonesia (labels are resolved in "id")."""
    with translation.override("id"):
        if subject.service is not None:
            figure = figures.service_figure(period, subject.service)
            services = [
                (s, f)
                for s, f in figures.service_figures(period, agency_id=subject.agency_id)
                if s.pk == subject.service_id
            ]
        elif subject.agency is not None:
            figure = figures.agency_figure(period, subject.agency)
            services = figures.service_figures(period, agency_id=subject.agency_id)
        else:
            figure = figures.regency_figure(period)
            services = figures.service_figures(period)
        agencies = figures.agency_figures(period) if subject.agency is None else []
        points = ServicePoint.objects.filter(active=True).select_related("agency")
        if subject.agency_id is not None:
            points = points.filter(agency_id=subject.agency_id)
        previous = previous_period(period)
        data = ReportData(
            regency=regency,
            subject=subject,
            period=period,
            period_label=period_label_id(period),
            title=subject_title(regency, subject),
            figure=figure,
            services=list(services),
            agencies=list(agencies),
            profiles=_profile_tables(subject, period),
            points=list(points),
            months=monthly_figures(
                period.starts_on,
                period.ends_on,
                agency_id=subject.agency_id if subject.service_id is None else None,
                service_id=subject.service_id,
                until=period.ends_on,
                policy=figure.policy,
            ),
            trend=_trend(subject, period),
            questionnaire=Questionnaire.objects.filter(is_current=True)
            .prefetch_related("questions")
            .first(),
            plans=rtl.plans(subject.agency_id, period),
            previous=rtl.previous_realisation(subject.agency_id, period),
            previous_period=previous,
            generated_on=today,
            settings=report_settings(),
        )
        # Resolve lazy labels now, while the language is Indonesian.
        for table in data.profiles:
            table.rows = [(v, str(label), f) for v, label, f in table.rows]
        return data


def number_id(value, places: int = 2) -> str:
    """75,00 / 1.234: Indonesian number format, rounded half-up as on every face; "–" for None."""
    with translation.override("id"):
        return shown_number(value, places)


# ---------------------------------------------------------------- the weight, in words
POLICY_ID = {
    WeightPolicy.EXACT: "bobot sama",
    WeightPolicy.LEGACY_0_11: "bobot lama 0,11",
    WeightPolicy.LEGACY_0_111: "bobot lama 0,111",
}


def weight_id(result) -> str:
    """ "1/8 per unsur (bobot sama)": the dashboard's weight figure, with the policy in words."""
    with translation.override("id"):
        shown = weight_shown(result)
    return f"{shown} per unsur ({POLICY_ID[WeightPolicy(str(result.policy))]})"


# ---------------------------------------------------------------- the report settings
FOREWORD_DEFAULT = """\
Puji syukur kami panjatkan ke hadirat Tuhan Yang Maha Esa, karena atas rahmat-Nya \
Laporan Survei Kepuasan Masyarakat (SKM) {subjek} periode {periode} dapat diselesaikan.

Survei Kepuasan Masyarakat dilaksanakan berdasarkan Peraturan Menteri Pendayagunaan Aparatur \
Negara dan Reformasi Birokrasi Nomor 14 Tahun 2017 untuk mengukur tingkat kepuasan masyarakat \
atas pelayanan publik yang diterimanya. Survei dilaksanakan secara elektronik melalui SuKMa: \
masyarakat memberikan penilaian langsung setelah menerima pelayanan, secara anonim dan mudah.

Hasil survei ini menjadi bahan evaluasi dan dasar penyusunan rencana tindak lanjut perbaikan \
pelayanan, terutama pada unsur pelayanan yang nilainya masih rendah. Kami menyampaikan terima \
kasih kepada masyarakat yang telah meluangkan waktu mengisi survei, serta kepada semua pihak \
yang telah membantu pelaksanaannya.

Kami menyadari laporan ini masih memiliki kekurangan; saran dan masukan untuk perbaikan \
sangat kami harapkan."""


def report_settings() -> ReportSettings:
    """The regency's report settings as stored, or the defaults (nothing is written)."""
    return ReportSettings.objects.filter(pk=1).first() or ReportSettings(pk=1)


def foreword_paragraphs(settings: ReportSettings, subject: str, period_label: str) -> list[str]:
    """The foreword's paragraphs, {subjek} and {periode} filled in (the default when empty)."""
    text = settings.foreword.strip() or FOREWORD_DEFAULT
    text = text.replace("{subjek}", subject).replace("{periode}", period_label)
    return [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]


def coat_of_arms_uri(settings: ReportSettings) -> str:
    """The stored coat of arms as a data: URI (the PDF fetches nothing else), or ""."""
    if not settings.coat_of_arms:
        return ""
    try:
        with settings.coat_of_arms.open("rb") as handle:
            return "data:image/png;base64," + base64.b64encode(handle.read()).decode("ascii")
    except OSError:  # the file went missing: the cover goes without it
        return ""


# ---------------------------------------------------------------- the downloaded file's name
def period_slug(period: Period) -> str:
    """2026, 2026-s1, 2026-tw2, 2026-03."""
    if period.kind == PeriodKind.YEAR:
        return str(period.year)
    if period.kind == PeriodKind.SEMESTER:
        return f"{period.year}-s{period.number}"
    if period.kind == PeriodKind.QUARTER:
        return f"{period.year}-tw{period.number}"
    return f"{period.year}-{period.number:02d}"


def regency_subdomain(regency) -> str:
    domain = regency.primary_domain
    if domain:
        return domain.split(".")[0]
    return regency.schema_name.removeprefix("r_").replace("_", "-")


def download_name(report: ReportFile, regency) -> str:
    """laporan-skm-<subdomain>[-<agency>[-<service>]]-<period>.<pdf|xlsx>"""
    parts = ["laporan-skm", regency_subdomain(regency)]
    if report.scope in (ReportScope.AGENCY, ReportScope.SERVICE):
        try:
            subject = subject_for(report.scope, report.scope_id)
        except (Agency.DoesNotExist, Service.DoesNotExist):
            subject = None
        if subject is not None:
            parts.append(slugify(subject.agency.short_name or subject.agency.name)[:40])
            if subject.service is not None:
                parts.append(slugify(subject.service.name)[:40])
    parts.append(period_slug(report.period))
    return "-".join(p for p in parts if p) + f".{report.fmt}"
