"""A regency's URL conf plus two views that fail, to reach the 500 and 503 handlers.

Production code has no view that fails on purpose; these stand for any view that meets a bug
(500) or finds the database gone (503).
"""

from django.db import OperationalError
from django.urls import path

from sukma.urls.tenant import handler400, handler403, handler404, handler500  # noqa: F401
from sukma.urls.tenant import urlpatterns as regency_patterns


def broken(request):
    raise RuntimeError("a bug")


def database_gone(request):
    raise OperationalError("server closed the connection unexpectedly")


urlpatterns = [
    path("rusak/", broken),
    path("api/v1/rusak/", broken),
    path("basis-data-hilang/", database_gone),
    path("api/v1/basis-data-hilang/", database_gone),
    *regency_patterns,
]
