"""The base domain: the province's control plane."""

from django.contrib import admin
from django.urls import include, path

from sukma.platform import views
from sukma.platform.views import agreements, audit, periods, provisioning, regencies
from sukma.urls.common import common_patterns

# The province's pages; paths are Indonesian like the rest of the site.
province_patterns = [
    path("kabupaten-kota/", regencies.regency_list, name="regency_list"),
    path("kabupaten-kota/<int:pk>/", regencies.regency_detail, name="regency_detail"),
    path("kabupaten-kota/<int:pk>/status/", regencies.regency_status, name="regency_status"),
    path("kabupaten-kota/<int:pk>/provisi/", provisioning.provision, name="provision"),
    path("kabupaten-kota/<int:pk>/periode/", periods.regency_periods, name="regency_periods"),
    path(
        "kabupaten-kota/<int:pk>/periode/<int:period_id>/buka/",
        periods.period_reopen,
        name="period_reopen",
    ),
    path("provisi/<uuid:pk>/", provisioning.provisioning_job, name="provisioning_job"),
    path("perjanjian/baru/", agreements.agreement_create, name="agreement_create"),
    path("perjanjian/<int:pk>/", agreements.agreement_detail, name="agreement_detail"),
    path("perjanjian/<int:pk>/dokumen/", agreements.agreement_document, name="agreement_document"),
    path("perjanjian/<int:pk>/status/", agreements.agreement_status, name="agreement_status"),
    path("audit/", audit.audit_log, name="audit_log"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("sukma.api.urls_public")),
    *province_patterns,
    *common_patterns("sukma.urls.public"),
]
