"""Reads of a regency's structure. Callers put the connection on the regency's schema first."""

import datetime

from django.db.models import Count, Prefetch, QuerySet

from sukma.surveys.models import Agency, Period, Question, Questionnaire, ServicePoint


def day_is_locked(day: datetime.date) -> bool:
    """True when a locked period (of any kind) covers the day: its figures may not change."""
    return Period.objects.filter(locked=True, starts_on__lte=day, ends_on__gte=day).exists()


def service_point_public_path(point: ServicePoint) -> str:
    """The path the QR opens on the regency's host: /s/<code>/."""
    return f"/s/{point.code}/"


def service_point_by_code(code: str) -> ServicePoint | None:
    """An active service point by its public code, case-insensitively (people type it)."""
    return (
        ServicePoint.objects.select_related("agency", "default_service")
        .filter(code=code.strip().upper(), active=True, agency__active=True)
        .first()
    )


def questionnaire_current() -> Questionnaire | None:
    """The version citizens answer now, with its questions in order."""
    return (
        Questionnaire.objects.filter(is_current=True)
        .prefetch_related(Prefetch("questions", queryset=Question.objects.order_by("position")))
        .first()
    )


def agencies_with_counts() -> QuerySet[Agency]:
    return Agency.objects.annotate(
        service_count=Count("services", distinct=True),
        point_count=Count("service_points", distinct=True),
    )


def periods_by_year() -> list[tuple[int, list[Period]]]:
    """Each year with its periods, newest year first; inside a year by kind, then number."""
    order = {"year": 0, "semester": 1, "quarter": 2, "month": 3}
    years: dict[int, list[Period]] = {}
    for period in Period.objects.order_by("-year", "number"):
        years.setdefault(period.year, []).append(period)
    return [
        (year, sorted(periods, key=lambda p: (order[p.kind], p.number)))
        for year, periods in years.items()
    ]
