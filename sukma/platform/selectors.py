"""Reads of the control plane that more than one face needs (pages, API, metrics, status)."""

from django.db.models import QuerySet

from sukma.platform.models import TaskFailure


def task_failures(*, handled: bool | None = False) -> QuerySet[TaskFailure]:
    """Failed tasks, newest first: unhandled ones (the default), handled ones, or all (None)."""
    failures = TaskFailure.objects.select_related("regency", "handled_by")
    if handled is None:
        return failures
    return failures.filter(handled_at__isnull=not handled)


def task_failures_unhandled_count() -> int:
    return TaskFailure.objects.filter(handled_at__isnull=True).count()
