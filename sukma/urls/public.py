"""The base domain: the province's control plane."""

from django.contrib import admin
from django.urls import include, path

from sukma.platform import views
from sukma.urls.common import common_patterns

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("sukma.api.urls_public")),
    *common_patterns("sukma.urls.public"),
]
