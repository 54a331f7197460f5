"""The product's regency routes plus one bare view: the baseline of bench/submit.py.

The bare view goes through the same server, middleware (regency, session,
CSRF, auth, axes) and database as the citizen's page, and inserts ONE row
into a table that only the benchmark's scratch database has (created with
raw SQL by bench/submit.py). It is never routed in the product.
"""

from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import include, path
from django.views.decorators.http import require_http_methods


@require_http_methods(["GET", "POST"])
def bare(request):
    if request.method == "GET":
        return HttpResponse(get_token(request), content_type="text/plain")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_bare_row (payload) VALUES (%s)", [request.POST.get("payload", "")]
        )
    return HttpResponse(status=204)


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("sukma.urls.tenant")),
]
